//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: an event loop in raw mode that writes each read's bytes once, and forgets what a partial write left: bytes are lost under load.
// Must fail: raw.bulk
// May fail: raw.half-close (its bytes outgrow a partial write too)
// Suite: --raw
// Cause: PARTIAL_WRITE_DROPPED OWED_NOT_WRITTEN

import java.nio.channels.SelectionKey;
import picocli.CommandLine.Command;

/** Lesson 5's loop that takes a non-blocking write for a whole one. */
@Command(name = "RawWritesDropped")
class RawWritesDropped extends EventLoop {

    @Override
    void send(SelectionKey key, Client client) {
        // The defect: what the socket did not take is not queued.
        if (writeSome(key, client, reply.buffer())) {
            interest(key, client);
        }
    }

    public static void main(String[] args) {
        run(new RawWritesDropped(), args);
    }
}
