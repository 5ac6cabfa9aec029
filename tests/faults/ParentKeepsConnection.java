//JAVA 25+
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../../solutions/MultiProcess.java
// Fault: the parent never closes its copy of an accepted connection: when the child ends, the client sees no end of stream.
// Wrong step: lesson 2, TODO(1)
// Must fail: stream.half-close framing.partial-at-eof cleanup.close-wait cleanup.fds
// May fail: stream.short-lived (the same: its clients see no end of stream either)
// Cause: PARENT_HOLDS

import java.io.IOException;
import picocli.CommandLine.Command;

/** Lesson 2's server whose parent forgets close(connection) after starting the child. */
@Command(name = "ParentKeepsConnection")
class ParentKeepsConnection extends MultiProcess {

    @Override
    void handOver(Posix.Accepted client) throws IOException {
        // The defect: no Posix.close(client.fd()) once the child has its copy.
        long pid = spawnChild(client.fd());
        children.add(pid);
        log("accepted: child %d serves it", pid);
        Thread.ofPlatform().name("reaper-" + pid).start(() -> reap(pid));
    }

    public static void main(String[] args) {
        run(new ParentKeepsConnection(), args);
    }
}
