//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: an event loop that queues what a partial write left as a view of its reply buffer, not a copy: the next read's replies overwrite it.
// Wrong step: lesson 5, TODO(2)
// Must fail: stream.bulk
// May fail: stream.half-close (its replies outgrow a partial write too) limits.backpressure (a view counts as pending bytes it no longer holds)
// Cause: PARTIAL_WRITE_DROPPED QUEUED_SHARED

import java.nio.channels.SelectionKey;
import picocli.CommandLine.Command;

/** Lesson 5's loop whose queue shares the reply buffer. */
@Command(name = "QueuedWithoutCopy")
class QueuedWithoutCopy extends EventLoop {

    @Override
    void send(SelectionKey key, Client client) {
        if (reply.size() > 0) {
            if (client.output.isEmpty()) {
                var now = reply.buffer();
                if (!writeSome(key, client, now)) {
                    return;
                }
                if (now.hasRemaining()) {
                    // The defect: the rest is queued as it is, a view of the buffer the next read fills again.
                    client.output.add(now);
                }
            } else {
                client.output.add(copy(reply.buffer()));
            }
            client.pending = client.output.stream().mapToLong(java.nio.ByteBuffer::remaining).sum();
        }
        interest(key, client);
    }

    public static void main(String[] args) {
        run(new QueuedWithoutCopy(), args);
    }
}
