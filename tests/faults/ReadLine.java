//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: lines are read as text with readLine() and written with println(): CR and bytes that are not UTF-8 are lost.
// Must fail: echo.crlf echo.binary framing.partial-at-eof
// May fail: limits.oversized-line (readLine() has no bound)
// Cause: CR_LOST

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** Lesson 3's server that decodes lines into Strings and prints them back. */
@Command(name = "ReadLine")
class ReadLine extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            var out = new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8);
            // The defect: readLine() decodes and drops the terminator; println() writes "\n".
            for (String line; (line = in.readLine()) != null; ) {
                out.println(prefix + line);
                if (shortLived) {
                    return;
                }
            }
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new ReadLine(), args);
    }
}
