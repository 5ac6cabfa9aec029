import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * What one check works with: the server under test, its catalogue entry, the run's options, and
 * the steps checks share (connect, expect a reply, wait for resources to come back). Every failure
 * it raises is a {@link Finding} of this check. The suite hands a new one to each check.
 */
final class Probe {

    /** Slack for counts that the JVM moves by itself (JIT and GC threads come and go). */
    static final int THREAD_SLACK = 4;
    static final int FD_SLACK = 3;
    /** Refused clients are closed an instant after they are accepted: a flood's peak may catch a few. */
    static final int FLOOD_FD_SLACK = 16;

    /** What the run was asked for beyond the server: --soak. */
    record Options(int soakSeconds) {
    }

    private final Session session;
    private final Target target;
    private final Catalogue.Entry entry;
    private final Options options;
    private final Finding.Context context;

    Probe(Session session, Catalogue.Entry entry, Options options) {
        this.session = session;
        this.target = session.target();
        this.entry = entry;
        this.options = options;
        var launch = target.launch();
        this.context = new Finding.Context(entry.rule(), target::knownModel, launch, launch == null ? 0 : launch.checkMark());
    }

    Target target() {
        return target;
    }

    /** This check's probe of another server (one {@link Session#another} launched): the same rule, its own target. */
    Probe on(Session other) {
        return new Probe(other, entry, options);
    }

    Session session() {
        return session;
    }

    Catalogue.Entry entry() {
        return entry;
    }

    int soakSeconds() {
        return options.soakSeconds();
    }

    /** The start of a failure of this check: what was observed. */
    Finding observed(String format, Object... args) {
        return Finding.observed(context, format, args);
    }

    // ---- The model and the bounds that follow from it ------------------------------------------

    Model model() {
        return target.model();
    }

    boolean serial() {
        return model() == Model.SINGLE_THREADED;
    }

    /** The pool's workers: from the ready line or --workers, else the kit's default. */
    int workers() {
        return target.workers() > 0 ? target.workers() : 16;
    }

    /**
     * How many connections a check makes: each one costs a multi-process server a JVM (about 50 ms
     * of CPU), so that model gets what two cores can spawn in a few seconds.
     */
    int connections(int usual, int multiProcess) {
        return model() == Model.MULTI_PROCESS ? multiProcess : usual;
    }

    /**
     * How many clients the server serves at once, as far as the suite knows: what its model and options declare,
     * capped by what the probe of concurrency.model saw (a "pool" that serves one at a time gets one at a time).
     */
    int servedAtOnce() {
        int declared = switch (model()) {
            case SINGLE_THREADED -> 1;
            case THREAD_POOL -> workers();
            case null, default -> target.maxClients() > 0 ? target.maxClients() : Integer.MAX_VALUE;
        };
        var seen = target.observe();
        int observed = switch (seen.kind()) {
            case SERIAL -> 1;
            case POOL -> seen.servedAtOnce();
            default -> Integer.MAX_VALUE;
        };
        return Math.max(1, Math.min(declared, observed));
    }

    /** Whether check {@code id} passed in this run: what this check may then take for granted. */
    boolean passed(String id) {
        return session.verdict(id).filter(v -> v == TestRun.Status.PASSED).isPresent();
    }

    Duration reply() {
        return target.timeouts().reply();
    }

    /** How long the replies of {@code clients} new clients may take: a child process per client starts slower. */
    Duration replyFor(int clients) {
        return model() == Model.MULTI_PROCESS ? reply().plus(Duration.ofMillis(200L * clients)) : reply();
    }

    /** How long resources may take to come back: children waiting in the backlog still have to be started and ended. */
    Duration settle() {
        return model() == Model.MULTI_PROCESS ? target.timeouts().settle().multipliedBy(3) : target.timeouts().settle();
    }

    Duration quiet() {
        return target.timeouts().quiet();
    }

    // ---- Clients and replies -------------------------------------------------------------------

    /** Connects a new client, or fails the check saying why it could not. */
    Peer connect() {
        return connect(0);
    }

    /** Connects a new client with a receive buffer of {@code receiveBuffer} bytes (0: the system's), or fails saying why. */
    Peer connect(int receiveBuffer) {
        try {
            return target.connect(receiveBuffer);
        } catch (IOException e) {
            var refused = String.valueOf(e.getMessage()).contains("refused");
            long pid = target.pid();
            throw observed("a new client could not connect to %s: %s", target.hostPort(), e.getMessage())
                    .detail(pid > 0 ? "server process " + pid + (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                            ? " is running" : " is gone") : "")
                    .detail(target.listenerState())
                    .cause(refused ? Cause.SERVER_GONE : Cause.BACKLOG_FULL)
                    .error();
        }
    }

    /** Why a reply differs from the expected one: the bytes compared, the server's side, and the likely causes. */
    Finding reply(Peer peer, String what, byte[] expected, Peer.Reply got) {
        var f = observed("%s: %s", what, got.describe())
                .detail(got.bytes().length == 0
                        ? "expected " + Bytes.count(expected.length) + ": " + Bytes.text(expected)
                        : Bytes.compare(expected, got.bytes()));
        if (!got.complete() && got.end() != Peer.End.EOF) {
            f.detail(target.serverSide(peer.localPort()));
        }
        f.detail(peer.trace());
        var seen = new Diagnosis.Seen(expected, got.bytes(), got.end(), peer.earlier(),
                Diagnosis.Side.of(target.serverSocket(peer.localPort())), target.prefix(), target.raw(), target.claimed());
        return f.causes(Diagnosis.of(seen));
    }

    /** Reads the reply {@code expected} and fails, explaining the difference, when it is not that. */
    void expect(Peer peer, String what, byte[] expected) throws IOException {
        expect(peer, what, expected, got -> null);
    }

    /** As above; when the reply is wrong, {@code likelier} may name a likelier cause from the bytes that came, or null. */
    void expect(Peer peer, String what, byte[] expected, Function<byte[], Cause.Likely> likelier) throws IOException {
        var got = read(peer, expected.length, reply());
        if (!Arrays.equals(got.bytes(), expected)) {
            var f = reply(peer, what, expected, got);
            var cause = likelier.apply(got.bytes());
            if (cause != null) {
                f.cause(cause);
            }
            throw f.error();
        }
    }

    /**
     * Reads {@code n} bytes within {@code timeout}, and longer while the server is busy (a slow start on a loaded
     * machine is no defect); a reply that came only after it is told under the check's line.
     */
    Peer.Reply read(Peer peer, int n, Duration timeout) throws IOException {
        return target.patientRead(peer, n, timeout, slow -> slowStarts.add(slow));
    }

    private final List<Duration> slowStarts = java.util.Collections.synchronizedList(new ArrayList<>());

    /** Sends {@code line} and expects its reply. */
    void echoes(Peer peer, String what, byte[] line) throws IOException {
        echoes(peer, what, line, got -> null);
    }

    void echoes(Peer peer, String what, byte[] line, Function<byte[], Cause.Likely> likelier) throws IOException {
        peer.send(line);
        expect(peer, what, target.replyTo(line), likelier);
    }

    void echoes(Peer peer, String what, String line) throws IOException {
        echoes(peer, what, Bytes.of(line));
    }

    /** Sends {@code sent}, half-closes, and expects {@code expected} then end of stream. */
    void endsAfter(String what, byte[] sent, byte[] expected) throws IOException {
        endsAfter(what, sent, expected, 0, peer -> true, peer -> { });
    }

    /**
     * As above; with {@code receiveBuffer} bytes of receive buffer (0: the system's), and nothing read until
     * {@code readAll} says the server has read what was sent (or half a second passed, or it stopped taking it);
     * {@code beforeReading} sees the connection then.
     */
    void endsAfter(String what, byte[] sent, byte[] expected, int receiveBuffer, java.util.function.Predicate<Peer> readAll,
                   java.util.function.Consumer<Peer> beforeReading) throws IOException {
        try (var peer = connect(receiveBuffer)) {
            var written = new java.util.concurrent.atomic.AtomicLong();
            var writer = Thread.ofPlatform().daemon().name("half-close-writer").start(() -> {
                try {
                    for (int at = 0; at < sent.length; at += 16384) {
                        peer.send(Arrays.copyOfRange(sent, at, Math.min(sent.length, at + 16384)));
                        written.set(Math.min(sent.length, at + 16384));
                    }
                    peer.halfClose();
                } catch (IOException e) {
                    // The server closed early: what comes back says how.
                }
            });
            // Until the writer is done, or makes no progress for 200 ms (the server stopped reading: its writes wait).
            long deadline = System.nanoTime() + reply().toNanos();
            for (long last = -1; writer.isAlive() && written.get() != last && System.nanoTime() < deadline; ) {
                last = written.get();
                joinQuietly(writer, Duration.ofMillis(200));
            }
            if (!writer.isAlive()) {
                Target.await(() -> readAll.test(peer), Duration.ofMillis(500));
                // The end of input comes after the last byte: a moment for the server to meet it too.
                Target.pause(Duration.ofMillis(50));
            }
            beforeReading.accept(peer);
            var got = peer.readToEnd(reply().multipliedBy(2), expected.length + (1 << 20), endCannotCome(peer));
            joinQuietly(writer, Duration.ofSeconds(1));
            if (!Arrays.equals(got.bytes(), expected) || got.end() != Peer.End.EOF) {
                var f = reply(peer, what, expected, got);
                boolean prefixOf = got.bytes().length < expected.length && Arrays.mismatch(got.bytes(), expected) == got.bytes().length;
                if (Arrays.equals(got.bytes(), expected) && parentHolds(List.of(peer.localPort())) > 0) {
                    f.cause(Cause.PARENT_HOLDS);
                } else if (Arrays.equals(got.bytes(), expected)) {
                    f.cause(Cause.NO_CLOSE_AT_EOF);
                } else if (prefixOf && got.end() != Peer.End.TIMEOUT) {
                    // A blocking write cannot leave part of a reply behind; a non-blocking one, unless kept, can.
                    f.cause(model() == Model.EVENT_LOOP ? Cause.OWED_NOT_WRITTEN : Cause.OWED_DROPPED);
                } else if (!target.raw() && Arrays.equals(got.bytes(), Bytes.concat(expected, new byte[] {'\n'}))) {
                    f.cause(Cause.LF_ADDED);
                }
                throw f.error();
            }
        }
    }

    private static void joinQuietly(Thread thread, Duration within) {
        try {
            thread.join(within);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Asked every 200 ms of silence: whether this client's end of stream cannot come any more, its connection held by
     * a multi-process parent alone (its child gone: the parent never closes it, TODO(1) of lesson 2) in three
     * askings in a row, longer than any hand-over to a child takes. The wait for the end then stops.
     */
    java.util.function.BooleanSupplier endCannotCome(Peer peer) {
        var seen = new int[1];
        return () -> {
            seen[0] = heldByParentAlone(peer) ? seen[0] + 1 : 0;
            return seen[0] >= 3;
        };
    }

    private boolean heldByParentAlone(Peer peer) {
        if (model() != Model.MULTI_PROCESS || !target.local()) {
            return false;
        }
        var side = target.serverSocket(peer.localPort());
        if (side.isEmpty()) {
            return false;
        }
        var owners = ProcFs.socketOwners().getOrDefault(side.get().inode(), List.of()).stream().distinct().toList();
        return owners.equals(List.of(target.pid()));
    }

    /** How many of these clients' server-side sockets the server's own process (a multi-process parent) holds. */
    long parentHolds(Collection<Integer> clientPorts) {
        if (model() != Model.MULTI_PROCESS || !target.local()) {
            return 0;
        }
        var owners = ProcFs.socketOwners();
        return clientPorts.stream().flatMap(p -> target.serverSocket(p).stream())
                .filter(s -> owners.getOrDefault(s.inode(), List.of()).contains(target.pid())).count();
    }

    /** A new client is echoed correctly: the server is still serving. */
    void stillServes(String after) throws IOException {
        try (var peer = connect()) {
            // A multi-process server may still be starting the children of the clients just gone.
            var line = Bytes.of("still serving?\n");
            peer.send(line);
            var expected = target.replyTo(line);
            var got = read(peer, expected.length, replyFor(20));
            if (!Arrays.equals(got.bytes(), expected)) {
                throw reply(peer, "a new client " + after, expected, got).error();
            }
        }
    }

    // ---- Resources -----------------------------------------------------------------------------

    /** Waits for the server's threads and open files to come back to {@code base}; fails when they do not. */
    void backToBaseline(Target.Usage base, String after, Cause cause) {
        if (base == null) {
            return;
        }
        // A pool may start its workers on demand; they stay, and that is no leak.
        int threads = base.threads() + THREAD_SLACK + (model() == Model.THREAD_POOL ? workers() : 0);
        // Zombies are cleanup.zombies' to judge; here the threads, files and live children the clients took.
        // A connection still open as the server's kernel sees it (its client's end never reached it: a flood's
        // handshake the kernel dropped) may keep what it holds: a thread, a socket or two (reader and writer), a child.
        java.util.function.Predicate<Target.Usage> back = u -> {
            int open = target.openConnections();
            return u.threads() <= threads + open && u.fds() <= base.fds() + FD_SLACK + 2 * open
                    && u.children() <= base.children() + open;
        };
        var now = target.awaitUsage(back, settle());
        if (!back.test(now)) {
            // Zombies piling up are cleanup.zombies' to judge; when they do, they are the likelier cause of the rest too.
            boolean zombies = now.zombies() > base.zombies() + THREAD_SLACK;
            throw observed("%s, the server did not give back its resources within %s", after, Peer.seconds(settle()))
                    .detail("baseline: " + base.describe())
                    .detail("now:      " + now.describe())
                    .detail("the server's side of the port's connections: " + target.connectionStates())
                    .cause(zombies ? Cause.NO_REAP : cause)
                    .error();
        }
    }

    /** Connects {@code n} clients at once with non-blocking connects; returns those that connected. */
    List<SocketChannel> connectAll(int n, Duration within) throws IOException {
        var connected = new ArrayList<SocketChannel>();
        try (var selector = Selector.open()) {
            for (int i = 0; i < n; i++) {
                var channel = SocketChannel.open();
                channel.configureBlocking(false);
                if (channel.connect(target.address())) {
                    connected.add(channel);
                } else {
                    channel.register(selector, SelectionKey.OP_CONNECT);
                }
            }
            long deadline = System.nanoTime() + within.toNanos();
            while (!selector.keys().isEmpty() && System.nanoTime() < deadline) {
                selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                for (var key : selector.selectedKeys()) {
                    var channel = (SocketChannel) key.channel();
                    key.cancel();
                    try {
                        channel.finishConnect();
                        connected.add(channel);
                    } catch (IOException e) {
                        channel.close();
                    }
                }
                selector.selectedKeys().clear();
                selector.selectNow();
            }
            for (var key : selector.keys()) {
                key.channel().close();
            }
        }
        return connected;
    }

    static void closeAll(Collection<? extends AutoCloseable> all) {
        for (var c : all) {
            try {
                c.close();
            } catch (Exception ignored) {
                // A client we are done with: nothing to learn from a failed close.
            }
        }
    }

    /** Waits until the server's log has had no new line for 200 ms, or 2 s have passed: its lines come as it goes. */
    static void awaitQuietLog(Launch launch) {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        long last = -1;
        for (long now = launch.stderrMark(); now != last && System.nanoTime() < deadline; now = launch.stderrMark()) {
            last = now;
            Target.pause(Duration.ofMillis(200));
        }
    }

    /** Bytes 0..n-1 of a deterministic, varied text (no LF). */
    static byte[] filler(int n) {
        var bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) (' ' + 1 + (i * 7) % 94);
        }
        return bytes;
    }

    /** A line of {@code filler} bytes and its LF, at most 1024 bytes and within --max-line. */
    byte[] fillerLine() {
        return Bytes.concat(filler(Math.min(1023, target.maxLine() - 1)), new byte[] {'\n'});
    }
}
