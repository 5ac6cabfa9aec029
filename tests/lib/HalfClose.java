import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The half-close checks' exchange (stream.half-close, raw.half-close): the end of input must reach
 * the server while it still owes replies, or a server that closes at once when read() returns -1
 * is never caught. So the client reads nothing until the server has read it all, and sends more
 * than the kernel's buffers between them hold (measured in a first round, on this machine), by a
 * margin a server keeps in its own buffers before it stops reading.
 */
final class HalfClose {

    /** A small receive buffer: the kernel then holds less of the replies, and the server more. */
    static final int SMALL_WINDOW = 8 * 1024;
    /** What the server is to hold of its own at the end of input: less than it buffers before it stops reading. */
    static final int[] OWED = {96 * 1024, 224 * 1024};
    /** When the kernel's share cannot be measured (a server on another host): more than a loopback holds. */
    static final int UNMEASURED = 6 << 20;

    private final Probe probe;
    private final Target target;

    HalfClose(Probe probe) {
        this.probe = probe;
        this.target = probe.target();
    }

    /** What a round sends and what must come back for it, built to a size. */
    interface Exchange {
        byte[][] of(int replyBytes);
    }

    /**
     * Sends what {@code exchange} makes for this server, half-closes, and expects every reply, then the end: first
     * more than a loopback holds, read once the server stops taking it, which measures what the kernel held; then
     * that much and a little more, read only once the server has read it all.
     */
    void run(String what, Exchange exchange) throws IOException {
        var first = exchange.of(UNMEASURED);
        var held = new AtomicLong(-1);
        probe.endsAfter(what.formatted(Bytes.count(first[0].length)), first[0], first[1], SMALL_WINDOW,
                peer -> false, peer -> held.set(inKernel(peer)));
        if (held.get() < 0) {
            // The server's side of the connection is not on this machine: what the kernel holds is unknown.
            return;
        }
        // Each connection's buffers grow a little differently: two margins, both within what a server holds.
        for (int owed : OWED) {
            var round = exchange.of((int) Math.min(UNMEASURED, held.get() + owed));
            probe.endsAfter(what.formatted(Bytes.count(round[0].length)), round[0], round[1], SMALL_WINDOW, this::serverHasReadAll,
                    peer -> { });
        }
    }

    // Replies on their way: in the server's send queue, and in ours, unread; -1 when the server's side is not here.
    private long inKernel(Peer peer) {
        try {
            var side = target.serverSocket(peer.localPort());
            return side.isEmpty() ? -1 : side.get().txQueue() + peer.unread();
        } catch (IOException e) {
            return -1;
        }
    }

    // Whether the server has read all we sent, or its reading has stopped (it waits for us to read).
    private boolean serverHasReadAll(Peer peer) {
        return target.serverSocket(peer.localPort()).map(s -> s.rxQueue() == 0).orElse(true);
    }

    /** Lines for stream.half-close: "line 00042 ..." of 64 bytes each (fewer with a short --max-line). */
    static Exchange lines(Target target) {
        return replyBytes -> {
            var lines = new ByteArrayOutputStream();
            var replies = new ByteArrayOutputStream();
            for (int i = 0; replies.size() < replyBytes; i++) {
                var line = Bytes.concat(Bytes.of("%05d ".formatted(i % 100_000)), Probe.filler(Math.max(0, Math.min(57, target.maxLine() - 7))),
                        new byte[] {'\n'});
                lines.writeBytes(line);
                replies.writeBytes(target.replyTo(line));
            }
            return new byte[][] {lines.toByteArray(), replies.toByteArray()};
        };
    }

    /** Bytes for raw.half-close: they come back as they are. */
    static Exchange bytes() {
        return replyBytes -> {
            var bytes = Probe.filler(replyBytes);
            return new byte[][] {bytes, bytes};
        };
    }
}
