//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: an event loop that never looks at how long its clients have been silent: --idle-timeout does nothing.
// Must fail: limits.idle-timeout
// May fail: nothing
// Suite: --idle-timeout 1
// Cause: LOOP_NO_IDLE_TIMEOUT

import picocli.CommandLine.Command;

/** Lesson 5's loop without its idle sweep. */
@Command(name = "EventLoopNoIdle")
class EventLoopNoIdle extends EventLoop {

    @Override
    void closeIdle() {
        // The defect: no client is ever found idle.
    }

    public static void main(String[] args) {
        run(new EventLoopNoIdle(), args);
    }
}
