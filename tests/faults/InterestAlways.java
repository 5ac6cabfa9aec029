//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: lesson 5's TODO(3) as shipped: every key asks to read and to write, always; a client that never reads has its replies pile up, and the loop spins.
// Wrong step: lesson 5, TODO(3)
// Must fail: limits.backpressure
// May fail: nothing
// Cause: NO_BACKPRESSURE
// In-process: no, it buffers 128 MiB of a client, which would be the self-test's own memory

import java.nio.channels.SelectionKey;
import picocli.CommandLine.Command;

/** Lesson 5's loop with the shipped interest: reading and writing, whatever waits. */
@Command(name = "InterestAlways")
class InterestAlways extends EventLoop {

    @Override
    void interest(SelectionKey key, Client client) {
        if (client.output.isEmpty() && client.ending != null) {
            close(key, client, client.ending);
            return;
        }
        // The defect: the interest ignores what waits and whether the client may send more.
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }

    public static void main(String[] args) {
        run(new InterestAlways(), args);
    }
}
