//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: lesson 3's thread per client is made, but run() instead of start(): the task runs on the accepting thread, one client at a time.
// Wrong step: lesson 3, TODO(1)
// Must fail: concurrency.parallel concurrency.stalled-peer concurrency.model
// May fail: nothing
// Cause: SERIAL

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;

/** Lesson 3's server whose new thread is never started: Thread.run() is a plain call. */
@Command(name = "RunNotStart")
class RunNotStart extends MultiThreaded {

    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        var slots = new Semaphore(maxClients());
        while (true) {
            slots.acquire();
            var client = listener.accept();
            // The defect: run() executes the task here and now; start() would give it a thread of its own.
            Thread.ofPlatform().name("client-", 1).unstarted(() -> {
                try {
                    echo(client);
                } finally {
                    slots.release();
                }
            }).run();
        }
    }

    public static void main(String[] args) {
        run(new RunNotStart(), args);
    }
}
