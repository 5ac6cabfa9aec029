//JAVA 25+
//SOURCES ../../solutions/ThreadPool.java
// Fault: the pool's queue has no bound (Executors.newFixedThreadPool): a flood of clients is accepted and held, one socket each.
// Wrong step: lesson 4, TODO(1)
// Must fail: robust.flood
// May fail: nothing
// Cause: QUEUE_UNBOUNDED

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;

/** Lesson 4's server on Executors.newFixedThreadPool, whose LinkedBlockingQueue never says no. */
@Command(name = "UnboundedQueue")
class UnboundedQueue extends ThreadPool {

    @Override
    void serve(ServerSocket listener) throws IOException {
        // The defect: a fixed pool's queue grows without bound; no client is ever refused.
        var pool = Executors.newFixedThreadPool(workers, Thread.ofPlatform().name("worker-", 1).factory());
        while (true) {
            var client = listener.accept();
            pool.execute(() -> echo(client));
        }
    }

    public static void main(String[] args) {
        run(new UnboundedQueue(), args);
    }
}
