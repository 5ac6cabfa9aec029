//JAVA 25+
//SOURCES ../../solutions/VirtualThreads.java
// Fault: virtual threads taken for free: no --max-clients cap, so a flood of clients holds a flood of sockets.
// Wrong step: lesson 6, TODO(2)
// Must fail: robust.flood
// May fail: nothing
// Cause: CLIENTS_UNCAPPED

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;

/** Lesson 6's server without its semaphore. */
@Command(name = "VirtualNoCap")
class VirtualNoCap extends VirtualThreads {

    @Override
    void serve(ServerSocket listener) throws IOException {
        var threads = Executors.newVirtualThreadPerTaskExecutor();
        while (true) {
            var client = listener.accept();
            // The defect: no slots.acquire() before accept.
            threads.execute(() -> echo(client));
        }
    }

    public static void main(String[] args) {
        run(new VirtualNoCap(), args);
    }
}
