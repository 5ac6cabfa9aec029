//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: one client in 256 is traced to a file that is never closed: a leak too slow for any short check's slack, plain in a long mixed run.
// Must fail: soak.mix
// May fail: nothing
// Suite: --soak 20
// Cause: SOAK_LEAK

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;

/** Lesson 3's server that samples clients for a debug trace and leaks the trace file. */
@Command(name = "LeaksRarely")
class LeaksRarely extends MultiThreaded {

    private final AtomicLong clients = new AtomicLong();

    // Keeps the leaked streams reachable, as a registry of traces would: no garbage collector closes them.
    private final java.util.List<OutputStream> traces = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    void echo(Socket client) {
        if (clients.incrementAndGet() % 256 == 0) {
            try {
                var file = Files.createTempFile("echo-trace", ".log");
                // The defect: the trace is opened per sampled client and never closed.
                traces.add(Files.newOutputStream(file, StandardOpenOption.APPEND, StandardOpenOption.DELETE_ON_CLOSE));
            } catch (IOException e) {
                log("no trace: %s", e.getMessage());
            }
        }
        super.echo(client);
    }

    public static void main(String[] args) {
        run(new LeaksRarely(), args);
    }
}
