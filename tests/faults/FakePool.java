//JAVA 25+
//SOURCES ../../solutions/ThreadPool.java
// Fault: claims to be a thread pool, but serves every client on the accepting thread, one at a time.
// Wrong step: lesson 4, TODO(2)
// Must fail: concurrency.parallel concurrency.stalled-peer concurrency.model
// May fail: nothing
// Cause: SERIAL

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;

/** Lesson 4's server whose pool is created and then not used: the accept loop serves each client itself. */
@Command(name = "FakePool")
class FakePool extends ThreadPool {

    @Override
    void serve(ServerSocket listener) throws IOException {
        var pool = Executors.newFixedThreadPool(workers);
        while (true) {
            var client = listener.accept();
            // The defect: echo() runs here instead of in pool.execute(() -> echo(client)).
            echo(client);
        }
    }

    public static void main(String[] args) {
        run(new FakePool(), args);
    }
}
