//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: replies are turned into text and written back as US-ASCII: every byte above 7f comes back as a question mark.
// Must fail: echo.utf8 echo.binary
// May fail: nothing
// Cause: ENCODED_AS_QUESTION

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** Lesson 3's server that writes its replies as ASCII text. */
@Command(name = "AsciiText")
class AsciiText extends MultiThreaded {

    @Override
    void echo(Socket client) {
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
                // The defect: the reply goes through a String and an encoder that knows only ASCII.
                out.write(reply.toString(StandardCharsets.ISO_8859_1).getBytes(StandardCharsets.US_ASCII));
                reply.reset();
            }
            framing.end(reply);
            reply.writeTo(out);
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new AsciiText(), args);
    }
}
