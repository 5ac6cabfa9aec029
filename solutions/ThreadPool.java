//JAVA 25+
//SOURCES shared/EchoServer.java

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** Lesson 4: a fixed set of worker threads serves the clients; the accepted ones wait in a bounded queue. */
@Command(name = "ThreadPool")
class ThreadPool extends EchoServer {

    @Override
    String model() {
        return "thread-pool";
    }

    @Override
    String details() {
        return "workers=" + workers + " queue=" + queue;
    }

    @Override
    void serve(ServerSocket listener) throws IOException {
        //> 1 The pool: --workers threads (core and maximum alike), a queue of at most --queue clients
        //>   (an ArrayBlockingQueue), threads named worker-1, worker-2, ...; start them all now.
        var pool = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                Thread.ofPlatform().name("worker-", 1).factory());
        // The workers exist from the start: the server's thread count never depends on its clients.
        pool.prestartAllCoreThreads();
        //<
        while (true) {
            var client = listener.accept();
            //> 2 Hand the client to the pool (pool.execute); when it is full (RejectedExecutionException),
            //>   refuse(client, why) closes the client and logs it.
            try {
                // Hand the client to the pool: a free worker serves it, or it waits in the queue.
                pool.execute(() -> echo(client));
            } catch (RejectedExecutionException full) {
                // Every worker busy and the queue full: close the client rather than queue without bound.
                refuse(client, "%d workers busy and %d clients queued".formatted(workers, queue));
            }
            //< shipped: echo(client);
        }
    }

    public static void main(String[] args) {
        run(new ThreadPool(), args);
    }
}
