//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: a debugging print of every line a client sends, as it is: a client can write escape sequences or forged lines into the log.
// Must fail: security.log-escaping
// May fail: nothing
// Cause: LOG_UNESCAPED

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** Lesson 3's server with a System.err.println of the client's bytes. */
@Command(name = "LogsClientBytes")
class LogsClientBytes extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var framing = framing();
            var buffer = new byte[8192];
            var reply = new ByteArrayOutputStream();
            for (int n; (n = in.read(buffer)) != -1; ) {
                // The defect: the client's bytes go to the log untouched.
                System.err.println("received: " + new String(buffer, 0, n, StandardCharsets.UTF_8));
                if (!framing.read(buffer, 0, n, reply)) {
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
        run(new LogsClientBytes(), args);
    }
}
