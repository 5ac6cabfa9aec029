//JAVA 25+
//SOURCES shared/EchoServer.java

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;

/** Lesson 3: a new thread for every client, so the accept loop is free again at once. */
@Command(name = "MultiThreaded")
class MultiThreaded extends EchoServer {

    @Override
    String model() {
        return "multi-threaded";
    }

    @Override
    String details() {
        return "max-clients=" + maxClients();
    }

    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        var threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("client-", 1).factory());
        var slots = new Semaphore(maxClients());
        while (true) {
            //> 2 Past --max-clients, wait for a client to leave: take a slot (slots.acquire()) before accepting.
            // Past --max-clients, wait for a client to leave; new ones wait in the backlog.
            slots.acquire();
            //<
            var client = listener.accept();
            //> 1 Serve the client on a thread of its own, and go straight back to accept:
            //>   threads.execute(...) runs echo(client) on a new thread, which gives its slot back when done.
            // Serve the client on a thread of its own, and go straight back to accept.
            threads.execute(() -> {
                try {
                    echo(client);
                } finally {
                    slots.release();
                }
            });
            //< shipped: echo(client);
            //< shipped: slots.release();
        }
    }

    public static void main(String[] args) {
        run(new MultiThreaded(), args);
    }
}
