//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: lesson 3's accept loop takes a slot after accept(), not before: at --max-clients it holds one more connection, with no thread to serve it.
// Wrong step: lesson 3, TODO(2)
// Must fail: robust.flood
// May fail: nothing
// Cause: ACCEPTS_BEFORE_SLOT

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import picocli.CommandLine.Command;

/** Lesson 3's server that accepts first and waits for a slot with the client in hand. */
@Command(name = "AcquireAfterAccept")
class AcquireAfterAccept extends MultiThreaded {

    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        acceptThenAcquire(this, listener, Thread.ofPlatform().name("client-", 1).factory());
    }

    // Lesson 3's accept loop, and lesson 6's with virtual threads, with the slot taken too late.
    static void acceptThenAcquire(EchoServer server, ServerSocket listener, ThreadFactory factory)
            throws IOException, InterruptedException {
        var threads = Executors.newThreadPerTaskExecutor(factory);
        var slots = new Semaphore(server.maxClients());
        while (true) {
            var client = listener.accept();
            // The defect: the slot is taken after accept(), so at the cap one accepted client waits here, unserved.
            slots.acquire();
            threads.execute(() -> {
                try {
                    server.echo(client);
                } finally {
                    slots.release();
                }
            });
        }
    }

    public static void main(String[] args) {
        run(new AcquireAfterAccept(), args);
    }
}
