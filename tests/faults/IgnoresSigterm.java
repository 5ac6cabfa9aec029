//JAVA 25+
//SOURCES ../../solutions/ThreadPool.java
// Fault: SIGTERM is caught and only logged: the server goes on, and stops only when killed.
// Must fail: shutdown.sigterm
// May fail: nothing
// Cause: SIGTERM_IGNORED

import java.io.IOException;
import java.net.ServerSocket;
import picocli.CommandLine.Command;
import sun.misc.Signal;

/** Lesson 4's server with a SIGTERM handler that forgets to stop. */
@Command(name = "IgnoresSigterm")
class IgnoresSigterm extends ThreadPool {

    @Override
    void serve(ServerSocket listener) throws IOException {
        // The defect: a handler that takes SIGTERM from the JVM, and does nothing with it.
        Signal.handle(new Signal("TERM"), signal -> log("SIGTERM received; carrying on"));
        super.serve(listener);
    }

    public static void main(String[] args) {
        run(new IgnoresSigterm(), args);
    }
}
