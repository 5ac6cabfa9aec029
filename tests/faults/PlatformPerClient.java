//JAVA 25+
//SOURCES ../../solutions/VirtualThreads.java
// Fault: lesson 6's server keeps lesson 3's platform threads (Thread.ofPlatform()): one OS thread per client, not a virtual one.
// Wrong step: lesson 6, TODO(1)
// Must fail: concurrency.model
// May fail: nothing
// In-process: no, its defect is the threads it starts, which only /proc shows
// Cause: UNBOUNDED_THREADS

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;

/** Lesson 6's server on platform threads: it claims virtual-threads and runs lesson 3's model. */
@Command(name = "PlatformPerClient")
class PlatformPerClient extends VirtualThreads {

    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        // The defect: ofPlatform() where ofVirtual() was meant.
        var threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("client-", 1).factory());
        var slots = new Semaphore(maxClients());
        while (true) {
            slots.acquire();
            var client = listener.accept();
            threads.execute(() -> {
                try {
                    echo(client);
                } finally {
                    slots.release();
                }
            });
        }
    }

    public static void main(String[] args) {
        run(new PlatformPerClient(), args);
    }
}
