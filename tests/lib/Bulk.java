import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bulk transfer (stream.bulk, raw.bulk): a writer thread sends while this thread reads and
 * compares every byte, with a progress bound; a stall is told by where the bytes were left.
 */
final class Bulk {

    private final Probe probe;
    private final Target target;

    Bulk(Probe probe) {
        this.probe = probe;
        this.target = probe.target();
    }

    /** Sends {@code input} in writes of random sizes while reading back; fails unless exactly {@code expected} comes, then the end. */
    void run(String what, byte[] input, byte[] expected, Random random) throws IOException {
        var peer = probe.connect();
        var sent = new AtomicLong();
        var writeError = new AtomicReference<IOException>();
        var writer = Thread.ofPlatform().daemon().name("bulk-writer").start(() -> {
            try {
                // Writes of random sizes: lines split and coalesced every way.
                for (int at = 0; at < input.length; ) {
                    int n = Math.min(input.length - at, 1 + random.nextInt(65536));
                    peer.socket().getOutputStream().write(input, at, n);
                    at += n;
                    sent.set(at);
                }
                peer.halfClose();
            } catch (IOException e) {
                writeError.set(e);
            }
        });
        var in = peer.socket().getInputStream();
        var buffer = new byte[1 << 16];
        int received = 0;
        boolean paused = false;
        long started = System.nanoTime();
        long deadline = started + target.timeouts().checkBound().toNanos() * 2 / 3;
        long ticks = target.cpuTicks();
        try (peer) {
            while (true) {
                int n;
                try {
                    peer.socket().setSoTimeout((int) probe.reply().toMillis());
                    n = in.read(buffer, 0, Math.min(buffer.length, Math.max(1, expected.length + 1 - received)));
                } catch (SocketTimeoutException e) {
                    if (received == expected.length) {
                        // Every byte came back; the close that should follow is stream.half-close's to judge.
                        break;
                    }
                    // Nothing for a while, but the server works (a slow machine): no stall yet.
                    long now = target.cpuTicks();
                    if (now - ticks >= Patience.BUSY_TICKS_PER_SECOND * Math.max(1, probe.reply().toSeconds())
                            && System.nanoTime() < deadline) {
                        ticks = now;
                        continue;
                    }
                    throw stalled(what, peer, input.length, sent.get(), expected.length, received, writeError.get());
                } catch (IOException e) {
                    throw probe.observed("%s: the connection failed after %s of %s came back: %s", what,
                                    Bytes.count(received), Bytes.count(expected.length), e.getMessage())
                            .cause(Cause.RESET_MID_STREAM)
                            .error();
                }
                if (n < 0) {
                    break;
                }
                int mismatch = Arrays.mismatch(buffer, 0, n, expected, received, Math.min(expected.length, received + n));
                if (mismatch >= 0) {
                    throw differs(what, expected, received + mismatch, atLeast(512, in, Arrays.copyOfRange(buffer, mismatch, n)));
                }
                received += n;
                if (!paused && received > expected.length / 4) {
                    // Stop reading a while, once: the server's writes then fill the socket and come back partial.
                    paused = true;
                    Target.pause(Duration.ofMillis(500));
                }
                if (System.nanoTime() > deadline) {
                    throw probe.observed("%s: only %s of %s came back within %d s", what, Bytes.count(received),
                                    Bytes.count(expected.length), (System.nanoTime() - started) / 1_000_000_000)
                            .cause(Cause.TOO_SLOW)
                            .error();
                }
            }
            if (received == 0) {
                throw probe.observed("%s: the server closed the connection without echoing anything", what)
                        .cause(Cause.NO_READ_LOOP)
                        .error();
            }
            if (received < expected.length) {
                throw probe.observed("%s: the server closed after %s of %s had come back", what,
                                Bytes.count(received), Bytes.count(expected.length))
                        .cause(Cause.OWED_NOT_WRITTEN)
                        .error();
            }
        } finally {
            writer.interrupt();
        }
    }

    // The bytes from a mismatch on, topped up from the stream to {@code n} when the read ended sooner: enough to find where they resume.
    static byte[] atLeast(int n, InputStream in, byte[] rest) {
        var more = Arrays.copyOf(rest, n);
        int have = rest.length;
        try {
            for (int r; have < n && (r = in.read(more, have, n - have)) > 0; ) {
                have += r;
            }
        } catch (IOException e) {
            // A timeout or reset: judge on what came.
        }
        return Arrays.copyOf(more, have);
    }

    // The echo differs at byte {@code at}; {@code rest} is what came from there on.
    private AssertionError differs(String what, byte[] expected, int at, byte[] rest) {
        var finding = probe.observed("%s: the echo differs at byte %d of %d", what, at, expected.length)
                .detail(Bytes.compare(Arrays.copyOfRange(expected, Math.max(0, at - 32), Math.min(expected.length, at + 32)),
                        Bytes.concat(Arrays.copyOfRange(expected, Math.max(0, at - 32), at),
                                Arrays.copyOf(rest, Math.min(rest.length, 32)))));
        var kept = target.raw() ? new byte[0] : Diagnosis.keptAgain(expected, at, rest, target.prefix());
        if (kept.length > 0) {
            return finding.detail("before a line's own bytes came %s that began a line sent before: %s"
                            .formatted(Bytes.count(kept.length), Bytes.text(kept)))
                    .cause(Cause.KEPT_AGAIN)
                    .error();
        }
        int resumed = Diagnosis.resumesAt(expected, at, rest);
        if (resumed > at) {
            return finding.detail("bytes %d to %d (%s) are missing: what came next is what was sent from byte %d on"
                            .formatted(at, resumed - 1, Bytes.count(resumed - at), resumed))
                    .causes(Diagnosis.ofGap(target.knownModel()).stream().map(c -> c.with()).toList())
                    .error();
        }
        return finding.cause(target.raw() ? Cause.BYTES_CHANGED : Cause.DIFFERS_UNDER_LOAD).error();
    }

    // What the server has read of what we sent: all of it but what waits in our send queue and its receive queue.
    private long serverRead(Peer peer, long sent) {
        long ours = ProcFs.tcpSockets().stream().filter(s -> s.local().getPort() == peer.localPort()
                && s.remote().getPort() == target.port()).mapToLong(ProcFs.TcpSocket::txQueue).findFirst().orElse(0);
        return sent - ours - unread(peer);
    }

    private long unread(Peer peer) {
        return target.serverSocket(peer.localPort()).map(ProcFs.TcpSocket::rxQueue).orElse(0L);
    }

    private AssertionError stalled(String what, Peer peer, long toSend, long sent, long toReceive, long received,
                                   IOException writeError) {
        if (target.serverSocket(peer.localPort()).map(ProcFs.TcpSocket::inode).orElse(1L) == 0) {
            return probe.observed("%s: nothing came back for %s: the connection was never accepted", what, Peer.seconds(probe.reply()))
                    .detail(target.serverSide(peer.localPort()))
                    .cause(Cause.NOT_ACCEPTED)
                    .error();
        }
        var cause = received == 0 && serverRead(peer, sent) < 64 * 1024
                ? (target.claimed() == Model.EVENT_LOOP ? Cause.NOT_READ_EVENT_LOOP : Cause.NOT_READ).with(Bytes.count(unread(peer)))
                : received == 0 ? Cause.DEADLOCK.with() : Cause.STOPPED_MID_STREAM.with();
        return probe.observed("%s: nothing came back for %s; %s of %s sent, %s of %s received", what,
                        Peer.seconds(probe.reply()), Bytes.count(sent), Bytes.count(toSend), Bytes.count(received), Bytes.count(toReceive))
                .detail(writeError != null ? "our writes failed: " + writeError.getMessage() : "")
                .detail(target.serverSide(peer.localPort()))
                .cause(cause)
                .error();
    }
}
