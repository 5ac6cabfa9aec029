//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: raw mode echoes what it reads through a Reader and a Writer: bytes that are not UTF-8 become U+FFFD.
// Must fail: raw.binary
// May fail: nothing
// Suite: --raw
// Cause: DECODED

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** Lesson 3's server that echoes characters instead of bytes. */
@Command(name = "RawAsText")
class RawAsText extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            // The defect: text streams over a byte stream.
            var in = new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8);
            var out = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8);
            var buffer = new char[8192];
            for (int n; (n = in.read(buffer)) != -1; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new RawAsText(), args);
    }
}
