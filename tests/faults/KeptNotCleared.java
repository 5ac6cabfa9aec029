//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: the bytes kept for a line whose LF has not come are not emptied once the line is answered: each later line gets them again in front.
// Wrong step: lesson 1, TODO(3)
// Must fail: stream.bulk
// May fail: stream.half-close (when a read ends inside a line: a half-close run writes line by line, and reads may each take whole lines)
// Cause: KEPT_AGAIN

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import picocli.CommandLine.Command;

/** Lesson 3's server whose line splitting keeps the start of every line for good. */
@Command(name = "KeptNotCleared")
class KeptNotCleared extends MultiThreaded {

    @Override
    void echo(Socket client) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var kept = new ByteArrayOutputStream();
            var buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) != -1; ) {
                var reply = new ByteArrayOutputStream();
                int pos = 0;
                for (int lf; (lf = indexOf(buffer, pos, n)) >= 0; pos = lf + 1) {
                    if (kept.size() + lf + 1 - pos > maxLine) {
                        tooLong(reply, out);
                        return;
                    }
                    reply.writeBytes(prefixBytes());
                    kept.writeTo(reply);
                    reply.write(buffer, pos, lf + 1 - pos);
                    // The defect: no kept.reset() here, so this line's start stays kept for the next ones.
                    if (shortLived) {
                        reply.writeTo(out);
                        return;
                    }
                }
                if (kept.size() + n - pos > maxLine) {
                    tooLong(reply, out);
                    return;
                }
                kept.write(buffer, pos, n - pos);
                reply.writeTo(out);
            }
            if (kept.size() > 0) {
                out.write(prefixBytes());
                kept.writeTo(out);
            }
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    private void tooLong(ByteArrayOutputStream reply, java.io.OutputStream out) throws IOException {
        reply.writeBytes(("server error# line longer than " + maxLine + " bytes\n").getBytes());
        reply.writeTo(out);
    }

    private static int indexOf(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    public static void main(String[] args) {
        run(new KeptNotCleared(), args);
    }
}
