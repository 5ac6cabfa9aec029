//JAVA 25+
//SOURCES ../../solutions/ThreadPool.java
// Fault: lesson 4's full pool refuses a client in the log, but never closes its socket: each refused client is held for ever.
// Wrong step: lesson 4, TODO(2)
// Must fail: robust.flood
// May fail: nothing
// Cause: REFUSED_NOT_CLOSED

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** Lesson 4's server whose policy for a full queue logs the client and forgets it. */
@Command(name = "RefusedNotClosed")
class RefusedNotClosed extends ThreadPool {

    @Override
    void serve(ServerSocket listener) throws IOException {
        var pool = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                Thread.ofPlatform().name("worker-", 1).factory());
        pool.prestartAllCoreThreads();
        while (true) {
            var client = listener.accept();
            try {
                pool.execute(() -> echo(client));
            } catch (RejectedExecutionException full) {
                // The defect: logged as refused, but the socket stays open.
                log("%s refused: %d workers busy and %d clients queued", client.getInetAddress().getHostAddress() + ":" + client.getPort(),
                        workers, queue);
            }
        }
    }

    public static void main(String[] args) {
        run(new RefusedNotClosed(), args);
    }
}
