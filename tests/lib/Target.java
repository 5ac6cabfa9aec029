import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The server under test: where it listens, how it frames (prefix, mode, limits), the model it
 * claims, and, when it runs on this machine, its process and what /proc says of it.
 */
final class Target {

    /** What the suite's command line says of the server; the ready line fills in what it leaves out. */
    record Settings(String host, int port, String prefix, boolean raw, Integer maxLine, Integer workers, Integer idleTimeout,
                    Model claimed) {

        /** The options to append to a launch command so that the server is what the suite expects. */
        List<String> launchOptions(String command) {
            var args = new ArrayList<String>();
            if (!command.contains("--port")) {
                args.addAll(List.of("--port", Integer.toString(port)));
            }
            if (raw && !command.contains("--raw")) {
                args.add("--raw");
            }
            if (prefix != null && !command.contains("--prefix")) {
                args.addAll(List.of("--prefix", prefix));
            }
            if (maxLine != null && !command.contains("--max-line")) {
                args.addAll(List.of("--max-line", maxLine.toString()));
            }
            if (workers != null && !command.contains("--workers")) {
                args.addAll(List.of("--workers", workers.toString()));
            }
            if (idleTimeout != null && !command.contains("--idle-timeout")) {
                args.addAll(List.of("--idle-timeout", idleTimeout.toString()));
            }
            return args;
        }
    }

    /** Every wait of the suite, scaled by ECHO_KIT_TIMEOUT_SCALE for slow machines. */
    record Timeouts(double scale, Duration reply, Duration quiet, Duration connect, Duration settle, Duration ready,
                    Duration checkBound) {

        static Timeouts of(double replySeconds) {
            double scale = 1;
            var env = System.getenv("ECHO_KIT_TIMEOUT_SCALE");
            if (env != null && !env.isBlank()) {
                scale = Math.max(0.1, Double.parseDouble(env.trim()));
            }
            return new Timeouts(scale, seconds(replySeconds * scale), seconds(1.5 * scale), seconds(3 * scale),
                    seconds(5 * scale), seconds(180 * scale), seconds(90 * scale));
        }

        private static Duration seconds(double s) {
            return Duration.ofMillis((long) (s * 1000));
        }

        /** These timeouts with the launched server's ready line awaited {@code seconds} (scaled) instead. */
        Timeouts withReady(double seconds) {
            return new Timeouts(scale, reply, quiet, connect, settle, seconds(seconds * scale), checkBound);
        }

        /** {@code d} stretched by ECHO_KIT_TIMEOUT_SCALE. */
        Duration scaled(Duration d) {
            return Duration.ofMillis((long) (d.toMillis() * scale));
        }
    }

    /** The server's resources, summed over its process and its live descendants (SPEC §4.1 cleanup.*); zombies apart. */
    record Usage(int threads, int fds, int children, int zombies, Map<String, Integer> fdKinds, int ownThreads, int ownFds) {

        String describe() {
            return "%d threads, %d open files %s%s".formatted(threads, fds, fdKinds,
                    children > 0 || zombies > 0 ? ", %d child processes (and %d zombies); the server itself: %d threads, %d open files"
                            .formatted(children, zombies, ownThreads, ownFds) : "");
        }
    }

    private final InetSocketAddress address;
    private final byte[] prefix;
    private final boolean raw;
    private final int maxLine;
    private final int workers;
    private final int queue;
    private final int maxClients;
    private final int idleTimeout;
    private final Model claimed;
    private final String claimedBy;
    private final long pid;
    private final Launch launch;
    private final Timeouts timeouts;
    private final boolean tracing;
    private final Patience patience = new Patience(this);
    private Observation observation;

    private Target(InetSocketAddress address, byte[] prefix, boolean raw, int maxLine, int workers, int queue,
                   int maxClients, int idleTimeout, Model claimed, String claimedBy, long pid, Launch launch, Timeouts timeouts,
                   boolean tracing) {
        this.address = address;
        this.prefix = prefix;
        this.raw = raw;
        this.maxLine = maxLine;
        this.workers = workers;
        this.queue = queue;
        this.maxClients = maxClients;
        this.idleTimeout = idleTimeout;
        this.claimed = claimed;
        this.claimedBy = claimedBy;
        this.pid = pid;
        this.launch = launch;
        this.timeouts = timeouts;
        this.tracing = tracing;
    }

    /** The target from the suite's settings and, when launched, the server's ready line; {@code tracing}: --verbose. */
    static Target resolve(Settings s, Launch launch, Long givenPid, Timeouts timeouts, boolean tracing) throws IOException {
        return resolve(s, launch == null ? null : launch.ready(), launch, givenPid, timeouts, tracing);
    }

    /** As above, with the ready line of a server the suite did not launch itself (null: none), as the self-test does. */
    static Target resolve(Settings s, Launch.Ready ready, Launch launch, Long givenPid, Timeouts timeouts, boolean tracing)
            throws IOException {
        var host = ready != null ? ready.host() : s.host();
        int port = ready != null ? ready.port() : s.port();
        var address = new InetSocketAddress(InetAddress.getByName(host), port);
        Optional<Launch.Ready> r = Optional.ofNullable(ready);
        boolean raw = s.raw() || r.flatMap(x -> x.field("mode")).map("raw"::equals).orElse(false);
        var prefix = s.prefix() != null ? s.prefix() : "server echo# ";
        int maxLine = s.maxLine() != null ? s.maxLine() : r.flatMap(x -> x.intField("max-line")).orElse(65536);
        int workers = s.workers() != null ? s.workers() : r.flatMap(x -> x.intField("workers")).orElse(0);
        int queue = r.flatMap(x -> x.intField("queue")).orElse(0);
        int maxClients = r.flatMap(x -> x.intField("max-clients")).orElse(0);
        int idleTimeout = s.idleTimeout() != null ? s.idleTimeout() : r.flatMap(x -> x.intField("idle-timeout")).orElse(0);
        Model claimed = s.claimed();
        String claimedBy = "--model";
        if (claimed == null && ready != null) {
            claimed = ready.field("model").flatMap(Model::of).orElse(null);
            claimedBy = "its ready line";
        }
        long pid = givenPid != null ? givenPid : findPid(port, ready);
        return new Target(address, prefix.getBytes(StandardCharsets.UTF_8), raw, maxLine, workers, queue, maxClients,
                idleTimeout, claimed, claimedBy, pid, launch, timeouts, tracing);
    }

    // The owner of the listening socket; when several processes hold it, the one the others descend from.
    private static long findPid(int port, Launch.Ready ready) {
        var owners = ProcFs.listenerOwners(port);
        var readyPid = ready == null ? Optional.<Long>empty() : ready.field("pid").filter(v -> v.matches("\\d+")).map(Long::parseLong);
        if (readyPid.isPresent() && (owners.isEmpty() || owners.contains(readyPid.get()))) {
            return readyPid.get();
        }
        for (long owner : owners) {
            long parent = ProcFs.process(owner).map(ProcFs.ProcessInfo::ppid).orElse(0L);
            if (!owners.contains(parent)) {
                return owner;
            }
        }
        return 0;
    }

    /** Empty when a client can connect; otherwise why not. */
    Optional<String> reachable() {
        try (var peer = Peer.connect(address, timeouts.connect())) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("no server could be reached at " + hostPort() + ": " + e.getMessage()
                    + (launch == null ? " (is it running? or let the suite start it with --launch 'COMMAND')" : ""));
        }
    }

    String describe() {
        var s = new StringBuilder("Echo Kit conformance suite\n");
        s.append("server    ").append(hostPort());
        if (pid > 0) {
            s.append(", pid ").append(pid).append(ProcFs.process(pid).map(p -> " (" + p.comm() + ")").orElse(""));
        } else {
            s.append(", process not found on this machine: checks that read /proc are skipped (--pid gives it)");
        }
        s.append('\n');
        if (launch != null) {
            s.append("launched  ").append(launch.command()).append('\n');
            s.append("ready     ").append(launch.ready().line()).append('\n');
            if (launch.process().pid() != pid) {
                s.append("processes SIGTERM goes to the launched process, pid ").append(launch.process().pid())
                        .append("; resources are measured on pid ").append(pid).append(", which holds the listening socket\n");
            }
        }
        s.append("model     ").append(claimed == null ? "auto (none claimed: the suite reports what it observes)"
                : claimed.label + " (claimed by " + claimedBy + ")").append('\n');
        s.append("settings  ").append(raw ? "raw mode" : "line mode, prefix " + Bytes.text(prefix) + ", max line " + maxLine + " bytes");
        if (workers > 0) {
            s.append(", workers ").append(workers);
        }
        if (queue > 0) {
            s.append(", queue ").append(queue);
        }
        if (maxClients > 0) {
            s.append(", max clients ").append(maxClients);
        }
        if (idleTimeout > 0) {
            s.append(", idle timeout ").append(idleTimeout).append(" s");
        }
        s.append(", reply timeout ").append(timeouts.reply().toMillis() / 1000.0).append(" s");
        return s.toString();
    }

    InetSocketAddress address() {
        return address;
    }

    String hostPort() {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    int port() {
        return address.getPort();
    }

    byte[] prefix() {
        return prefix.clone();
    }

    boolean raw() {
        return raw;
    }

    int maxLine() {
        return maxLine;
    }

    /** The pool's workers, its queue, --max-clients: as the ready line gives them, or 0 when unknown. */
    int workers() {
        return workers;
    }

    int queue() {
        return queue;
    }

    int maxClients() {
        return maxClients;
    }

    /** --idle-timeout in seconds (the suite's, or the ready line's), or 0 when off. */
    int idleTimeout() {
        return idleTimeout;
    }

    /** The model claimed by --model or the ready line, or null. */
    Model claimed() {
        return claimed;
    }

    String claimedBy() {
        return claimedBy;
    }

    /** The model the checks hold the server to: the claimed one, else the observed one (may be null). */
    Model model() {
        return claimed != null ? claimed : observe().model();
    }

    /** The server's pid, or 0 when it is not on this machine. */
    long pid() {
        return pid;
    }

    boolean local() {
        return pid > 0;
    }

    Launch launch() {
        return launch;
    }

    Timeouts timeouts() {
        return timeouts;
    }

    /** The model claimed, else the one observed if the suite has observed it already, else null: never probes. */
    synchronized Model knownModel() {
        return claimed != null ? claimed : observation != null ? observation.model() : null;
    }

    /** What the server does when clients connect at once (observed once, then kept). */
    synchronized Observation observe() {
        if (observation == null) {
            observation = Observation.of(this);
        }
        return observation;
    }

    /** What the reply to {@code sent} must be: PREFIX + line per line in line mode, the same bytes in raw mode. */
    byte[] replyTo(String line) {
        return replyTo(Bytes.of(line));
    }

    byte[] replyTo(byte[] line) {
        return raw ? line : Bytes.concat(prefix, line);
    }

    /** Connects a new client within the connect timeout; a failure is the caller's to explain. */
    Peer connect() throws IOException {
        return Peer.connect(address, timeouts.connect(), tracing);
    }

    /** Connects a client whose receive buffer is {@code receiveBuffer} bytes. */
    Peer connect(int receiveBuffer) throws IOException {
        return Peer.connect(address, timeouts.connect(), tracing, receiveBuffer);
    }

    /** The listening socket's state: how many connections wait in its backlog to be accepted. */
    String listenerState() {
        var listener = ProcFs.tcpSockets(port()).stream().filter(s -> s.state() == ProcFs.TcpState.LISTEN).findFirst();
        return listener.map(l -> "listening socket: " + (l.rxQueue() == 1 ? "1 connection waits" : l.rxQueue() + " connections wait") + " to be accepted")
                .orElse("no socket listens on port " + port() + " on this machine");
    }

    /**
     * The port's connections counted by state, the server's side then the clients': "server 4 ESTABLISHED (2 held by
     * no process: in the backlog, or closed); clients 4 FIN_WAIT2".
     */
    String connectionStates() {
        var all = ProcFs.tcpSockets();
        var server = all.stream().filter(s -> s.local().getPort() == port() && s.state() != ProcFs.TcpState.LISTEN).toList();
        var clients = all.stream().filter(s -> s.remote().getPort() == port()).toList();
        long waiting = server.stream().filter(s -> s.inode() == 0 && s.state() != ProcFs.TcpState.TIME_WAIT).count();
        return "server " + byState(server) + (waiting > 0 ? " (" + waiting + " held by no process: in the backlog, or closed)" : "")
                + "; clients " + byState(clients);
    }

    private static String byState(List<ProcFs.TcpSocket> sockets) {
        return sockets.isEmpty() ? "none" : sockets.stream().collect(java.util.stream.Collectors.groupingBy(ProcFs.TcpSocket::state,
                        java.util.TreeMap::new, java.util.stream.Collectors.counting())).entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey()).collect(java.util.stream.Collectors.joining(", "));
    }

    /** The connections of the port still open both ways as the server's kernel sees them, held by the server. */
    int openConnections() {
        return (int) ProcFs.tcpSockets(port()).stream()
                .filter(s -> s.state() == ProcFs.TcpState.ESTABLISHED && s.inode() != 0).count();
    }

    /** The client ports of the connections the server has accepted and still holds (its sockets, not yet closed). */
    java.util.Set<Integer> acceptedClients() {
        return ProcFs.tcpSockets(port()).stream()
                .filter(s -> s.state() != ProcFs.TcpState.LISTEN && s.state() != ProcFs.TcpState.TIME_WAIT && s.inode() != 0)
                .map(s -> s.remote().getPort()).collect(java.util.stream.Collectors.toSet());
    }

    /** How many connections wait in the listening socket's backlog (0 when it is not on this machine). */
    long listenerBacklog() {
        return ProcFs.tcpSockets(port()).stream().filter(s -> s.state() == ProcFs.TcpState.LISTEN)
                .mapToLong(ProcFs.TcpSocket::rxQueue).sum();
    }

    /** The server's side of the connection from client port {@code clientPort}, as /proc/net/tcp shows it. */
    Optional<ProcFs.TcpSocket> serverSocket(int clientPort) {
        return ProcFs.tcpSockets(port()).stream()
                .filter(s -> s.remote().getPort() == clientPort && s.state() != ProcFs.TcpState.LISTEN).findFirst();
    }

    /** The server's side of a connection in words: state, queues, owner. */
    String serverSide(int clientPort) {
        var socket = serverSocket(clientPort);
        if (socket.isEmpty()) {
            return local() ? "the server has no socket left for this connection (it closed it)" : "";
        }
        var s = socket.get();
        if (s.inode() == 0) {
            return "the server's side of this connection: %s but not accepted yet, waiting in the listen backlog (%s)"
                    .formatted(s.state(), listenerState());
        }
        var owners = ProcFs.socketOwners().getOrDefault(s.inode(), List.of());
        return "the server's side of this connection: %s, owned by %s; %s received and not yet read by the server, %s sent and not yet acknowledged"
                .formatted(s.state(), owners.isEmpty() ? "no process" : "pid " + owners.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")),
                        Bytes.count(s.rxQueue()), Bytes.count(s.txQueue()));
    }

    /** How many of the server's sockets of this port are in CLOSE_WAIT, among those to {@code clientPorts}. */
    long closeWait(Collection<Integer> clientPorts) {
        return ProcFs.tcpSockets(port()).stream()
                .filter(s -> s.state() == ProcFs.TcpState.CLOSE_WAIT && clientPorts.contains(s.remote().getPort()))
                .count();
    }

    /** Threads, open files and children of the server now, or null when its process is unknown. */
    Usage usage() {
        if (!local()) {
            return null;
        }
        int ownThreads = Math.max(0, ProcFs.threads(pid));
        int ownFds = Math.max(0, ProcFs.fds(pid));
        int threads = ownThreads;
        int fds = ownFds;
        var kinds = new java.util.TreeMap<>(ProcFs.fdKinds(pid));
        int children = 0;
        int zombies = 0;
        for (var child : ProcFs.descendants(pid)) {
            // A zombie holds no thread and no file, only its place in the table: cleanup.zombies counts those.
            if (child.zombie()) {
                zombies++;
                continue;
            }
            children++;
            threads += Math.max(0, ProcFs.threads(child.pid()));
            fds += Math.max(0, ProcFs.fds(child.pid()));
            ProcFs.fdKinds(child.pid()).forEach((k, v) -> kinds.merge(k, v, Integer::sum));
        }
        return new Usage(threads, fds, children, zombies, kinds, ownThreads, ownFds);
    }

    /** The server's usage once it holds still (two readings 50 ms apart agree, or 1 s passed), or null. */
    Usage baseline() {
        var last = usage();
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (last != null && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(50));
            var now = usage();
            if (now.threads() == last.threads() && now.fds() == last.fds() && now.children() == last.children()) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /**
     * Polls the server's usage until {@code settled} accepts it or the settle timeout passes;
     * returns the last usage seen.
     */
    Usage awaitUsage(java.util.function.Predicate<Usage> settled) {
        return awaitUsage(settled, timeouts.settle());
    }

    /**
     * Polls the server's usage until {@code settled} accepts it or {@code timeout} passes, and longer while the
     * server is busy on the CPU (up to {@link Patience#PATIENCE}); returns the last one seen.
     */
    Usage awaitUsage(java.util.function.Predicate<Usage> settled, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long patience = deadline + timeouts.scaled(Patience.PATIENCE).toNanos();
        var usage = usage();
        long windowStart = System.nanoTime();
        long windowTicks = cpuTicks();
        boolean busy = false;
        while (usage != null && !settled.test(usage)) {
            long now = System.nanoTime();
            if (now - windowStart >= 1_000_000_000L) {
                long ticks = cpuTicks();
                busy = ticks - windowTicks >= Patience.BUSY_TICKS_PER_SECOND * (now - windowStart) / 1_000_000_000L;
                windowStart = now;
                windowTicks = ticks;
            }
            // Past the timeout, go on only while the server works: its children end, its threads unwind.
            if (now > patience || (now > deadline && !busy)) {
                break;
            }
            pause(Duration.ofMillis(50));
            usage = usage();
        }
        return usage;
    }

    /** The sockets the server and its live children hold now (0 when its process is not here). */
    int sockets() {
        var usage = usage();
        return usage == null ? 0 : usage.fdKinds().getOrDefault("socket", 0);
    }

    /**
     * After a check: waits until the server holds no more sockets than {@code before} and nothing waits in its
     * backlog, so that what the check's connections do to the server (a reset read late, a flood's children
     * ending) happens in that check and not in the next. Gives up once it makes no progress for 200 ms,
     * and after {@link #SETTLE_AT_MOST} in any case: a server that keeps a connection is judged by cleanup.*.
     */
    void settle(int before) {
        if (!local()) {
            return;
        }
        long start = System.nanoTime();
        long end = start + timeouts.scaled(SETTLE_AT_MOST).toNanos();
        long stall = timeouts.scaled(Duration.ofMillis(200)).toNanos();
        long lastProgress = start;
        long owed = Long.MAX_VALUE;
        while (true) {
            long now = Math.max(0, sockets() - before) + listenerBacklog();
            long t = System.nanoTime();
            if (now == 0 || t > end) {
                return;
            }
            if (now < owed) {
                owed = now;
                lastProgress = t;
            } else if (t - lastProgress > stall) {
                return;
            }
            pause(Duration.ofMillis(25));
        }
    }

    /** The longest wait for a server to close what a check left it. */
    static final Duration SETTLE_AT_MOST = Duration.ofSeconds(10);

    /** The CPU time the server and its live children have used, in clock ticks (0 when its process is not here). */
    long cpuTicks() {
        if (!local()) {
            return 0;
        }
        // Reaped children's time stays counted (in their parent's cutime), so children ending do not look like idling.
        long ticks = ProcFs.cpuTicks(pid) + ProcFs.reapedTicks(pid);
        for (var child : ProcFs.descendants(pid)) {
            if (!child.zombie()) {
                ticks += ProcFs.cpuTicks(child.pid()) + ProcFs.reapedTicks(child.pid());
            }
        }
        return ticks;
    }

    /** Reads {@code n} bytes within {@code timeout}, longer while the server works, shorter once none can come: {@link Patience}. */
    Peer.Reply patientRead(Peer peer, int n, Duration timeout, java.util.function.Consumer<Duration> slow) throws IOException {
        return patience.read(peer, n, timeout, slow);
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes; returns whether it held. */
    static boolean await(Supplier<Boolean> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            pause(Duration.ofMillis(25));
        }
        return true;
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
