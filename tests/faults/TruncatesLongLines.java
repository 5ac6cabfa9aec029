//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: a line is whatever fits in an 8 KiB buffer: a longer line comes back cut into several replies.
// Wrong step: lesson 1, TODO(3)
// Must fail: stream.large-line
// May fail: nothing
// Cause: LINE_CUT

import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server that frames lines in a fixed buffer, and flushes it as a line when it is full. */
@Command(name = "TruncatesLongLines")
class TruncatesLongLines extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var line = new byte[8192];
            int length = 0;
            for (int b; (b = in.read()) != -1; ) {
                line[length++] = (byte) b;
                // The defect: a full buffer is taken for a complete line.
                if (b == '\n' || length == line.length) {
                    out.write(prefixBytes());
                    out.write(line, 0, length);
                    length = 0;
                    if (b == '\n' && shortLived) {
                        return;
                    }
                }
            }
            if (length > 0) {
                out.write(prefixBytes());
                out.write(line, 0, length);
            }
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new TruncatesLongLines(), args);
    }
}
