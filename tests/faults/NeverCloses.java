//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: the client socket is never closed; the server keeps every socket in a list it never empties.
// Must fail: stream.half-close framing.partial-at-eof cleanup.close-wait cleanup.fds
// May fail: stream.short-lived (the same: the connection its line ends is never closed)
// Cause: NO_CLOSE_AT_EOF

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import picocli.CommandLine.Command;

/** Lesson 3's server whose echo loop ends at end of stream without closing the socket. */
@Command(name = "NeverCloses")
class NeverCloses extends MultiThreaded {

    private final List<Socket> everyClient = new CopyOnWriteArrayList<>();

    @Override
    void echo(Socket client) {
        everyClient.add(client);
        try {
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
            // The defect: no client.close().
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new NeverCloses(), args);
    }
}
