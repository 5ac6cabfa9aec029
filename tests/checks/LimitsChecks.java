import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** limits.*: a client cannot make the server hold unbounded memory, nor a socket for ever (SPEC §2, §3). */
@ExtendWith(Suite.Extension.class)
class LimitsChecks {

    @Test
    @Suite.CheckId("limits.oversized-line")
    void oversizedLine(Probe p) throws IOException {
        var target = p.target();
        // Another client at the same time, when the server serves two at once.
        Peer other = p.servedAtOnce() >= 2 ? p.connect() : null;
        try (var peer = p.connect()) {
            if (other != null) {
                p.echoes(other, "another client, before the long line", "before\n");
            }
            int size = target.maxLine() + 4096;
            try {
                peer.send(Probe.filler(size));
            } catch (IOException e) {
                // The server closed while we were still writing: what the rule asks for.
            }
            var got = peer.readToEnd(p.reply(), 1 << 20);
            if (got.end() == Peer.End.TIMEOUT && target.serverSocket(peer.localPort()).map(ProcFs.TcpSocket::inode).orElse(1L) == 0) {
                throw p.observed("no reply and no close within %s: the connection was never accepted", Peer.seconds(p.reply()))
                        .detail(target.serverSide(peer.localPort()))
                        .cause(Cause.NOT_ACCEPTED)
                        .error();
            }
            if (got.end() == Peer.End.TIMEOUT) {
                // Does the server still read? More bytes either vanish into its buffer or wait unread.
                peer.send(Probe.filler(16384));
                Target.pause(Duration.ofMillis(200));
                long unread = target.serverSocket(peer.localPort()).map(ProcFs.TcpSocket::rxQueue).orElse(0L);
                throw p.observed("the connection stayed open %s after %s without LF (--max-line %d), and 16384 more",
                                Peer.seconds(p.reply()), Bytes.count(size), target.maxLine())
                        .detail(got.bytes().length > 0 ? "it wrote: " + Bytes.text(got.bytes()) : "")
                        .detail(target.serverSide(peer.localPort()))
                        .cause(unread > 0 ? Cause.STOPPED_READING_NO_CLOSE.with(Bytes.count(unread)) : Cause.NO_LINE_LIMIT.with())
                        .error();
            }
            var error = Bytes.of("server error# ");
            if (got.bytes().length > 0 && Arrays.mismatch(got.bytes(), error) < Math.min(error.length, got.bytes().length)) {
                throw p.observed("before closing, the server wrote %s", Bytes.text(got.bytes()))
                        .cause(Cause.ECHOED_PART_OF_LONG_LINE)
                        .error();
            }
        } finally {
            if (other != null) {
                try (other) {
                    p.echoes(other, "another client, after the long line was refused", "after\n");
                }
            }
        }
        if (other == null) {
            p.stillServes("after a long line was refused");
        }
    }

    @Test
    @Suite.CheckId("limits.backpressure")
    void backpressure(Probe p) throws IOException {
        var target = p.target();
        var limit = 128L << 20;
        var line = p.fillerLine();
        var chunk = ByteBuffer.allocate(64 * 1024);
        while (chunk.remaining() >= line.length) {
            chunk.put(line);
        }
        chunk.flip();
        long sent = 0;
        long started = System.nanoTime();
        try (var channel = SocketChannel.open(target.address()); var selector = Selector.open()) {
            channel.configureBlocking(false);
            var key = channel.register(selector, SelectionKey.OP_WRITE);
            // Write as fast as the server takes it, reading nothing, until it stops taking it for a second.
            while (sent < limit && System.nanoTime() - started < target.timeouts().checkBound().toNanos() / 3) {
                if (selector.select(Duration.ofSeconds(1).multipliedBy((long) Math.ceil(target.timeouts().scale())).toMillis()) == 0) {
                    break;
                }
                selector.selectedKeys().clear();
                var bytes = chunk.duplicate();
                try {
                    while (bytes.hasRemaining()) {
                        int n = channel.write(bytes);
                        if (n == 0) {
                            break;
                        }
                        sent += n;
                    }
                } catch (IOException closed) {
                    // The server closed the connection: it holds nothing of this client any more.
                    break;
                }
            }
            key.cancel();
            var side = target.serverSocket(((InetSocketAddress) channel.getLocalAddress()).getPort());
            if (side.map(s -> s.inode() == 0).orElse(false)) {
                throw new Suite.Blocked("echo.basic", "not judged, blocked by echo.basic: the server never accepted this "
                        + "connection, so what it buffers cannot be seen");
            }
            long back = endGracefully(channel, selector, target.timeouts());
            // Bytes taken and thrown away are no buffering (echo's defect, not this rule's): what comes back once the
            // input ends says which it was. (A runtime's memory does not: a heap grown by earlier checks takes it all.)
            if (sent >= limit && back >= sent * 9 / 10) {
                throw p.observed("the server took %d MiB from a client that read none of its replies, and was still taking more",
                                sent >> 20)
                        .detail("once the client ended its input and read, %d MiB of replies came: the server had held them"
                                .formatted(back >> 20))
                        .cause(Cause.NO_BACKPRESSURE)
                        .error();
            }
        }
    }

    // Closing with replies unread would reset the connection: that is robust.reset's to judge, not this check's.
    // So: end the input, read the replies the server still owes until it closes, or falls silent; returns how many bytes came.
    private static long endGracefully(SocketChannel channel, Selector selector, Target.Timeouts t) throws IOException {
        try {
            channel.shutdownOutput();
        } catch (IOException gone) {
            return 0;
        }
        selector.selectNow(); // drops the cancelled write key, so the channel can be registered again
        channel.register(selector, SelectionKey.OP_READ);
        var sink = ByteBuffer.allocate(256 * 1024);
        long read = 0;
        long deadline = System.nanoTime() + t.checkBound().toNanos() / 3;
        while (System.nanoTime() < deadline && selector.select(t.quiet().toMillis()) > 0) {
            selector.selectedKeys().clear();
            sink.clear();
            try {
                int n = channel.read(sink);
                if (n < 0) {
                    return read;
                }
                read += n;
            } catch (IOException reset) {
                return read;
            }
        }
        return read;
    }

    @Test
    @Suite.CheckId("limits.idle-timeout")
    void idleTimeout(Probe p) throws IOException {
        var target = p.target();
        int idle = target.idleTimeout();
        try (var peer = p.connect()) {
            p.echoes(peer, "a client, before it falls silent", "then silence\n");
            long start = System.nanoTime();
            var early = peer.readToEnd(Duration.ofMillis(idle * 800L), 1 << 16);
            if (early.end() != Peer.End.TIMEOUT) {
                throw p.observed("the connection ended %s after the client fell silent, before the %d s of --idle-timeout",
                                Peer.seconds(Duration.ofNanos(System.nanoTime() - start)), idle)
                        .cause(Cause.IDLE_TIMEOUT_EARLY)
                        .error();
            }
            var late = peer.readToEnd(p.reply().plus(Duration.ofMillis(idle * 200L)), 1 << 16);
            if (late.end() == Peer.End.TIMEOUT) {
                throw p.observed("the client was still connected %s after it fell silent (--idle-timeout %d)",
                                Peer.seconds(Duration.ofNanos(System.nanoTime() - start)), idle)
                        .detail(target.serverSide(peer.localPort()))
                        .cause(p.model() == Model.EVENT_LOOP ? Cause.LOOP_NO_IDLE_TIMEOUT : Cause.NO_IDLE_TIMEOUT)
                        .error();
            }
        }
    }
}
