//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
// Fault: lesson 5's loop registers a new client's channel while it is still blocking: register() throws, and the loop dies of it.
// Wrong step: lesson 5, TODO(1)
// Must fail: echo.basic shutdown.sigterm
// May fail: security.log-escaping (the server dies at its first client, in every check)
// In-process: no, the loop dies of an exception, which ends a process but not the self-test
// Cause: CHANNEL_BLOCKING

import java.io.IOException;
import java.nio.channels.SelectionKey;
import picocli.CommandLine.Command;

/** Lesson 5's server without configureBlocking(false) on the accepted channel. */
@Command(name = "ChannelLeftBlocking")
class ChannelLeftBlocking extends EventLoop {

    @Override
    void accept(SelectionKey accepting) throws IOException {
        var channel = server.accept();
        if (channel == null) {
            return;
        }
        // The defect: no channel.configureBlocking(false) first; a selector takes only non-blocking channels.
        channel.register(selector, SelectionKey.OP_READ, new Client(channel));
        opened(channel.getRemoteAddress().toString());
    }

    public static void main(String[] args) {
        run(new ChannelLeftBlocking(), args);
    }
}
