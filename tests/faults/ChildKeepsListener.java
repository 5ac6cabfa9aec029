//JAVA 25+
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../../solutions/MultiProcess.java
// Fault: the listening socket is not close-on-exec and the child's other descriptors are not closed: every child holds the listener.
// Wrong step: lesson 2, TODO(4)
// Must fail: cleanup.children
// May fail: nothing
// Cause: CHILD_HOLDS_LISTENER

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import picocli.CommandLine.Command;

/** Lesson 2's server without its fd hygiene. */
@Command(name = "ChildKeepsListener")
class ChildKeepsListener extends MultiProcess {

    @Override
    InetSocketAddress listen() throws IOException {
        // The defect, part one: no SOCK_CLOEXEC.
        listener = Posix.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0);
        Posix.setsockopt(listener, Posix.SOL_SOCKET, Posix.SO_REUSEADDR, 1);
        Posix.bind(listener, new InetSocketAddress(InetAddress.getByName(bind), port));
        Posix.listen(listener, BACKLOG);
        return Posix.getsockname(listener);
    }

    @Override
    long spawnChild(int connection) throws IOException {
        // The defect, part two: the child keeps every descriptor the parent had open.
        return Posix.spawn(childCommand(), environment(), connection, false);
    }

    public static void main(String[] args) {
        run(new ChildKeepsListener(), args);
    }
}
