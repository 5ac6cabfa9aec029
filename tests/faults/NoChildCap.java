//JAVA 25+
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../../solutions/MultiProcess.java
// Fault: a child process for every client with no --max-clients cap: a flood of clients starts a flood of JVMs.
// Wrong step: lesson 2, TODO(3)
// Must fail: robust.flood
// May fail: nothing
// Cause: CHILDREN_UNCAPPED

import java.io.IOException;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;

/** Lesson 2's server that accepts without taking a slot first. */
@Command(name = "NoChildCap")
class NoChildCap extends MultiProcess {

    @Override
    void serve() throws IOException {
        slots = new Semaphore(0);
        while (true) {
            // The defect: no slots.acquire() before accept, so nothing bounds the children.
            handOver(Posix.accept(listener, Posix.SOCK_CLOEXEC));
        }
    }

    public static void main(String[] args) {
        run(new NoChildCap(), args);
    }
}
