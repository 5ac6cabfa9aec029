//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: the socket is closed at the end of a normal exchange only: when a write fails (the client is gone), the socket leaks.
// Must fail: robust.peer-gone robust.reset
// May fail: nothing
// Cause: WRITE_ERROR_NOT_HANDLED

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server that closes the client on the happy path alone. */
@Command(name = "LeaksOnWriteError")
class LeaksOnWriteError extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var framing = framing();
            var buffer = new byte[8192];
            var reply = new ByteArrayOutputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                if (!framing.read(buffer, 0, n, reply)) {
                    reply.writeTo(out);
                    client.close();
                    return;
                }
                reply.writeTo(out);
                reply.reset();
            }
            framing.end(reply);
            reply.writeTo(out);
            // The defect: the close is here, not in a finally: an exception skips it.
            client.close();
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
            leaked.add(client);
        }
    }

    // Keeps a leaked socket reachable, as a list of clients would: no garbage collector closes it.
    private final java.util.List<Socket> leaked = new java.util.concurrent.CopyOnWriteArrayList<>();

    public static void main(String[] args) {
        run(new LeaksOnWriteError(), args);
    }
}
