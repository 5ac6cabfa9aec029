//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: a thread for every client, with no --max-clients cap: a flood of clients starts a flood of threads.
// Wrong step: lesson 3, TODO(2)
// Must fail: robust.flood
// May fail: nothing
// Cause: CLIENTS_UNCAPPED

import java.io.IOException;
import java.net.ServerSocket;
import picocli.CommandLine.Command;

/** Lesson 3's server without its semaphore. */
@Command(name = "NoClientCap")
class NoClientCap extends MultiThreaded {

    @Override
    void serve(ServerSocket listener) throws IOException {
        while (true) {
            var client = listener.accept();
            // The defect: no slots.acquire() before accept, so nothing bounds the threads.
            Thread.ofPlatform().start(() -> echo(client));
        }
    }

    public static void main(String[] args) {
        run(new NoClientCap(), args);
    }
}
