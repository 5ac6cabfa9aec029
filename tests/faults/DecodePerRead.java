//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: each read is decoded as UTF-8 text before it is framed: a character split between two reads is lost.
// Must fail: framing.utf8-split echo.binary
// May fail: nothing
// Cause: DECODED

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** Lesson 3's server that turns every read into a String, and back. */
@Command(name = "DecodePerRead")
class DecodePerRead extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var framing = framing();
            var buffer = new byte[8192];
            var reply = new ByteArrayOutputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                // The defect: bytes become text per read; half a character becomes U+FFFD.
                var bytes = new String(buffer, 0, n, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
                if (!framing.read(bytes, 0, bytes.length, reply)) {
                    reply.writeTo(out);
                    return;
                }
                reply.writeTo(out);
                reply.reset();
            }
            framing.end(reply);
            reply.writeTo(out);
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new DecodePerRead(), args);
    }
}
