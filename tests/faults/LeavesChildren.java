//JAVA 25+
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../../solutions/MultiProcess.java
// Fault: on SIGTERM the parent closes its listener and exits, and leaves its children running: a connected client is still served by a process nobody stops.
// Wrong step: lesson 2, TODO(5)
// Must fail: shutdown.sigterm
// May fail: nothing
// Cause: CHILDREN_NOT_ENDED

import picocli.CommandLine.Command;

/** Lesson 2's server that stops accepting on SIGTERM and never ends the children serving clients. */
@Command(name = "LeavesChildren")
class LeavesChildren extends MultiProcess {

    @Override
    void release() {
        children.clear(); // The defect: the parent forgets its children, so it stops none of them.
        super.release();
    }

    public static void main(String[] args) {
        run(new LeavesChildren(), args);
    }
}
