//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: no --max-line: a line without LF is buffered for ever, as long as the client sends.
// Wrong step: lesson 1, TODO(3)
// Must fail: limits.oversized-line
// May fail: nothing
// Cause: NO_LINE_LIMIT

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server whose framing has no limit. */
@Command(name = "UnboundedLine")
class UnboundedLine extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            // The defect: the line limit is as large as an int goes.
            var framing = Framing.of(raw, prefixBytes(), Integer.MAX_VALUE - 16, shortLived);
            var buffer = new byte[8192];
            var reply = new ByteArrayOutputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                boolean more = framing.read(buffer, 0, n, reply);
                reply.writeTo(out);
                reply.reset();
                if (!more) {
                    return;
                }
            }
            framing.end(reply);
            reply.writeTo(out);
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new UnboundedLine(), args);
    }
}
