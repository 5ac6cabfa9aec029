//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: an event loop that announces --max-clients but never turns OP_ACCEPT off: a flood of clients holds a flood of sockets.
// Must fail: robust.flood
// May fail: nothing
// Cause: CLIENTS_UNCAPPED

import picocli.CommandLine.Command;

/** Lesson 5's loop that accepts every client there is. */
@Command(name = "EventLoopNoCap")
class EventLoopNoCap extends EventLoop {

    @Override
    int maxClients() {
        // The defect: the loop's limit is no limit.
        return Integer.MAX_VALUE;
    }

    @Override
    String details() {
        return "max-clients=" + super.maxClients();
    }

    public static void main(String[] args) {
        run(new EventLoopNoCap(), args);
    }
}
