//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: an empty line is taken for "nothing to echo" and gets no reply.
// Wrong step: lesson 1, TODO(3)
// Must fail: echo.empty-line
// May fail: nothing
// Cause: EMPTY_LINE_SKIPPED

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;
import picocli.CommandLine.Command;

/** Lesson 3's server that skips the replies to empty lines. */
@Command(name = "SkipsEmptyLines")
class SkipsEmptyLines extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var framing = framing();
            var empty = (prefix + "\n").getBytes();
            var buffer = new byte[8192];
            var reply = new ByteArrayOutputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                if (!framing.read(buffer, 0, n, reply)) {
                    reply.writeTo(out);
                    return;
                }
                // The defect: a reply that is the prefix and an LF alone is not written.
                var replies = reply.toByteArray();
                for (int from = 0, i = 0; i < replies.length; i++) {
                    if (replies[i] == '\n') {
                        if (!Arrays.equals(replies, from, i + 1, empty, 0, empty.length)) {
                            out.write(replies, from, i + 1 - from);
                        }
                        from = i + 1;
                    }
                }
                reply.reset();
            }
            framing.end(reply);
            reply.writeTo(out);
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new SkipsEmptyLines(), args);
    }
}
