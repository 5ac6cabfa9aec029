//JAVA 25+
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../../solutions/MultiProcess.java
// Fault: lesson 2's parent takes a slot after accept(), not before: at --max-clients it holds one more connection, with no child to serve it.
// Wrong step: lesson 2, TODO(3)
// Must fail: robust.flood
// May fail: nothing
// Cause: ACCEPTS_PAST_CAP

import java.io.IOException;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;

/** Lesson 2's server with the cap's two lines in the wrong order. */
@Command(name = "AcceptBeforeSlot")
class AcceptBeforeSlot extends MultiProcess {

    @Override
    void serve() throws IOException, InterruptedException {
        slots = new Semaphore(maxClients());
        while (true) {
            var client = Posix.accept(listener, Posix.SOCK_CLOEXEC);
            // The defect: the slot is awaited with the accepted client in hand.
            slots.acquire();
            handOver(client);
        }
    }

    public static void main(String[] args) {
        run(new AcceptBeforeSlot(), args);
    }
}
