//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: an event loop that writes each reply once and forgets what a partial write left: under load, bytes are lost.
// Wrong step: lesson 5, TODO(2)
// Must fail: stream.bulk
// May fail: stream.half-close (its replies outgrow a partial write too)
// Cause: PARTIAL_WRITE_DROPPED OWED_NOT_WRITTEN

import java.nio.channels.SelectionKey;
import picocli.CommandLine.Command;

/** Lesson 5's loop that takes a non-blocking write for a whole one. */
@Command(name = "PartialWriteDropped")
class PartialWriteDropped extends EventLoop {

    @Override
    void send(SelectionKey key, Client client) {
        // The defect: what the socket did not take is not queued.
        if (writeSome(key, client, reply.buffer())) {
            interest(key, client);
        }
    }

    public static void main(String[] args) {
        run(new PartialWriteDropped(), args);
    }
}
