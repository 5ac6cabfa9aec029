// Lesson 4's exercise: complete its TODOs, then run ./jbang check 4 (the lesson: README.md here).
//JAVA 25+
//SOURCES ../../solutions/shared/EchoServer.java

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
        // TODO(1): The pool: --workers threads (core and maximum alike), a queue of at most --queue clients
        //   (an ArrayBlockingQueue), threads named worker-1, worker-2, ...; start them all now.
        while (true) {
            var client = listener.accept();
            // TODO(2): Hand the client to the pool (pool.execute); when it is full (RejectedExecutionException),
            //   refuse(client, why) closes the client and logs it.
            echo(client);
        }
    }

    public static void main(String[] args) {
        run(new ThreadPool(), args);
    }
}
