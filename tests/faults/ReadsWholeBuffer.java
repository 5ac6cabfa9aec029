//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: the echo loop gives the framing the whole buffer, buffer.length bytes, not the n that the read returned.
// Wrong step: lesson 1, TODO(2)
// Must fail: echo.sequence echo.empty-line framing.utf8-split framing.partial-at-eof
// May fail: framing.split (its byte-at-a-time reads each add 8 KiB of NUL bytes: past --max-line the line is refused and closed)
// Cause: WHOLE_BUFFER_WRITTEN

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server whose echo loop frames the whole buffer after every read. */
@Command(name = "ReadsWholeBuffer")
class ReadsWholeBuffer extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var framing = framing();
            var buffer = new byte[8192];
            var reply = new ByteArrayOutputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                // The defect: buffer.length where n belongs.
                boolean more = framing.read(buffer, 0, buffer.length, reply);
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
        run(new ReadsWholeBuffer(), args);
    }
}
