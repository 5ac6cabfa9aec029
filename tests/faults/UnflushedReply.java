//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: replies go into a BufferedOutputStream that is never flushed: they leave only when it is full, or at close.
// Must fail: echo.basic
// May fail: nothing
// Cause: NOTHING_WRITTEN

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server with a buffered output stream and no flush(). */
@Command(name = "UnflushedReply")
class UnflushedReply extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            // The defect: a buffer in front of the socket, and no flush() after a reply.
            var out = new BufferedOutputStream(client.getOutputStream());
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
            out.flush();
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new UnflushedReply(), args);
    }
}
