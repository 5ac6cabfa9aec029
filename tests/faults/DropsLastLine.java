//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: at end of input the bytes of a line without LF are forgotten: a last line the client did not end gets no reply.
// Wrong step: lesson 1, TODO(5)
// Must fail: framing.partial-at-eof
// May fail: nothing
// Cause: OWED_DROPPED

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server that closes at end of input without asking the framing what is still owed. */
@Command(name = "DropsLastLine")
class DropsLastLine extends MultiThreaded {

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
                reply.writeTo(out);
                reply.reset();
            }
            // The defect: no framing.end(reply) here.
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new DropsLastLine(), args);
    }
}
