//JAVA 25+
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../../solutions/MultiProcess.java
// Fault: a child's end is noticed (ProcessHandle.onExit) but the child is never reaped with waitpid: every finished child stays a zombie.
// Wrong step: lesson 2, TODO(2)
// Must fail: cleanup.zombies
// May fail: nothing
// Cause: NO_REAP

import picocli.CommandLine.Command;

/** Lesson 2's server that frees a child's slot when it ends, and never waits for it. */
@Command(name = "NoReap")
class NoReap extends MultiProcess {

    @Override
    void reap(long pid) {
        // The defect: onExit() sees the child end, but only waitpid() reaps it.
        ProcessHandle.of(pid).ifPresent(child -> child.onExit().join());
        children.remove(pid);
        slots.release();
    }

    public static void main(String[] args) {
        run(new NoReap(), args);
    }
}
