//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: accepts every client and reads what it sends, but never writes a byte back.
// Must fail: echo.basic
// May fail: nothing
// Cause: NOTHING_WRITTEN

import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server whose clients' threads read and read, and answer nothing. */
@Command(name = "NeverAnswers")
class NeverAnswers extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var buffer = new byte[8192];
            // The defect: the replies are never written.
            while (in.read(buffer) != -1) {
                Thread.onSpinWait();
            }
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new NeverAnswers(), args);
    }
}
