//JAVA 25+
//SOURCES ../../solutions/SingleThreaded.java
// Fault: the echo loop lets an IOException out, and it ends the accept loop: the first client that resets the connection stops the server.
// Must fail: robust.reset
// May fail: robust.peer-gone (its clients vanish with a reset too)
// Cause: SERVER_DIED

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 1's server whose echo throws instead of closing the client and going on. */
@Command(name = "DiesOnReset")
class DiesOnReset extends SingleThreaded {

    @Override
    void serve(ServerSocket listener) throws IOException {
        while (true) {
            // The defect: nothing catches what echoOrThrow throws; serve() ends, and with it the server.
            echoOrThrow(listener.accept());
        }
    }

    private void echoOrThrow(Socket client) throws IOException {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var framing = framing();
            var buffer = new byte[8192];
            var reply = new ByteArrayOutputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                if (!framing.read(buffer, 0, n, reply)) {
                    reply.writeTo(out);
                    return;
                }
                reply.writeTo(out);
                reply.reset();
            }
            framing.end(reply);
            reply.writeTo(out);
        }
    }

    public static void main(String[] args) {
        run(new DiesOnReset(), args);
    }
}
