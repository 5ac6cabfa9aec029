//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: the prefix is written once per read() instead of once per line.
// Wrong step: lesson 1, TODO(3)
// Must fail: framing.split framing.coalesced framing.utf8-split
// May fail: nothing
// Cause: REPLY_PER_READ

import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server that echoes every read as it comes, prefix first, as if a read were a line. */
@Command(name = "PrefixPerRead")
class PrefixPerRead extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) != -1; ) {
                // The defect: one read is taken for one line.
                out.write(prefix.getBytes());
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new PrefixPerRead(), args);
    }
}
