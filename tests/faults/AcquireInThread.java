//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: lesson 3's cap is taken inside each client's thread, after accept(): every client is accepted and held, past --max-clients.
// Wrong step: lesson 3, TODO(2)
// Must fail: robust.flood
// May fail: nothing
// Cause: CLIENTS_UNCAPPED

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;

/** Lesson 3's server whose slot is acquired by the client's thread: the accept loop never waits. */
@Command(name = "AcquireInThread")
class AcquireInThread extends MultiThreaded {

    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        var threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("client-", 1).factory());
        var slots = new Semaphore(maxClients());
        while (true) {
            var client = listener.accept();
            threads.execute(() -> {
                // The defect: the slot is taken here, once the client is accepted already and a thread started for it.
                slots.acquireUninterruptibly();
                try {
                    echo(client);
                } finally {
                    slots.release();
                }
            });
        }
    }

    public static void main(String[] args) {
        run(new AcquireInThread(), args);
    }
}
