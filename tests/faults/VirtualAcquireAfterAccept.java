//JAVA 25+
//SOURCES ../../solutions/VirtualThreads.java
//SOURCES AcquireAfterAccept.java
// Fault: lesson 6's accept loop takes a slot after accept(), not before: at --max-clients it holds one more connection, with no thread to serve it.
// Wrong step: lesson 6, TODO(2)
// Must fail: robust.flood
// May fail: nothing
// Cause: ACCEPTS_BEFORE_SLOT

import java.io.IOException;
import java.net.ServerSocket;
import picocli.CommandLine.Command;

/** Lesson 6's server that accepts first and waits for a slot with the client in hand. */
@Command(name = "VirtualAcquireAfterAccept")
class VirtualAcquireAfterAccept extends VirtualThreads {

    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        AcquireAfterAccept.acceptThenAcquire(this, listener, Thread.ofVirtual().name("client-", 1).factory());
    }

    public static void main(String[] args) {
        run(new VirtualAcquireAfterAccept(), args);
    }
}
