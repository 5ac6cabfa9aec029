//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: --idle-timeout is accepted and printed, but never applied: a silent client holds its thread for ever.
// Must fail: limits.idle-timeout
// May fail: nothing
// Suite: --idle-timeout 1
// Cause: NO_IDLE_TIMEOUT

import java.io.IOException;
import java.net.ServerSocket;
import picocli.CommandLine.Command;

/** Lesson 3's server that forgets its read timeout. */
@Command(name = "IdleForever")
class IdleForever extends MultiThreaded {

    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        // The defect: the option was read, and is dropped before any client is served.
        idleTimeout = 0;
        super.serve(listener);
    }

    public static void main(String[] args) {
        run(new IdleForever(), args);
    }
}
