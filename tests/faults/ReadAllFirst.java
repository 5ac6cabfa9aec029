//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: an event loop that writes its replies only after the client's end of input, and stops reading while they pile up: with bulk data, nothing moves.
// Must fail: echo.basic
// May fail: nothing
// Cause: NOTHING_WRITTEN

import java.nio.channels.SelectionKey;
import picocli.CommandLine.Command;

/** Lesson 5's loop that holds the replies back until the client has said everything. */
@Command(name = "ReadAllFirst")
class ReadAllFirst extends EventLoop {

    @Override
    void send(SelectionKey key, Client client) {
        if (reply.size() > 0) {
            client.output.add(copy(reply.buffer()));
            client.pending += reply.size();
        }
        // The defect: writing waits for the end of input (reading still stops when too much waits).
        if (client.ending == null) {
            key.interestOps(client.pending <= MAX_PENDING ? SelectionKey.OP_READ : 0);
        } else {
            interest(key, client);
        }
    }

    public static void main(String[] args) {
        run(new ReadAllFirst(), args);
    }
}
