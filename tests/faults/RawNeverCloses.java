//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: in raw mode, the server echoes every byte but does not close when the client half-closes: the client waits for the end for ever.
// Must fail: raw.half-close cleanup.close-wait cleanup.fds
// May fail: nothing
// Suite: --raw
// Cause: NO_CLOSE_AT_EOF

import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import picocli.CommandLine.Command;

/** Lesson 3's server whose raw echo ends without closing the socket. */
@Command(name = "RawNeverCloses")
class RawNeverCloses extends MultiThreaded {

    private final List<Socket> open = new CopyOnWriteArrayList<>();

    @Override
    void echo(Socket client) {
        open.add(client);
        try {
            var in = client.getInputStream();
            var out = client.getOutputStream();
            in.transferTo(out);
            // The defect: no client.close() once the client's input ended.
        } catch (IOException e) {
            log("client failed: %s", e.getMessage());
        }
    }

    public static void main(String[] args) {
        run(new RawNeverCloses(), args);
    }
}
