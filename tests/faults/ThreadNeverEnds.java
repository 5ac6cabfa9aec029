//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: each client gets a second thread (a watchdog) that nobody ever stops: the server's threads grow with every client, and stay.
// Must fail: cleanup.threads
// May fail: nothing
// Cause: THREAD_NEVER_ENDS

import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** Lesson 3's server with a thread per client that outlives the client. */
@Command(name = "ThreadNeverEnds")
class ThreadNeverEnds extends MultiThreaded {

    private final CountDownLatch never = new CountDownLatch(1);

    @Override
    void echo(Socket client) {
        // The defect: a watchdog thread per client, and nothing ends it when the client leaves.
        Thread.ofPlatform().name("watchdog").start(() -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        super.echo(client);
    }

    public static void main(String[] args) {
        run(new ThreadNeverEnds(), args);
    }
}
