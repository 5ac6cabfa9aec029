//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: an event loop that closes a client as soon as it reads its end of input, with replies still queued or owed.
// Must fail: framing.partial-at-eof stream.half-close
// May fail: stream.short-lived (the same: the reply owed when its line ends the connection is dropped)
// Cause: OWED_NOT_WRITTEN

import java.nio.channels.SelectionKey;
import picocli.CommandLine.Command;

/** Lesson 5's loop that takes end of input for the end of the connection. */
@Command(name = "ClosesBeforeReplies")
class ClosesBeforeReplies extends EventLoop {

    @Override
    void send(SelectionKey key, Client client) {
        // The defect: at end of input, close now; what waits in client.output, or is owed, is dropped.
        if (client.ending != null) {
            close(key, client, client.ending);
            return;
        }
        super.send(key, client);
    }

    public static void main(String[] args) {
        run(new ClosesBeforeReplies(), args);
    }
}
