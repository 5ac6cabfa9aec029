import java.io.IOException;
import java.time.Duration;

/**
 * How long the suite waits for a server's reply: longer while the server works (a child still starting, both cores
 * taken by other work), as a slow start is no defect; shorter once no reply can come (a request that waits unserved
 * while nothing of the server runs), as waiting out the timeout then only slows the verdict.
 */
final class Patience {

    private final Target target;

    Patience(Target target) {
        this.target = target;
    }

    /** How much CPU a second a server must use to count as busy: an idle JVM's housekeeping uses less. */
    static final long BUSY_TICKS_PER_SECOND = 5;
    /** How long a busy server may take to answer, at most, before the wait for it ends anyway. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    // A thread of the server, or of a live child, is runnable now (a server in the suite's own JVM, as the self-test
    // runs some, always has one: its CPU time alone tells).
    private boolean runnable() {
        if (target.pid() == ProcessHandle.current().pid()) {
            return false;
        }
        return ProcFs.runnable(target.pid()) || ProcFs.descendants(target.pid()).stream().anyMatch(c -> !c.zombie() && ProcFs.runnable(c.pid()));
    }

    /**
     * Reads {@code n} bytes within {@code timeout}, and ends sooner when no reply can come any more (see stalled); past
     * the timeout, while nothing came but the server is busy on this
     * machine (a child still starting, both cores taken by other work), goes on waiting, a second at a time, up to
     * {@link #PATIENCE}: a slow start is no defect. {@code slow} gets how long the server was waited for beyond
     * the timeout while busy, when it was.
     */
    Peer.Reply read(Peer peer, int n, Duration timeout, java.util.function.Consumer<Duration> slow) throws IOException {
        long ticks = target.cpuTicks();
        var got = target.local() ? peer.read(n, timeout, () -> stalled(peer.localPort())) : peer.read(n, timeout);
        if (got.end() == Peer.End.TIMEOUT && got.elapsed().compareTo(timeout) < 0) {
            return new Peer.Reply(got.bytes(), got.end(), got.elapsed(), "the server had not accepted this connection, "
                    + "or not read what it sent, and none of its threads had run in the last " + Peer.seconds(stallWindow()));
        }
        if (got.end() != Peer.End.TIMEOUT || got.bytes().length >= n || !target.local()) {
            return got;
        }
        var bytes = new java.io.ByteArrayOutputStream();
        bytes.writeBytes(got.bytes());
        var elapsed = got.elapsed();
        long deadline = System.nanoTime() + target.timeouts().scaled(PATIENCE).toNanos();
        var end = got.end();
        long extra = 0;
        while (end == Peer.End.TIMEOUT && bytes.size() < n && System.nanoTime() < deadline) {
            long now = target.cpuTicks();
            // Busy: the server used CPU, or a thread of it is runnable (on a loaded machine, waiting for a CPU).
            if (now - ticks < BUSY_TICKS_PER_SECOND * Math.max(1, elapsed.toMillis() / 1000) && !runnable()) {
                break;
            }
            ticks = now;
            var more = peer.read(n - bytes.size(), Duration.ofSeconds(1));
            bytes.writeBytes(more.bytes());
            end = more.end();
            elapsed = Duration.ofSeconds(1);
            extra += more.elapsed().toMillis();
        }
        if (extra > 0) {
            slow.accept(Duration.ofMillis(extra));
        }
        return new Peer.Reply(bytes.toByteArray(), bytes.size() >= n ? Peer.End.COMPLETE : end,
                got.elapsed().plusMillis(extra));
    }

    // Since when nothing of the server has run (no CPU used, no thread runnable or waiting on the disk), as sampled
    // by stalled() during reads; a gap in the sampling starts it again.
    private long quietSince;
    private long quietTicks;
    private long lastSample;

    /** How long a request must wait unserved while nothing of the server runs before no reply can come: half the timeout. */
    Duration stallWindow() {
        return target.timeouts().reply().dividedBy(2);
    }

    /**
     * Whether no reply can come to this client any more: its connection waits unaccepted, or what it sent unread,
     * while nothing of the server has run for {@link #stallWindow()} (a serial server held by another client). A server
     * in the suite's own JVM is never stalled: the suite's work is its CPU time too.
     */
    synchronized boolean stalled(int clientPort) {
        if (target.pid() == ProcessHandle.current().pid()) {
            return false;
        }
        long now = System.nanoTime();
        long ticks = target.cpuTicks();
        boolean quiet = now - lastSample < 1_000_000_000L && !runnable()
                && ticks - quietTicks <= BUSY_TICKS_PER_SECOND * Math.max(1, (now - quietSince) / 1_000_000_000L);
        lastSample = now;
        if (!quiet) {
            quietSince = now;
            quietTicks = ticks;
            return false;
        }
        return now - quietSince >= stallWindow().toNanos()
                && target.serverSocket(clientPort).map(s -> s.inode() == 0 || s.rxQueue() > 0).orElse(false);
    }
}
