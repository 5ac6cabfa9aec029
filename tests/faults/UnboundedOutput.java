//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: an event loop without backpressure: it keeps reading a client whose replies pile up unwritten, so one client that never reads grows the server's memory without bound.
// Wrong step: lesson 5, TODO(3)
// Must fail: limits.backpressure
// May fail: nothing
// Cause: NO_BACKPRESSURE
// In-process: no, it buffers 128 MiB of a client, which would be the self-test's own memory

import java.nio.channels.SelectionKey;
import picocli.CommandLine.Command;

/** Lesson 5's loop that never stops reading. */
@Command(name = "UnboundedOutput")
class UnboundedOutput extends EventLoop {

    @Override
    void interest(SelectionKey key, Client client) {
        if (client.output.isEmpty() && client.ending != null) {
            close(key, client, client.ending);
            return;
        }
        // The defect: OP_READ stays on, however much output waits.
        int ops = client.ending == null ? SelectionKey.OP_READ : 0;
        key.interestOps(client.output.isEmpty() ? ops : ops | SelectionKey.OP_WRITE);
    }

    public static void main(String[] args) {
        run(new UnboundedOutput(), args);
    }
}
