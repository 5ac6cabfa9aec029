//JAVA 25+
//SOURCES ../../solutions/shared/EchoServer.java
// Correct: a thread per client with its own framing: bytes read one at a time from a buffered stream, a reply flushed when no more input is waiting.
// Launch: ./jbang tests/correct/ByteAtATime.java

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;

/** Another style of framing than the kit's: a byte at a time, a line in a growing buffer. */
@Command(name = "ByteAtATime")
class ByteAtATime extends EchoServer {

    @Override
    String model() {
        return "multi-threaded";
    }

    @Override
    String details() {
        return "max-clients=" + maxClients();
    }

    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        var slots = new Semaphore(maxClients());
        while (true) {
            slots.acquire();
            var client = listener.accept();
            Thread.ofPlatform().start(() -> {
                try (client) {
                    lines(client);
                } catch (IOException e) {
                    log("%s: %s", client.getRemoteSocketAddress(), e.getMessage());
                } finally {
                    slots.release();
                }
            });
        }
    }

    private void lines(Socket client) throws IOException {
        var in = new BufferedInputStream(client.getInputStream());
        var out = new BufferedOutputStream(client.getOutputStream());
        var line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != -1; ) {
            if (raw) {
                out.write(b);
            } else {
                line.write(b);
                if (b == '\n') {
                    out.write(prefixBytes());
                    line.writeTo(out);
                    line.reset();
                    if (shortLived) {
                        // --short-lived: this one reply, then the end; what follows the line is dropped.
                        out.flush();
                        linger(client, in);
                        return;
                    }
                } else if (line.size() > maxLine) {
                    out.write("server error# line longer than %d bytes\n".formatted(maxLine).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    return;
                }
            }
            // Nothing more has come: what is ready goes out now.
            if (in.available() == 0) {
                out.flush();
            }
        }
        if (line.size() > 0) {
            out.write(prefixBytes());
            line.writeTo(out);
        }
        out.flush();
    }

    /**
     * Our side is done while the client may still be sending: half-close (the client reads the reply, then
     * end of stream), and discard what still comes for up to a second, so that the close that follows
     * does not turn into a reset that could destroy the reply before the client has read it.
     */
    private void linger(Socket client, InputStream in) {
        try {
            client.shutdownOutput();
            long deadline = System.nanoTime() + 1_000_000_000L;
            var sink = new byte[8192];
            for (long left; (left = (deadline - System.nanoTime()) / 1_000_000) > 0; ) {
                client.setSoTimeout((int) left);
                if (in.read(sink) == -1) {
                    break;
                }
            }
        } catch (IOException e) {
            // a timeout, or the client is gone: close now
        }
    }

    public static void main(String[] args) {
        run(new ByteAtATime(), args);
    }
}
