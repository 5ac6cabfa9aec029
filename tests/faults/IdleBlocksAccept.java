//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: the accept loop waits for a client's first byte (to log it) before handing the client to its thread: one idle client stops every new one.
// Must fail: robust.idle
// May fail: robust.flood (the accept loop reads each client's first byte, so the flood's resets end it)
// Cause: NOT_ACCEPTED

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;

/** Lesson 3's server that reads on the accepting thread. */
@Command(name = "IdleBlocksAccept")
class IdleBlocksAccept extends MultiThreaded {

    @Override
    void serve(ServerSocket listener) throws IOException {
        var threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("client-", 1).factory());
        while (true) {
            var client = listener.accept();
            // The defect: a blocking read on the accepting thread, before the client has a thread of its own.
            int first = client.getInputStream().read();
            log("%s sent first a byte %02x", client.getRemoteSocketAddress(), first & 0xff);
            threads.execute(() -> echoFrom(client, first));
        }
    }

    // echo(), starting with the byte already read.
    private void echoFrom(Socket client, int first) {
        try (client) {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var framing = framing();
            var buffer = new byte[8192];
            var reply = new java.io.ByteArrayOutputStream();
            if (first >= 0) {
                framing.read(new byte[] {(byte) first}, 0, 1, reply);
                reply.writeTo(out);
                reply.reset();
            }
            for (int n = first < 0 ? -1 : 0; n != -1 && (n = in.read(buffer)) != -1; ) {
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
        run(new IdleBlocksAccept(), args);
    }
}
