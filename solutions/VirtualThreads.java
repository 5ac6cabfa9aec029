//JAVA 25+
//SOURCES shared/EchoServer.java

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;

/** Lesson 6: lesson 3's thread per client, on virtual threads: blocking code, without an OS thread per client. */
@Command(name = "VirtualThreads")
class VirtualThreads extends EchoServer {

    @Override
    String model() {
        return "virtual-threads";
    }

    @Override
    String details() {
        return "max-clients=" + maxClients();
    }

    /**
     * A virtual thread blocked in a socket read parks, and its carrier (one of a few OS threads)
     * runs another; it stays pinned to the carrier only while inside native code (JNI, or a
     * java.lang.foreign call like lesson 2's waitpid) or a class initializer. Since JDK 24
     * synchronized no longer pins. This code blocks only in socket reads and writes: it pins only for
     * the instant a class is first initialized.
     */
    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        //> 1 A virtual thread per client: lesson 3's executor, with Thread.ofVirtual() for Thread.ofPlatform().
        // Executors.newVirtualThreadPerTaskExecutor(), with names for the log.
        var threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("client-", 1).factory());
        //< shipped: var threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("client-", 1).factory());
        var slots = new Semaphore(maxClients());
        while (true) {
            //> 2 Past --max-clients, wait for a client to leave: take a slot (slots.acquire()) before accepting.
            // Past --max-clients, wait for a client to leave; new ones wait in the backlog.
            slots.acquire();
            //<
            var client = listener.accept();
            // Serve the client on a virtual thread of its own, and go straight back to accept.
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
        run(new VirtualThreads(), args);
    }
}
