//JAVA 25+
//SOURCES ../../solutions/ThreadPool.java
// Fault: lesson 4's pool is bounded, but a full pool's RejectedExecutionException is not caught: the accept loop, and the server, die of it.
// Wrong step: lesson 4, TODO(2)
// Must fail: robust.flood
// May fail: nothing
// Cause: REJECTED_UNCAUGHT

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** Lesson 4's server without the catch around pool.execute. */
@Command(name = "RejectedUncaught")
class RejectedUncaught extends ThreadPool {

    @Override
    void serve(ServerSocket listener) throws IOException {
        var pool = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                Thread.ofPlatform().name("worker-", 1).factory());
        pool.prestartAllCoreThreads();
        while (true) {
            var client = listener.accept();
            // The defect: a full queue throws out of the accept loop.
            pool.execute(() -> echo(client));
        }
    }

    public static void main(String[] args) {
        run(new RejectedUncaught(), args);
    }
}
