//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: raw mode done as line mode without a prefix: bytes without an LF are held until one comes.
// Must fail: raw.basic
// May fail: nothing
// Suite: --raw
// Cause: NOTHING_WRITTEN

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server that frames lines in raw mode too. */
@Command(name = "RawWaitsForLine")
class RawWaitsForLine extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            // The defect: raw mode only empties the prefix; the bytes still wait for their LF.
            var framing = Framing.of(false, raw ? new byte[0] : prefixBytes(), Integer.MAX_VALUE - 16, shortLived);
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
        run(new RawWaitsForLine(), args);
    }
}
