//JAVA 25+
//DEPS org.assertj:assertj-core:3.27.7
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/TestRun.java lib/ProcFs.java lib/Bytes.java lib/Peer.java lib/Launch.java lib/Model.java
//SOURCES lib/Target.java lib/Finding.java lib/Observation.java
//FILES explanations.md=lib/explanations.md

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.MethodOrdererContext;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestReporter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The conformance suite (SPEC §4): checks that a server on a port echoes byte-exact, frames a
 * byte stream, serves clients at once as its model says, gives back every resource, and survives
 * misbehaving clients. Points at a running server, or launches one, and reports to the console,
 * JUnit XML and JSON.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        version = "Echo Kit conformance suite 1",
        description = {"Checks an echo server against SPEC §2-§4: echo, framing, concurrency, cleanup, robustness.",
                "Point it at a running server (--port) or let it start one (--launch)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every selected check passed", "1:one or more checks failed",
                        "2:bad usage, or no server could be reached"},
        footerHeading = "%nExamples:%n",
        footer = {"  ./jbang tests/Conformance.java --port 8888",
                "  ./jbang tests/Conformance.java --launch './jbang solutions/ThreadPool.java' --model thread-pool",
                "  ./jbang tests/Conformance.java --launch './jbang solutions/SingleThreaded.java' --raw --junit-xml build/report.xml",
                "",
                "Timeouts scale with the environment variable ECHO_KIT_TIMEOUT_SCALE (for example 3 on a slow machine)."})
public class Conformance implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", description = "Port of the server to check (with --launch: passed to it; default: 0, a free one).")
    Integer port;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST", description = "Host of the server (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--model", defaultValue = "auto", paramLabel = "MODEL",
            description = "auto, single-threaded, multi-process, multi-threaded, thread-pool, event-loop or virtual-threads: "
                    + "the model the server must show. auto: the one its ready line claims, or, given only a port, "
                    + "whatever is observed (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--prefix", paramLabel = "TEXT", description = "The server's line prefix (default: 'server echo# ').")
    String prefix;

    @Option(names = "--raw", description = "The server runs in raw mode: run the raw.* checks instead of the line checks.")
    boolean raw;

    @Option(names = "--workers", paramLabel = "N", description = "The thread pool's workers (default: read from the ready line).")
    Integer workers;

    @Option(names = "--max-line", paramLabel = "BYTES", description = "The server's --max-line (default: 65536).")
    Integer maxLine;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "The server's --idle-timeout (default: the ready line's, else off): limits.idle-timeout checks it.")
    Integer idleTimeout;

    @Option(names = "--soak", paramLabel = "SECONDS", defaultValue = "0",
            description = "Run soak.mix for this long: a mix of good and misbehaving clients, every byte checked (default: off).")
    int soak;

    @Option(names = "--pid", paramLabel = "PID", description = "The server's process (default: found from its listening socket).")
    Long pid;

    @Option(names = "--launch", paramLabel = "COMMAND",
            description = "Start the server with this shell command, adding --port and the options above it lacks; "
                    + "read its ready line; stop it at the end (SIGTERM, then its whole process tree).")
    String launch;

    @Option(names = "--only", split = ",", paramLabel = "GLOB", description = "Run only the checks whose id matches, e.g. 'echo.*,framing.split'.")
    List<String> only = new ArrayList<>();

    @Option(names = "--skip", split = ",", paramLabel = "GLOB", description = "Skip the checks whose id matches.")
    List<String> skip = new ArrayList<>();

    @Option(names = "--timeout", defaultValue = "3", paramLabel = "SECONDS",
            description = "How long a reply may take before the check fails (default: ${DEFAULT-VALUE}).")
    double timeout;

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Write a JUnit XML report.")
    Path junitXml;

    @Option(names = "--json", paramLabel = "FILE", description = "Write a JSON report.")
    Path json;

    @Option(names = "--list", description = "List the checks, with their ids and rules, and exit.")
    boolean list;

    @Option(names = "--explain", paramLabel = "ID", description = "Say what check ID asks, why it matters and how to fix a failure of it, and exit.")
    String explain;

    @Option(names = "--verbose", description = "Add to each failure the byte trace of the exchange: what was sent and received, when.")
    boolean verbose;

    public static void main(String[] args) {
        var commandLine = new CommandLine(new Conformance());
        // A failure of the suite itself is said in one line, exit 2, never as a stack trace.
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            System.err.println("error: the suite failed: " + TestRun.describe(e));
            return 2;
        });
        System.exit(commandLine.execute(args));
    }

    static Optional<String> idOf(Method method) {
        return Optional.ofNullable(method.getAnnotation(Checks.Check.class)).map(Checks.Check::value);
    }

    @Override
    public Integer call() throws Exception {
        if (list) {
            Checks.all().forEach((id, rule) -> System.out.printf("%-26s %s%n", id, rule));
            return 0;
        }
        if (explain != null) {
            var rule = Checks.all().get(explain);
            var text = Explanations.of(explain);
            if (rule == null || text.isEmpty()) {
                System.err.println("error: no check has the id '" + explain + "' (--list shows them)");
                return 2;
            }
            System.out.printf("%s: %s%n%n%s%n", explain, rule, text.get());
            return 0;
        }
        Peer.tracing = verbose;
        var claimed = Model.of(model);
        if (claimed.isEmpty() && !model.equals("auto")) {
            System.err.println("error: unknown --model '" + model + "'; one of: auto, " + String.join(", ", Model.labels()));
            return 2;
        }
        var timeouts = Target.Timeouts.of(timeout);
        var settings = new Target.Settings(host, port == null ? 0 : port, prefix, raw, maxLine, workers, idleTimeout,
                claimed.orElse(null));
        Launch launched = null;
        try {
            if (launch != null) {
                launched = Launch.start(launch, settings.launchOptions(launch), timeouts.ready());
                if (launched.ready() == null) {
                    System.err.println(launched.whyNotReady());
                    return 2;
                }
            } else if (port == null) {
                System.err.println("error: give the server's --port, or --launch 'COMMAND' to start one (--help)");
                return 2;
            }
            var target = Target.resolve(settings, launched, pid, timeouts);
            var unreachable = target.reachable();
            if (unreachable.isPresent()) {
                System.err.println("error: " + unreachable.get());
                return 2;
            }
            Checks.target = target;
            Checks.soakSeconds = soak;
            System.out.println(target.describe());
            if (target.claimed() == null) {
                System.out.println("observed  " + target.observe().describe());
            }
            var run = new TestRun(Conformance::idOf, System.out);
            var outcomes = run.run(List.of(Checks.class), Map.of(
                    "junit.jupiter.execution.timeout.default", timeouts.checkBound().toSeconds() + " s",
                    "junit.jupiter.execution.timeout.thread.mode.default", "SEPARATE_THREAD"), selector());
            var modelName = target.claimed() != null ? target.claimed().label : target.observe().modelName();
            var server = new LinkedHashMap<String, Object>();
            server.put("address", target.hostPort());
            server.put("pid", target.pid());
            server.put("mode", target.raw() ? "raw" : "line");
            server.put("model", modelName);
            if (launched != null) {
                server.put("launch", launched.command());
            }
            if (junitXml != null) {
                run.writeJUnitXml(junitXml, "conformance", outcomes, server);
            }
            if (json != null) {
                TestRun.writeJson(json, outcomes, modelName, Map.of("server", server));
            }
            System.out.println();
            System.out.println(TestRun.summary(outcomes));
            return TestRun.count(outcomes, TestRun.Status.FAILED) > 0 ? 1 : 0;
        } finally {
            if (launched != null) {
                launched.stop();
            }
        }
    }

    private Predicate<String> selector() {
        return TestRun.selection(only, skip);
    }
}

/** What --explain says of each check: lib/explanations.md, sections "## id" (bundled into the script's jar). */
final class Explanations {
    private Explanations() {
    }

    static Optional<String> of(String id) {
        try (var in = Conformance.class.getResourceAsStream("/explanations.md")) {
            if (in == null) {
                return Optional.empty();
            }
            var text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            var start = text.indexOf("\n## " + id + "\n");
            if (start < 0) {
                return Optional.empty();
            }
            var body = text.substring(start + id.length() + 5);
            int end = body.indexOf("\n## ");
            return Optional.of((end < 0 ? body : body.substring(0, end)).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}

/**
 * The checks (SPEC §4.1), grouped as the table groups them; each one bounded in time. A failure
 * says what was observed, the rule, the likely cause and the lesson to reread ({@link Finding}).
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.extension.ExtendWith(Checks.ConnectionFailures.class)
class Checks {

    /** An I/O error that ends a check (the server closed or reset while we sent) is told like any failure. */
    static final class ConnectionFailures implements org.junit.jupiter.api.extension.TestExecutionExceptionHandler {
        @Override
        public void handleTestExecutionException(org.junit.jupiter.api.extension.ExtensionContext context, Throwable e)
                throws Throwable {
            if (!(e instanceof IOException)) {
                throw e;
            }
            throw Finding.observed("the connection failed while the check was still sending or reading: %s: %s",
                            e.getClass().getSimpleName(), e.getMessage())
                    .cause("the server closed the connection (or it was reset) before the exchange was over: its handler "
                            + "ended early (no read loop yet? an exception? see the server log), or it crashed")
                    .lesson(lesson())
                    .error();
        }
    }

    /** A check's stable id (SPEC §4.1): reports key on it, --only and --skip select by it. */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.METHOD)
    @interface Check {
        String value();
    }

    /** The ids in the order of SPEC §4.1, which is also the order they run in. */
    static final List<String> ORDER = List.of(
            "echo.basic", "echo.sequence", "echo.crlf", "echo.empty-line", "echo.binary", "echo.utf8",
            "framing.split", "framing.coalesced", "framing.utf8-split", "framing.partial-at-eof",
            "stream.half-close", "stream.large-line", "stream.bulk", "limits.oversized-line", "limits.backpressure",
            "limits.idle-timeout",
            "raw.basic", "raw.binary", "raw.bulk", "raw.half-close",
            "concurrency.parallel", "concurrency.stalled-peer", "concurrency.model",
            "cleanup.close-wait", "cleanup.fds", "cleanup.threads", "cleanup.zombies", "cleanup.children",
            "robust.reset", "robust.idle", "robust.peer-gone", "robust.flood", "security.log-escaping", "soak.mix",
            "shutdown.sigterm");

    /** Slack for counts that the JVM moves by itself (JIT and GC threads come and go). */
    static final int THREAD_SLACK = 4;
    static final int FD_SLACK = 3;
    /** Refused clients are closed an instant after they are accepted: a flood's peak may catch a few. */
    static final int FLOOD_FD_SLACK = 16;

    static Target target;
    static int soakSeconds;

    /** Every check's id and rule, in order. */
    static Map<String, String> all() {
        var checks = new java.util.TreeMap<String, String>(java.util.Comparator.comparingInt(ORDER::indexOf));
        for (var group : Checks.class.getDeclaredClasses()) {
            for (var method : group.getDeclaredMethods()) {
                var check = method.getAnnotation(Check.class);
                if (check != null) {
                    checks.put(check.value(), method.getAnnotation(DisplayName.class).value());
                }
            }
        }
        return checks;
    }

    /** Runs a group's checks in the order of {@link #ORDER}. */
    static final class SpecOrder implements MethodOrderer {
        @Override
        public void orderMethods(MethodOrdererContext context) {
            context.getMethodDescriptors().sort(java.util.Comparator.comparingInt(
                    d -> d.findAnnotation(Check.class).map(c -> ORDER.indexOf(c.value())).orElse(ORDER.size())));
        }
    }

    @BeforeEach
    void beginCheck(TestInfo info) {
        Finding.rule = info.getDisplayName();
        Finding.launch = target.launch();
        Finding.logMark = target.launch() == null ? 0 : target.launch().stderrMark();
    }

    // ---- Shared steps -------------------------------------------------------------------------

    static void lineMode() {
        assumeFalse(target.raw(), "the server runs in raw mode: the raw.* checks apply instead");
    }

    /** Skips a check whose line is longer than the server's --max-line. */
    static void lineFits(int length) {
        assumeTrue(length <= target.maxLine(), "its line of " + length + " bytes is longer than --max-line " + target.maxLine());
    }

    static void rawMode() {
        assumeTrue(target.raw(), "the server runs in line mode; start it with --raw (and give the suite --raw) for raw.* checks");
    }

    static void needsProcess(String what) {
        assumeTrue(target.local(), "needs the server's process to read " + what
                + " from /proc; it was not found on this machine (--pid gives it)");
    }

    static Model model() {
        return target.model();
    }

    static boolean serial() {
        return model() == Model.SINGLE_THREADED;
    }

    /** The pool's workers: from the ready line or --workers, else the kit's default. */
    static int workers() {
        return target.workers() > 0 ? target.workers() : 16;
    }

    /**
     * How many connections a check makes: each one costs a multi-process server a JVM (about 50 ms
     * of CPU), so that model gets what two cores can spawn in a few seconds.
     */
    static int connections(int usual, int multiProcess) {
        return model() == Model.MULTI_PROCESS ? multiProcess : usual;
    }

    /** How long the replies of {@code clients} new clients may take: a child process per client starts slower. */
    static Duration replyFor(int clients) {
        return model() == Model.MULTI_PROCESS ? reply().plus(Duration.ofMillis(200L * clients)) : reply();
    }

    static String lesson() {
        return model() == null ? Model.ECHO_LESSON : model().lessonRef();
    }

    static Duration reply() {
        return target.timeouts().reply();
    }

    /** How long resources may take to come back: children waiting in the backlog still have to be started and ended. */
    static Duration settle() {
        return model() == Model.MULTI_PROCESS ? target.timeouts().settle().multipliedBy(3) : target.timeouts().settle();
    }

    static Duration quiet() {
        return target.timeouts().quiet();
    }

    /** Reads the reply {@code expected} and fails, explaining the difference, when it is not that. */
    static void expect(Peer peer, String what, byte[] expected) throws IOException {
        expect(peer, what, expected, got -> null);
    }

    /** As above; when the reply is wrong, {@code likelier} may name a likelier cause from the bytes that came, or null. */
    static void expect(Peer peer, String what, byte[] expected, java.util.function.Function<byte[], String> likelier)
            throws IOException {
        var got = peer.read(expected.length, reply());
        if (!Arrays.equals(got.bytes(), expected)) {
            var f = Finding.reply(target, peer, what, expected, got);
            var cause = likelier.apply(got.bytes());
            if (cause != null) {
                f.cause(cause);
            }
            throw f.error();
        }
    }

    /** Sends {@code line} and expects its reply. */
    static void echoes(Peer peer, String what, byte[] line) throws IOException {
        echoes(peer, what, line, got -> null);
    }

    static void echoes(Peer peer, String what, byte[] line, java.util.function.Function<byte[], String> likelier)
            throws IOException {
        peer.send(line);
        expect(peer, what, target.replyTo(line), likelier);
    }

    static void echoes(Peer peer, String what, String line) throws IOException {
        echoes(peer, what, Bytes.of(line));
    }

    /**
     * Sends {@code sent}, half-closes, and expects {@code expected} then end of stream; when the
     * bytes are right but the connection stays open, {@code stayedOpen} is the likely cause.
     */
    static void endsAfter(String what, byte[] sent, byte[] expected, String stayedOpen) throws IOException {
        try (var peer = target.connect()) {
            peer.send(sent);
            peer.halfClose();
            var got = peer.readToEnd(reply(), expected.length + (1 << 20));
            if (!Arrays.equals(got.bytes(), expected) || got.end() != Peer.End.EOF) {
                var f = Finding.reply(target, peer, what, expected, got);
                if (Arrays.equals(got.bytes(), expected) && parentHolds(List.of(peer.localPort())) > 0) {
                    f.cause(PARENT_HOLDS).lesson(Model.MULTI_PROCESS.lessonRef());
                } else if (Arrays.equals(got.bytes(), expected)) {
                    f.cause(stayedOpen);
                } else if (got.bytes().length == 0 && got.end() == Peer.End.EOF) {
                    f.cause("what was owed was dropped: at end of input, write every reply still owed (and a last line "
                            + "without LF), then close");
                } else if (!target.raw() && Arrays.equals(got.bytes(), Bytes.concat(expected, new byte[] {'\n'}))) {
                    f.cause("a LF was added to the last line: println() or readLine()+newline; echo the bytes as they came");
                }
                throw f.error();
            }
        }
    }

    static final String PARENT_HOLDS = "the parent still holds its copy of the connection: when the child ends, the "
            + "socket stays open in the parent. Close it in the parent right after the child is started";

    /** How many of these clients' server-side sockets the server's own process (a multi-process parent) holds. */
    static long parentHolds(Collection<Integer> clientPorts) {
        if (model() != Model.MULTI_PROCESS || !target.local()) {
            return 0;
        }
        var owners = ProcFs.socketOwners();
        return clientPorts.stream().flatMap(p -> target.serverSocket(p).stream())
                .filter(s -> owners.getOrDefault(s.inode(), List.of()).contains(target.pid())).count();
    }

    /** A new client is echoed correctly: the server is still serving. */
    static void stillServes(String after) throws IOException {
        try (var peer = target.connect()) {
            // A multi-process server may still be starting the children of the clients just gone.
            var line = Bytes.of("still serving?\n");
            peer.send(line);
            var expected = target.replyTo(line);
            var got = peer.read(expected.length, replyFor(20));
            if (!Arrays.equals(got.bytes(), expected)) {
                throw Finding.reply(target, peer, "a new client " + after, expected, got).error();
            }
        }
    }

    /** Waits for the server's threads and open files to come back to {@code base}; fails when they do not. */
    static void backToBaseline(Target.Usage base, String after, String cause) {
        if (base == null) {
            return;
        }
        // A pool may start its workers on demand; they stay, and that is no leak.
        int threads = base.threads() + THREAD_SLACK + (model() == Model.THREAD_POOL ? workers() : 0);
        var now = target.awaitUsage(u -> u.threads() <= threads && u.fds() <= base.fds() + FD_SLACK
                && u.zombies() == 0 && u.children() <= base.children(), settle());
        if (now.threads() > threads || now.fds() > base.fds() + FD_SLACK || now.zombies() > 0
                || now.children() > base.children()) {
            throw Finding.observed("%s, the server did not give back its resources within %s", after, Peer.seconds(settle()))
                    .detail("baseline: " + base.describe())
                    .detail("now:      " + now.describe())
                    .cause(cause)
                    .lesson(lesson())
                    .error();
        }
    }

    /** Connects {@code n} clients at once with non-blocking connects; returns those that connected. */
    static List<SocketChannel> connectAll(int n, Duration within) throws IOException {
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

    static final String PARTIAL_WRITE_DROPPED = "replies were lost: a write that took part of the bytes (a non-blocking "
            + "socket may) had the rest dropped instead of kept for later";

    /**
     * Where in {@code expected}, past {@code at}, the {@code observed} bytes (at least 16 of them) are found again:
     * the end of a gap of lost bytes; -1 when they are not (within 8 MiB).
     */
    static int resumesAt(byte[] expected, int at, byte[] observed) {
        int n = Math.min(observed.length, 32);
        if (n < 16) {
            return -1;
        }
        for (int from = at + 1, last = (int) Math.min((long) expected.length - n, at + (8L << 20)); from <= last; from++) {
            if (Arrays.equals(expected, from, from + n, observed, 0, n)) {
                return from;
            }
        }
        return -1;
    }

    /** Bytes 0..n-1 of a deterministic, varied text (no LF). */
    static byte[] filler(int n) {
        var bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) (' ' + 1 + (i * 7) % 94);
        }
        return bytes;
    }

    // ---- The checks ---------------------------------------------------------------------------

    @Nested
    @Order(1)
    @DisplayName("echo: each line comes back as PREFIX + line, byte for byte")
    @TestMethodOrder(SpecOrder.class)
    class Echo {

        @Test
        @Check("echo.basic")
        @DisplayName("hello\\n is answered with PREFIX + hello\\n")
        void basic() throws IOException {
            lineMode();
            try (var peer = target.connect()) {
                echoes(peer, "the reply to \"hello\\n\"", "hello\n");
            }
        }

        @Test
        @Check("echo.sequence")
        @DisplayName("100 lines sent one at a time on one connection are each answered, in order")
        void sequence() throws IOException {
            lineMode();
            try (var peer = target.connect()) {
                for (int i = 1; i <= 100; i++) {
                    echoes(peer, "the reply to line " + i + " of 100", "line %03d of 100\n".formatted(i));
                }
            }
        }

        @Test
        @Check("echo.crlf")
        @DisplayName("hello\\r\\n comes back with its CR")
        void crlf() throws IOException {
            lineMode();
            try (var peer = target.connect()) {
                echoes(peer, "the reply to \"hello\\r\\n\" (as telnet sends it)", "hello\r\n");
            }
        }

        @Test
        @Check("echo.empty-line")
        @DisplayName("an empty line, \\n alone, is answered with PREFIX + \\n")
        void emptyLine() throws IOException {
            lineMode();
            try (var peer = target.connect()) {
                byte first = target.replyTo("\n")[0];
                echoes(peer, "the reply to an empty line", Bytes.of("\n"), got -> got.length == 0 || got[0] != first
                        ? "an empty line is a line too: its reply is PREFIX + \\n. A check like line.isEmpty() or "
                          + "\"length == 1\" that skips it, or a read loop that stops on an empty line, drops it"
                        : null);
                echoes(peer, "the reply to the line after it", "after the empty line\n");
            }
        }

        @Test
        @Check("echo.binary")
        @DisplayName("every byte value but LF inside a line is echoed verbatim: CR, NUL, bytes that are not UTF-8")
        void binary() throws IOException {
            lineMode();
            var bytes = new java.io.ByteArrayOutputStream();
            for (int b = 0; b < 256; b++) {
                if (b != '\n') {
                    bytes.write(b);
                }
            }
            // One line when --max-line allows it, else as many lines as it takes.
            var all = bytes.toByteArray();
            int per = Math.min(all.length, target.maxLine() - 1);
            try (var peer = target.connect()) {
                for (int from = 0; from < all.length; from += per) {
                    var line = Bytes.concat(Arrays.copyOfRange(all, from, Math.min(all.length, from + per)), new byte[] {'\n'});
                    echoes(peer, "the reply to a line holding bytes %02x to %02x (but 0a)".formatted(from, Math.min(255, from + per)), line);
                }
            }
        }

        @Test
        @Check("echo.utf8")
        @DisplayName("multi-byte UTF-8 text is echoed verbatim")
        void utf8() throws IOException {
            lineMode();
            var line = "héllo wörld, ça va? こんにちは ✓ 🦀\n";
            lineFits(Bytes.of(line).length);
            try (var peer = target.connect()) {
                echoes(peer, "the reply to a line of UTF-8 text", line);
            }
        }
    }

    @Nested
    @Order(2)
    @DisplayName("framing: TCP is a byte stream; replies never depend on how the bytes were split")
    @TestMethodOrder(SpecOrder.class)
    class Framing {

        @Test
        @Check("framing.split")
        @DisplayName("one line written a byte at a time, with pauses, gets exactly one reply, once its LF arrives")
        void split() throws IOException {
            lineMode();
            var line = Bytes.of("one byte at a time\n");
            try (var peer = target.connect()) {
                for (int i = 0; i < line.length - 1; i++) {
                    peer.send(new byte[] {line[i]});
                    Target.pause(Duration.ofMillis(10));
                }
                var early = peer.quiet(Duration.ofMillis(300));
                if (early.bytes().length > 0) {
                    throw Finding.observed("%s came back before the line's LF was sent", Bytes.text(early.bytes()))
                            .detail("sent so far: " + Bytes.text(Arrays.copyOf(line, line.length - 1)) + ", one byte per write, 10 ms apart")
                            .cause("the server answers each read instead of each line: it must keep the bytes until the LF "
                                    + "arrives, then write PREFIX + the whole line once")
                            .lesson(Model.ECHO_LESSON)
                            .error();
                }
                peer.send(new byte[] {'\n'});
                expect(peer, "the reply once the LF was sent", target.replyTo(line));
                var extra = peer.quiet(Duration.ofMillis(200));
                if (extra.bytes().length > 0) {
                    throw Finding.observed("more than one reply: after the expected one came %s", Bytes.text(extra.bytes()))
                            .cause("the server writes something per read; one line gets one reply")
                            .lesson(Model.ECHO_LESSON)
                            .error();
                }
            }
        }

        @Test
        @Check("framing.coalesced")
        @DisplayName("50 lines in one write get 50 replies, in order")
        void coalesced() throws IOException {
            lineMode();
            var lines = new java.io.ByteArrayOutputStream();
            var replies = new java.io.ByteArrayOutputStream();
            for (int i = 1; i <= 50; i++) {
                var line = Bytes.of("coalesced %02d\n".formatted(i));
                lines.writeBytes(line);
                replies.writeBytes(target.replyTo(line));
            }
            try (var peer = target.connect()) {
                peer.send(lines.toByteArray());
                expect(peer, "the replies to 50 lines sent in one write", replies.toByteArray());
            }
        }

        @Test
        @Check("framing.utf8-split")
        @DisplayName("a character whose bytes are split across two writes comes back whole")
        void utf8Split() throws IOException {
            lineMode();
            var line = Bytes.of("café ☕\n");
            int cut = 4;          // inside é (c3 a9)
            int cut2 = 8;         // inside ☕ (e2 98 95)
            try (var peer = target.connect()) {
                peer.send(Arrays.copyOfRange(line, 0, cut));
                Target.pause(Duration.ofMillis(100));
                peer.send(Arrays.copyOfRange(line, cut, cut2));
                Target.pause(Duration.ofMillis(100));
                peer.send(Arrays.copyOfRange(line, cut2, line.length));
                expect(peer, "the reply to \"café ☕\\n\" sent in three writes cut inside é and inside ☕", target.replyTo(line));
            }
        }

        @Test
        @Check("framing.partial-at-eof")
        @DisplayName("abc then half-close: PREFIX + abc comes back, then end of stream")
        void partialAtEof() throws IOException {
            lineMode();
            endsAfter("after \"abc\" and a half-close", Bytes.of("abc"), target.replyTo("abc"),
                    "the reply came, but the connection stayed open: at end of input (read() returns -1) the server "
                            + "writes what it owes and closes the socket");
        }
    }

    @Nested
    @Order(3)
    @DisplayName("stream: half-close, long lines and bulk data")
    @TestMethodOrder(SpecOrder.class)
    class Stream {

        @Test
        @Check("stream.half-close")
        @DisplayName("lines then half-close: every reply arrives, then the server closes")
        void halfClose() throws IOException {
            lineMode();
            endsAfter("after three lines and a half-close", Bytes.of("one\ntwo\nthree\n"),
                    Bytes.concat(target.replyTo("one\n"), target.replyTo("two\n"), target.replyTo("three\n")),
                    "every reply came, but the server never closed the connection: when read() returns -1 the loop "
                            + "must end and the socket be closed, or the client waits forever");
        }

        @Test
        @Check("stream.large-line")
        @DisplayName("a line of --max-line bytes, LF included, is echoed intact")
        void largeLine() throws IOException {
            lineMode();
            var line = Bytes.concat(filler(target.maxLine() - 1), new byte[] {'\n'});
            try (var peer = target.connect()) {
                echoes(peer, "the reply to a line of " + line.length + " bytes", line,
                        got -> !target.raw() && Finding.count(got, target.prefix()) > 1
                                ? "the line came back cut into pieces, each with its own PREFIX: the server takes a full "
                                  + "buffer for a line. A line ends at its LF only, and may be as long as --max-line"
                                : null);
            }
        }

        @Test
        @Check("stream.bulk")
        @DisplayName("16 MiB of lines, written while reading: byte-exact, no deadlock")
        void bulk() throws IOException {
            lineMode();
            var random = new Random(862);
            var input = new java.io.ByteArrayOutputStream(16 << 20);
            var expected = new java.io.ByteArrayOutputStream(18 << 20);
            while (input.size() < 16 << 20) {
                var line = Bytes.concat(filler(random.nextInt(Math.min(200, target.maxLine()))), new byte[] {'\n'});
                input.writeBytes(line);
                expected.writeBytes(target.replyTo(line));
            }
            Bulk.run("16 MiB of lines", input.toByteArray(), expected.toByteArray(), random);
        }
    }

    @Nested
    @Order(4)
    @DisplayName("limits: a client cannot make the server hold unbounded memory")
    @TestMethodOrder(SpecOrder.class)
    class Limits {

        @Test
        @Check("limits.oversized-line")
        @DisplayName("more than --max-line bytes without LF: the connection is closed, others are still served")
        void oversizedLine() throws IOException {
            lineMode();
            Peer other = serial() ? null : target.connect();
            try (var peer = target.connect()) {
                if (other != null) {
                    echoes(other, "another client, before the long line", "before\n");
                }
                int size = target.maxLine() + 4096;
                try {
                    peer.send(filler(size));
                } catch (IOException e) {
                    // The server closed while we were still writing: what the rule asks for.
                }
                var got = peer.readToEnd(reply(), 1 << 20);
                if (got.end() == Peer.End.TIMEOUT && target.serverSocket(peer.localPort()).map(ProcFs.TcpSocket::inode).orElse(1L) == 0) {
                    throw Finding.observed("no reply and no close within %s: the connection was never accepted", Peer.seconds(reply()))
                            .detail(target.serverSide(peer.localPort()))
                            .cause("the server has not accepted this connection: the thread that accepts is busy (serving a "
                                    + "client itself?) or gone")
                            .lesson(lesson())
                            .error();
                }
                if (got.end() == Peer.End.TIMEOUT) {
                    // Does the server still read? More bytes either vanish into its buffer or wait unread.
                    peer.send(filler(16384));
                    Target.pause(Duration.ofMillis(200));
                    long unread = target.serverSocket(peer.localPort()).map(ProcFs.TcpSocket::rxQueue).orElse(0L);
                    throw Finding.observed("the connection stayed open %s after %s without LF (--max-line %d), and 16384 more",
                                    Peer.seconds(reply()), Bytes.count(size), target.maxLine())
                            .detail(got.bytes().length > 0 ? "it wrote: " + Bytes.text(got.bytes()) : "")
                            .detail(target.serverSide(peer.localPort()))
                            .cause(unread > 0
                                    ? "the server stopped reading this client (" + Bytes.count(unread) + " left unread) "
                                      + "but did not close the connection: close it once the line is refused"
                                    : "the server keeps buffering a line past --max-line: one client can make it hold any "
                                      + "amount of memory. Once more than --max-line bytes arrive without LF, write "
                                      + "'server error# ...' and close")
                            .lesson(Model.ECHO_LESSON)
                            .error();
                }
                var error = Bytes.of("server error# ");
                if (got.bytes().length > 0 && Arrays.mismatch(got.bytes(), error) < Math.min(error.length, got.bytes().length)) {
                    throw Finding.observed("before closing, the server wrote %s", Bytes.text(got.bytes()))
                            .cause("past --max-line the server may write one line starting with 'server error# ', nothing "
                                    + "else: it must not echo part of the line as if it were complete")
                            .lesson(Model.ECHO_LESSON)
                            .error();
                }
            } finally {
                if (other != null) {
                    try (other) {
                        echoes(other, "another client, after the long line was refused", "after\n");
                    }
                }
            }
            if (other == null) {
                stillServes("after a long line was refused");
            }
        }

        @Test
        @Check("limits.backpressure")
        @DisplayName("a client that sends and never reads cannot make the server buffer without bound: the server stops reading it")
        void backpressure() throws IOException {
            var limit = 128L << 20;
            var line = Bytes.concat(filler(Math.min(1023, target.maxLine() - 1)), new byte[] {'\n'});
            var chunk = ByteBuffer.allocate(64 * 1024);
            while (chunk.remaining() >= line.length) {
                chunk.put(line);
            }
            chunk.flip();
            long rssBefore = target.local() ? ProcFs.rssKiB(target.pid()) : -1;
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
                var side = target.serverSocket(((java.net.InetSocketAddress) channel.getLocalAddress()).getPort());
                assumeFalse(side.map(s -> s.inode() == 0).orElse(false),
                        "the server never accepted this connection, so its buffering cannot be seen (the echo checks say why)");
                long rssAfter = target.local() ? ProcFs.rssKiB(target.pid()) : -1;
                if (sent >= limit) {
                    throw Finding.observed("the server took %d MiB from a client that read none of its replies, and was still taking more",
                                    sent >> 20)
                            .detail(rssBefore > 0 ? "server memory (RSS): %d MiB before, %d MiB after".formatted(rssBefore >> 10, rssAfter >> 10) : "")
                            .cause("the server keeps reading a client while the replies it owes pile up unwritten: past a "
                                    + "bound, stop reading that client (a blocking write does it by itself; an event loop "
                                    + "turns OP_READ off) until its output drains")
                            .lesson(lesson())
                            .error();
                }
            }
        }

        @Test
        @Check("limits.idle-timeout")
        @DisplayName("with --idle-timeout N: a client silent for N seconds is closed, not before")
        void idleTimeout() throws IOException {
            int idle = target.idleTimeout();
            assumeTrue(idle > 0, "the server runs without --idle-timeout (give the suite --idle-timeout N with --launch)");
            try (var peer = target.connect()) {
                echoes(peer, "a client, before it falls silent", "then silence\n");
                long start = System.nanoTime();
                var early = peer.readToEnd(Duration.ofMillis(idle * 800L), 1 << 16);
                if (early.end() != Peer.End.TIMEOUT) {
                    throw Finding.observed("the connection ended %s after the client fell silent, before the %d s of --idle-timeout",
                                    Peer.seconds(Duration.ofNanos(System.nanoTime() - start)), idle)
                            .cause("the idle timeout is shorter than asked: setSoTimeout takes milliseconds (--idle-timeout is seconds)")
                            .lesson(lesson())
                            .error();
                }
                var late = peer.readToEnd(reply().plus(Duration.ofMillis(idle * 200L)), 1 << 16);
                if (late.end() == Peer.End.TIMEOUT) {
                    throw Finding.observed("the client was still connected %s after it fell silent (--idle-timeout %d)",
                                    Peer.seconds(Duration.ofNanos(System.nanoTime() - start)), idle)
                            .detail(target.serverSide(peer.localPort()))
                            .cause(model() == Model.EVENT_LOOP
                                    ? "the loop never closes a silent client: keep each client's last activity, look at it "
                                      + "on every wake-up (select with a timeout), close the silent ones"
                                    : "reads wait for ever: a read timeout (Socket.setSoTimeout) ends a silent client's wait "
                                      + "with SocketTimeoutException; then close it")
                            .lesson(lesson())
                            .error();
                }
            }
        }
    }

    @Nested
    @Order(5)
    @DisplayName("raw: RFC 862, every byte back unchanged")
    @TestMethodOrder(SpecOrder.class)
    class Raw {

        @Test
        @Check("raw.basic")
        @DisplayName("raw mode: hello\\n comes back unchanged, and bytes without LF come back without waiting for one")
        void basic() throws IOException {
            rawMode();
            try (var peer = target.connect()) {
                echoes(peer, "the echo of \"hello\\n\"", "hello\n");
                echoes(peer, "the echo of \"no newline\" (raw mode does not wait for LF)", "no newline");
            }
        }

        @Test
        @Check("raw.binary")
        @DisplayName("raw mode: all 256 byte values come back unchanged and in order")
        void binary() throws IOException {
            rawMode();
            var bytes = new byte[1024];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 37 + i / 256);
            }
            try (var peer = target.connect()) {
                echoes(peer, "the echo of 1024 bytes holding every value 00..ff", bytes);
            }
        }

        @Test
        @Check("raw.bulk")
        @DisplayName("raw mode: 64 MiB written while reading come back byte-exact, without deadlock")
        void bulk() throws IOException {
            rawMode();
            var random = new Random(862);
            var bytes = new byte[64 << 20];
            random.nextBytes(bytes);
            Bulk.run("64 MiB of random bytes", bytes, bytes, random);
        }

        @Test
        @Check("raw.half-close")
        @DisplayName("raw mode: bytes then half-close: all of them come back, then the server closes")
        void halfClose() throws IOException {
            rawMode();
            var bytes = filler(100_000);
            endsAfter("after 100000 bytes and a half-close", bytes, bytes,
                    "every byte came back, but the server never closed the connection: at end of input, write what "
                            + "is left, then close");
        }
    }

    /** Bulk transfer: a writer thread sends while this thread reads and compares, with a progress bound. */
    static final class Bulk {
        private Bulk() {
        }

        static void run(String what, byte[] input, byte[] expected, Random random) throws IOException {
            var peer = target.connect();
            var sent = new java.util.concurrent.atomic.AtomicLong();
            var writeError = new java.util.concurrent.atomic.AtomicReference<IOException>();
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
            try (peer) {
                while (true) {
                    int n;
                    try {
                        peer.socket().setSoTimeout((int) reply().toMillis());
                        n = in.read(buffer, 0, Math.min(buffer.length, Math.max(1, expected.length + 1 - received)));
                    } catch (SocketTimeoutException e) {
                        throw stalled(what, peer, input.length, sent.get(), expected.length, received, writeError.get());
                    } catch (IOException e) {
                        throw Finding.observed("%s: the connection failed after %s of %s came back: %s", what,
                                        Bytes.count(received), Bytes.count(expected.length), e.getMessage())
                                .cause("the server reset the connection mid-stream: it crashed, or closed with input unread")
                                .lesson(Model.ECHO_LESSON)
                                .error();
                    }
                    if (n < 0) {
                        break;
                    }
                    int mismatch = Arrays.mismatch(buffer, 0, n, expected, received, Math.min(expected.length, received + n));
                    if (mismatch >= 0) {
                        int at = received + mismatch;
                        var got = Arrays.copyOfRange(buffer, 0, n);
                        var finding = Finding.observed("%s: the echo differs at byte %d of %d", what, at, expected.length)
                                .detail(Bytes.compare(Arrays.copyOfRange(expected, Math.max(0, at - 32), Math.min(expected.length, at + 32)),
                                        Bytes.concat(Arrays.copyOfRange(expected, Math.max(0, at - 32), at),
                                                Arrays.copyOfRange(got, mismatch, Math.min(n, mismatch + 32)))));
                        int resumed = resumesAt(expected, at, Arrays.copyOfRange(got, mismatch, n));
                        if (resumed > at) {
                            throw finding.detail("bytes %d to %d (%s) are missing: what came next is what was sent from byte %d on"
                                            .formatted(at, resumed - 1, Bytes.count(resumed - at), resumed))
                                    .cause(PARTIAL_WRITE_DROPPED)
                                    .lesson(model() == Model.EVENT_LOOP ? Model.EVENT_LOOP.lessonRef() : Model.ECHO_LESSON)
                                    .error();
                        }
                        throw finding.cause(target.raw()
                                        ? "bytes were changed or reordered: is a buffer reused (or shared) before it was written?"
                                        : "a reply differs under load: lines split across reads (framing), or output dropped on a partial write")
                                .lesson(Model.ECHO_LESSON)
                                .error();
                    }
                    received += n;
                    if (!paused && received > expected.length / 4) {
                        // Stop reading a while, once: the server's writes then fill the socket and come back partial.
                        paused = true;
                        Target.pause(Duration.ofMillis(500));
                    }
                    if (System.nanoTime() > deadline) {
                        throw Finding.observed("%s: only %s of %s came back within %d s", what, Bytes.count(received),
                                        Bytes.count(expected.length), (System.nanoTime() - started) / 1_000_000_000)
                                .cause("the server is very slow on bulk data: tiny reads or writes, or a flush per byte")
                                .lesson(Model.ECHO_LESSON)
                                .error();
                    }
                }
                if (received == 0) {
                    throw Finding.observed("%s: the server closed the connection without echoing anything", what)
                            .cause("the handler ends at once: no read loop, or one that stops at its first read (or an "
                                    + "exception: see the server log)")
                            .lesson(Model.ECHO_LESSON)
                            .error();
                }
                if (received < expected.length) {
                    throw Finding.observed("%s: the server closed after %s of %s had come back", what,
                                    Bytes.count(received), Bytes.count(expected.length))
                            .cause(PARTIAL_WRITE_DROPPED + ", or what was owed was not written before the close")
                            .lesson(model() == Model.EVENT_LOOP ? Model.EVENT_LOOP.lessonRef() : Model.ECHO_LESSON)
                            .error();
                }
            } finally {
                writer.interrupt();
            }
        }

        // What the server has read of what we sent: all of it but what waits in our send queue and its receive queue.
        private static long serverRead(Peer peer, long sent) {
            long ours = ProcFs.tcpSockets().stream().filter(s -> s.local().getPort() == peer.localPort()
                    && s.remote().getPort() == target.port()).mapToLong(ProcFs.TcpSocket::txQueue).findFirst().orElse(0);
            return sent - ours - unread(peer);
        }

        private static long unread(Peer peer) {
            return target.serverSocket(peer.localPort()).map(ProcFs.TcpSocket::rxQueue).orElse(0L);
        }

        private static AssertionError stalled(String what, Peer peer, long toSend, long sent, long toReceive, long received,
                                              IOException writeError) {
            if (target.serverSocket(peer.localPort()).map(ProcFs.TcpSocket::inode).orElse(1L) == 0) {
                return Finding.observed("%s: nothing came back for %s: the connection was never accepted", what, Peer.seconds(reply()))
                        .detail(target.serverSide(peer.localPort()))
                        .cause("the server has not accepted this connection: the thread that accepts is busy (serving a "
                                + "client itself?) or gone")
                        .lesson(lesson())
                        .error();
            }
            return Finding.observed("%s: nothing came back for %s; %s of %s sent, %s of %s received", what,
                            Peer.seconds(reply()), Bytes.count(sent), Bytes.count(toSend), Bytes.count(received), Bytes.count(toReceive))
                    .detail(writeError != null ? "our writes failed: " + writeError.getMessage() : "")
                    .detail(target.serverSide(peer.localPort()))
                    .cause(received == 0 && serverRead(peer, sent) < 64 * 1024
                            ? "the server has not read this client at all (" + Bytes.count(unread(peer)) + " wait unread): "
                              + (target.claimed() == Model.EVENT_LOOP ? "its channel is not registered for OP_READ"
                                 : "no thread serves it")
                            : received == 0
                            ? "deadlock: the server writes nothing back until it has read everything (or until end of input); "
                              + "with both sides' buffers full, neither can move. Write each reply as soon as it is ready"
                            : "the server stopped mid-stream: it stopped reading while its writes were blocked, or it lost "
                              + "output on a partial write and now waits for nothing")
                    .lesson(Model.ECHO_LESSON)
                    .error();
        }
    }

    @Nested
    @Order(6)
    @DisplayName("concurrency: clients are served at once, as the model says")
    @TestMethodOrder(SpecOrder.class)
    class Concurrency {

        @Test
        @Check("concurrency.parallel")
        @DisplayName("16 clients connected at once are all served while all stay open (single-threaded: the second only after the first leaves)")
        void parallel() throws IOException {
            if (serial()) {
                try (var first = target.connect(); var second = target.connect()) {
                    echoes(first, "the first client", "first\n");
                    second.send("second\n");
                    var early = second.quiet(quiet());
                    if (early.bytes().length > 0) {
                        throw Finding.observed("a second client was answered (%s) while the first was still connected",
                                        Bytes.text(early.bytes()))
                                .cause("this server serves clients at once: that is not the single-threaded model "
                                        + "(its one thread serves a client until it leaves)")
                                .lesson(Model.SINGLE_THREADED.lessonRef())
                                .error();
                    }
                    first.close();
                    expect(second, "the second client's reply, once the first left", target.replyTo("second\n"));
                }
                return;
            }
            int n = 16;
            var limit = "";
            if (model() == Model.THREAD_POOL && target.workers() > 0 && target.workers() < n) {
                n = target.workers();
                limit = " (the pool has " + n + " workers)";
            }
            if (target.maxClients() > 0 && target.maxClients() < n) {
                n = target.maxClients();
                limit = " (--max-clients " + n + ")";
            }
            var peers = new ArrayList<Peer>();
            try {
                for (int i = 0; i < n; i++) {
                    peers.add(target.connect());
                }
                for (int i = 0; i < n; i++) {
                    peers.get(i).send("client %d of %d\n".formatted(i + 1, n));
                }
                var unanswered = new ArrayList<Integer>();
                long deadline = System.nanoTime() + replyFor(n).toNanos();
                for (int i = 0; i < n; i++) {
                    var want = target.replyTo("client %d of %d\n".formatted(i + 1, n));
                    var got = peers.get(i).read(want.length, Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
                    if (!Arrays.equals(got.bytes(), want)) {
                        if (got.bytes().length > 0 || got.end() != Peer.End.TIMEOUT) {
                            throw Finding.reply(target, peers.get(i), "client %d of %d".formatted(i + 1, n), want, got).error();
                        }
                        unanswered.add(i + 1);
                    }
                }
                if (!unanswered.isEmpty()) {
                    var first = peers.get(unanswered.get(0) - 1);
                    throw Finding.observed("%d of %d clients connected at once%s were answered; clients %s got nothing within %s",
                                    n - unanswered.size(), n, limit, unanswered, Peer.seconds(replyFor(n)))
                            .detail("client " + unanswered.get(0) + ": " + target.serverSide(first.localPort()))
                            .cause(model() == Model.EVENT_LOOP
                                    ? "the loop serves only " + (n - unanswered.size()) + " of them: new clients not registered "
                                      + "for OP_READ, OP_ACCEPT turned off, or a handler that blocks the loop"
                                    : n - unanswered.size() == 1
                                    ? "the server serves one client at a time: the client is served on the thread that accepts, "
                                      + "instead of being handed to another thread"
                                    : "only " + (n - unanswered.size()) + " clients are served at once: fewer threads than "
                                      + "clients it claims to serve, or an accept loop that waits")
                            .lesson(lesson())
                            .error();
                }
            } finally {
                closeAll(peers);
            }
        }

        @Test
        @Check("concurrency.stalled-peer")
        @DisplayName("a client stalled mid-line does not hold up other clients")
        void stalledPeer() throws IOException {
            assumeFalse(serial(), "the single-threaded model serves one client at a time by design (lesson 1): a stalled client holds it");
            assumeFalse(model() == Model.THREAD_POOL && target.workers() == 1, "a pool of one worker serves one client at a time");
            try (var stalled = target.connect(); var other = target.connect(); var third = target.connect()) {
                stalled.send("stalled mid-");
                echoes(other, "another client, while the first is stalled mid-line", "not held up\n");
                echoes(third, "a third client, while the first is stalled mid-line", "nor me\n");
                stalled.send("line\n");
                expect(stalled, "the stalled client, once its line is complete", target.replyTo("stalled mid-line\n"));
            }
        }

        @Test
        @Check("concurrency.model")
        @DisplayName("what is observed matches the model: serial, a thread per connection, a bounded pool, ...")
        void modelMatches(TestReporter reporter) {
            var seen = target.observe();
            reporter.publishEntry("observed", seen.describe());
            var claimed = target.claimed();
            if (claimed == null) {
                assertThat(seen.kind())
                        .as("the server's model, observed from outside: %s", seen.describe())
                        .isNotEqualTo(Observation.Kind.UNRESPONSIVE);
                return;
            }
            if (!seen.matches(claimed, target.workers())) {
                throw Finding.observed("the server claims %s (%s)%s, but was seen doing: %s", claimed.label, target.claimedBy(),
                                target.workers() > 0 && claimed == Model.THREAD_POOL ? " with workers=" + target.workers() : "",
                                seen.describe())
                        .cause(mismatch(claimed, seen))
                        .lesson(claimed.lessonRef())
                        .error();
            }
        }

        private static String mismatch(Model claimed, Observation seen) {
            return switch (seen.kind()) {
                case SERIAL -> "the server serves one client at a time: the client is served on the accepting thread "
                        + "(echo(client) called in the accept loop) instead of by " + claimed.idea;
                case THREAD_PER_CONNECTION -> "a new thread for every client, without bound: that is the multi-threaded model, "
                        + "not " + claimed.idea;
                case POOL -> claimed == Model.THREAD_POOL
                        ? "the pool serves " + seen.servedAtOnce() + " clients at once, not the " + target.workers() + " workers it announces"
                        : "only " + seen.servedAtOnce() + " clients are served at once and the others wait: threads are limited or reused";
                case FIXED_THREADS -> "every client is served at once without a thread each: an event loop or virtual threads";
                case PROCESS_PER_CONNECTION -> "each client is served by a child process";
                case CONCURRENT -> "clients are served at once";
                case UNRESPONSIVE -> "the server did not answer the probe's clients at all (see the echo checks)";
            };
        }
    }

    @Nested
    @Order(7)
    @DisplayName("cleanup: every connection gives back its socket, its thread, its process")
    @TestMethodOrder(SpecOrder.class)
    class Cleanup {

        @Test
        @Check("cleanup.close-wait")
        @DisplayName("after clients close, no server socket of the port stays in CLOSE_WAIT")
        void closeWait() throws IOException {
            needsProcess("its sockets");
            var ports = new ArrayList<Integer>();
            int n = connections(20, 10);
            for (int i = 0; i < n; i++) {
                try (var peer = target.connect()) {
                    echoes(peer, "client " + (i + 1) + " of " + n, "then I leave\n");
                    ports.add(peer.localPort());
                }
            }
            if (!Target.await(() -> target.closeWait(ports) == 0, target.timeouts().settle())) {
                throw Finding.observed("%d of %d server sockets still in CLOSE_WAIT %s after their clients closed",
                                target.closeWait(ports), n, Peer.seconds(target.timeouts().settle()))
                        .detail("CLOSE_WAIT: the client closed, the server has not: its socket stays open, one fd each")
                        .cause(parentHolds(ports) > 0 ? PARENT_HOLDS
                                : "the server does not close a client's socket once read() returns -1 (end of stream): close "
                                  + "it when the client leaves, also when an exception ends the loop (try-with-resources)")
                        .lesson(parentHolds(ports) > 0 ? Model.MULTI_PROCESS.lessonRef() : Model.ECHO_LESSON)
                        .error();
            }
        }

        @Test
        @Check("cleanup.fds")
        @DisplayName("the open file count of the server (and its children) returns to its baseline after 200 connections (multi-process: 40)")
        void fds() throws IOException {
            needsProcess("its open files");
            try (var warm = target.connect()) {
                echoes(warm, "a first client", "warm up\n");
            }
            var base = target.baseline();
            int total = connections(200, 40);
            int batch = serial() ? 1 : 10;
            var ports = new ArrayList<Integer>();
            for (int done = 0; done < total; done += batch) {
                var peers = new ArrayList<Peer>();
                try {
                    for (int i = 0; i < batch; i++) {
                        peers.add(target.connect());
                    }
                    for (var peer : peers) {
                        echoes(peer, "client " + (done + peers.indexOf(peer) + 1) + " of " + total, "connection\n");
                        ports.add(peer.localPort());
                    }
                } finally {
                    closeAll(peers);
                }
            }
            var now = target.awaitUsage(u -> u.fds() <= base.fds() + FD_SLACK);
            if (now.fds() > base.fds() + FD_SLACK) {
                int leaked = now.fds() - base.fds();
                throw Finding.observed("open files: %d before, %d %s after %d clients left (%+d)", base.fds(), now.fds(),
                                Peer.seconds(target.timeouts().settle()), total, leaked)
                        .detail("by kind, before: " + base.fdKinds() + "; after: " + now.fdKinds())
                        .detail("server sockets of these clients in CLOSE_WAIT: " + target.closeWait(ports))
                        .cause(parentHolds(ports) > 0 ? PARENT_HOLDS : leaked >= total * 9 / 10
                                ? "every connection leaks its socket: close the client socket when the client leaves, also "
                                  + "when an exception ends the loop (try-with-resources)"
                                : "some connections leak their socket: a path (an exception, an early return) skips the close")
                        .lesson(Model.ECHO_LESSON)
                        .error();
            }
        }

        @Test
        @Check("cleanup.threads")
        @DisplayName("the thread count returns to its baseline (thread per connection) or stays bounded (pool, serial, event loop, virtual threads)")
        void threads() throws IOException {
            needsProcess("its threads");
            assumeTrue(model() != Model.MULTI_PROCESS, "the multi-process model's resources are its children: see cleanup.children");
            var base = target.baseline();
            int workers = workers();
            int clients = switch (model()) {
                case SINGLE_THREADED -> 8;
                case THREAD_POOL -> Math.min(2 * workers, workers + Math.max(1, target.queue()));
                case null, default -> target.maxClients() > 0 ? Math.min(16, target.maxClients()) : 16;
            };
            int bound = switch (model()) {
                case THREAD_POOL -> workers;
                case MULTI_THREADED -> clients;
                case null, default -> 0;
            };
            var peers = new ArrayList<Peer>();
            Target.Usage during;
            try {
                for (int i = 0; i < clients; i++) {
                    var peer = target.connect();
                    peers.add(peer);
                    peer.send("hold a thread\n");
                }
                Target.pause(Duration.ofMillis(300));
                during = target.usage();
            } finally {
                closeAll(peers);
            }
            if (model() != Model.MULTI_THREADED && during.threads() > base.threads() + bound + THREAD_SLACK) {
                throw Finding.observed("threads: %d before, %d with %d clients connected (%+d); the bound is %d",
                                base.threads(), during.threads(), clients, during.threads() - base.threads(), bound)
                        .cause(model() == Model.THREAD_POOL
                                ? "more threads than workers: the pool creates threads past --workers (a cached pool, or a "
                                  + "new thread per client next to the pool)"
                                : "threads grow with clients in a model that should not start any per client")
                        .lesson(lesson())
                        .error();
            }
            var now = target.awaitUsage(u -> u.threads() <= base.threads() + bound + THREAD_SLACK
                    && (model() != Model.MULTI_THREADED || u.threads() <= base.threads() + THREAD_SLACK));
            int allowed = model() == Model.MULTI_THREADED ? 0 : bound;
            if (now.threads() > base.threads() + allowed + THREAD_SLACK) {
                throw Finding.observed("threads: %d before, %d with %d clients connected, still %d %s after they left (%+d)",
                                base.threads(), during.threads(), clients, now.threads(),
                                Peer.seconds(target.timeouts().settle()), now.threads() - base.threads())
                        .cause("the thread serving a client does not end when the client leaves: its loop does not stop "
                                + "at end of stream (read() returned -1), or it waits on something else")
                        .lesson(lesson())
                        .error();
            }
        }

        @Test
        @Check("cleanup.zombies")
        @DisplayName("no zombie child is left after its client leaves (multi-process)")
        void zombies() throws IOException {
            assumeTrue(model() == Model.MULTI_PROCESS, "applies to the multi-process model (lesson 2)");
            needsProcess("its children");
            for (int i = 0; i < 10; i++) {
                try (var peer = target.connect()) {
                    echoes(peer, "client " + (i + 1) + " of 10", "then I leave\n");
                }
            }
            var zombies = new ArrayList<Long>();
            Target.await(() -> {
                zombies.clear();
                ProcFs.descendants(target.pid()).stream().filter(ProcFs.ProcessInfo::zombie).forEach(p -> zombies.add(p.pid()));
                return zombies.isEmpty();
            }, target.timeouts().settle());
            if (!zombies.isEmpty()) {
                throw Finding.observed("%d zombie children (state Z, parent %d) %s after their clients left: pids %s",
                                zombies.size(), target.pid(), Peer.seconds(target.timeouts().settle()), zombies)
                        .cause("the server does not reap its children: a child that has exited stays a zombie until its "
                                + "parent waits for it (waitpid)")
                        .lesson(Model.MULTI_PROCESS.lessonRef())
                        .error();
            }
        }

        @Test
        @Check("cleanup.children")
        @DisplayName("each child process exits when its client leaves, and none holds the listening socket (multi-process)")
        void children() throws IOException {
            assumeTrue(model() == Model.MULTI_PROCESS, "applies to the multi-process model (lesson 2)");
            needsProcess("its children");
            var base = target.usage();
            try (var peer = target.connect()) {
                echoes(peer, "a client", "who serves me?\n");
                var holders = ProcFs.listenerOwners(target.port()).stream().filter(p -> p != target.pid()).toList();
                if (!holders.isEmpty()) {
                    throw Finding.observed("the listening socket of port %d is also held by pids %s, children of the server",
                                    target.port(), holders)
                            .cause("the child inherited the listening socket: fds are not close-on-exec by default; close every "
                                    + "fd but the connection in the child (closefrom, or FD_CLOEXEC)")
                            .lesson(Model.MULTI_PROCESS.lessonRef())
                            .error();
                }
            }
            var now = target.awaitUsage(u -> u.children() <= base.children());
            if (now.children() > base.children()) {
                throw Finding.observed("%d child processes before the client, %d %s after it left",
                                base.children(), now.children(), Peer.seconds(target.timeouts().settle()))
                        .cause("the child does not exit when its client leaves: it must end once it has read end of stream "
                                + "and written what it owed")
                        .lesson(Model.MULTI_PROCESS.lessonRef())
                        .error();
            }
        }
    }

    @Nested
    @Order(8)
    @DisplayName("robust: misbehaving clients do not harm the server")
    @TestMethodOrder(SpecOrder.class)
    class Robust {

        @Test
        @Check("robust.reset")
        @DisplayName("clients that reset the connection mid-line do not harm the server")
        void reset() throws IOException {
            var base = target.baseline();
            for (int i = 0; i < 10; i++) {
                var peer = target.connect();
                peer.send("reset mid-li");
                peer.reset();
            }
            for (int i = 0; i < 10; i++) {
                var peer = target.connect();
                peer.send("a whole line, then reset\n");
                peer.reset();
            }
            stillServes("after 20 clients reset their connections");
            backToBaseline(base, "after 20 clients reset their connections",
                    "a reset (IOException: Connection reset) is not handled: the socket is not closed on that path, or the "
                            + "thread that met it ends without giving back what it held");
        }

        @Test
        @Check("robust.idle")
        @DisplayName("clients that connect and send nothing, or close at once, do not harm the server")
        void idle() throws IOException {
            var base = target.baseline();
            int capacity = switch (model()) {
                case THREAD_POOL -> workers() - 1;
                case SINGLE_THREADED -> 10;
                case null, default -> target.maxClients() > 0 ? target.maxClients() - 1 : 10;
            };
            int idleCount = Math.min(10, capacity);
            var idle = new ArrayList<Peer>();
            try {
                for (int i = 0; i < idleCount; i++) {
                    idle.add(target.connect());
                }
                for (int i = 0; i < 10; i++) {
                    target.connect().close();
                }
                if (!serial() && idleCount > 0) {
                    stillServes("while " + idleCount + " idle clients stay connected");
                }
            } finally {
                closeAll(idle);
            }
            stillServes("after idle clients and clients that closed at once");
            backToBaseline(base, "after idle clients left",
                    "a client that sends nothing, or closes before sending, is not handled: read() returning -1 at once "
                            + "must end the loop and close the socket");
        }

        @Test
        @Check("robust.peer-gone")
        @DisplayName("clients that send 1 MiB, read nothing and vanish (reset) while the server writes to them do not harm it")
        void peerGone() throws IOException {
            var base = target.baseline();
            int n = serial() ? 1 : Math.min(5, model() == Model.THREAD_POOL ? workers() : 5);
            var line = Bytes.concat(filler(Math.min(1023, target.maxLine() - 1)), new byte[] {'\n'});
            var peers = new ArrayList<Peer>();
            var writers = new ArrayList<Thread>();
            for (int p = 0; p < n; p++) {
                var peer = target.connect();
                peers.add(peer);
                writers.add(Thread.ofPlatform().daemon().name("peer-gone-writer").start(() -> {
                    try {
                        for (int i = 0; i < 1024; i++) {
                            peer.send(line);
                        }
                    } catch (IOException e) {
                        // The close below ends the writes: expected.
                    }
                }));
            }
            try {
                writers.getFirst().join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // Leave once the replies have stopped coming (the server is blocked writing to a client that does not
            // read), and with a reset: the server's write then fails, whatever its timing.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            for (var peer : peers) {
                for (int last = -1, now = peer.unread(); (now == 0 || now != last) && System.nanoTime() < deadline; ) {
                    Target.pause(Duration.ofMillis(100));
                    last = now;
                    now = peer.unread();
                }
            }
            for (var peer : peers) {
                try {
                    peer.reset();
                } catch (IOException e) {
                    peer.close();
                }
            }
            stillServes("after clients sent 1 MiB and left without reading");
            backToBaseline(base, "after " + n + " clients sent 1 MiB and left without reading",
                    "a write to a client that is gone (IOException: Broken pipe, Connection reset) is not handled: close "
                            + "the socket on that path too");
        }

        @Test
        @Check("robust.flood")
        @DisplayName("500 connections opened at once (multi-process: 64): the server survives, its resources stay under its bounds and return to baseline")
        void flood() throws IOException {
            var base = target.baseline();
            int n = connections(500, 64);
            var channels = connectAll(n, target.timeouts().connect());
            var peak = base;
            try {
                for (int i = 0; i < 5 && base != null; i++) {
                    Target.pause(Duration.ofMillis(200));
                    var u = target.usage();
                    peak = new Target.Usage(Math.max(u.threads(), peak.threads()), Math.max(u.fds(), peak.fds()),
                            Math.max(u.children(), peak.children()), Math.max(u.zombies(), peak.zombies()),
                            u.fds() >= peak.fds() ? u.fdKinds() : peak.fdKinds(),
                            Math.max(u.ownThreads(), peak.ownThreads()), Math.max(u.ownFds(), peak.ownFds()));
                }
            } finally {
                closeAll(channels);
            }
            if (base != null) {
                floodBounds(base, peak, channels.size(), n);
            }
            // Clients still in the backlog are accepted (and end at once) before a new one can be.
            Target.await(() -> target.listenerBacklog() == 0, settle());
            if (base != null) {
                target.awaitUsage(u -> u.children() <= base.children(), settle());
            }
            stillServes("after " + n + " clients connected at once and left");
            backToBaseline(base, "after " + n + " clients connected at once and left",
                    "connections closed while waiting (in the backlog or the queue) are not cleaned up");
        }

        // What the model's bounds allow at the peak of a flood: threads, sockets, children.
        private static void floodBounds(Target.Usage base, Target.Usage peak, int connected, int n) {
            int maxClients = target.maxClients() > 0 ? target.maxClients() : 256;
            int workers = workers();
            var seen = "with %d of %d clients connected at once, ".formatted(connected, n);
            if (model() == Model.MULTI_PROCESS) {
                if (peak.children() > maxClients) {
                    throw Finding.observed(seen + "the server had %d child processes; the bound is %d (--max-clients)",
                                    peak.children(), maxClients)
                            .cause("children are not capped: acquire a slot before accepting, and free it when a child "
                                    + "is reaped, so that past --max-clients new clients wait in the backlog")
                            .lesson(lesson())
                            .error();
                }
                if (peak.ownFds() > base.ownFds() + FLOOD_FD_SLACK) {
                    throw Finding.observed(seen + "the server itself held %d open files, %+d from %d", peak.ownFds(),
                                    peak.ownFds() - base.ownFds(), base.ownFds())
                            .cause("the parent keeps its copy of each connection: close it as soon as the child is started")
                            .lesson(lesson())
                            .error();
                }
                return;
            }
            int socketBound = switch (model()) {
                case SINGLE_THREADED -> 1;
                case MULTI_THREADED, EVENT_LOOP, VIRTUAL_THREADS -> maxClients;
                case THREAD_POOL -> workers + (target.queue() > 0 ? target.queue() : 64);
                case null, default -> n;
            };
            if (peak.fds() > base.fds() + socketBound + FLOOD_FD_SLACK) {
                throw Finding.observed(seen + "open files went from %d to %d (%+d); the bound is %d clients",
                                base.fds(), peak.fds(), peak.fds() - base.fds(), socketBound)
                        .detail("by kind, at the peak: " + peak.fdKinds())
                        .cause(model() == Model.THREAD_POOL
                                ? "the server holds more clients than its workers and queue: the queue is unbounded "
                                  + "(a LinkedBlockingQueue without capacity, Executors.newFixedThreadPool): bound it and "
                                  + "close the client when it is full"
                                : "the server accepts every client at once: accept only while a slot is free (--max-clients)")
                        .lesson(lesson())
                        .error();
            }
            int threadBound = switch (model()) {
                case MULTI_THREADED -> maxClients;
                case THREAD_POOL -> workers;
                case null, default -> 0;
            };
            if (peak.threads() > base.threads() + threadBound + THREAD_SLACK) {
                throw Finding.observed(seen + "threads went from %d to %d (%+d); the bound is %d",
                                base.threads(), peak.threads(), peak.threads() - base.threads(), threadBound)
                        .cause(model() == Model.MULTI_THREADED
                                ? "threads are not capped: acquire a slot (--max-clients) before accepting, so that past it "
                                  + "clients wait in the backlog"
                                : "threads grow with clients: the pool or the loop is not bounded")
                        .lesson(lesson())
                        .error();
            }
        }
    }

    @Nested
    @Order(9)
    @DisplayName("security: nothing a client sends reaches the server's log unescaped")
    @TestMethodOrder(SpecOrder.class)
    class Security {

        @Test
        @Check("security.log-escaping")
        @DisplayName("bytes a client sends (escape sequences, CR, a forged log line) reach the server's log, if at all, escaped")
        void logEscaping() throws IOException {
            var launch = target.launch();
            assumeTrue(launch != null, "needs --launch: the suite reads the log of a server it started");
            long mark = launch.stderrMark();
            var forged = "\u001b[2J\u001b[31mhello\rforged line: server stopping\n";
            try (var peer = target.connect()) {
                if (target.raw()) {
                    echoes(peer, "an echo of terminal escapes and a CR", forged);
                } else {
                    echoes(peer, "the reply to a line of terminal escapes and a CR", forged);
                }
            }
            awaitQuietLog(launch);
            var raw = launch.stderrSince(mark, 1000).stream()
                    .filter(l -> l.chars().anyMatch(c -> c == 0x1b || c == '\r' || (c < 0x20 && c != '\t'))).toList();
            if (!raw.isEmpty()) {
                throw Finding.observed("the server's log holds raw control characters in %d of its lines, e.g. %s", raw.size(),
                                Finding.Sanitize.line(raw.getFirst()))
                        .cause("the server writes a client's bytes to its log as they are: a client can then clear the "
                                + "terminal of whoever reads the log, or forge log lines. Escape control characters, or do "
                                + "not log client data")
                        .lesson(Model.ECHO_LESSON)
                        .error();
            }
        }
    }

    @Nested
    @Order(10)
    @DisplayName("soak: a long mixed load, every byte checked")
    @TestMethodOrder(SpecOrder.class)
    class Soak {

        @Test
        @Check("soak.mix")
        @DisplayName("with --soak S: S seconds of good, resetting, idle, half-closing, oversized and vanishing clients; every byte right, every resource back")
        void mix(TestReporter reporter) throws Exception {
            assumeTrue(soakSeconds > 0, "runs with --soak SECONDS");
            int clients = switch (model()) {
                case SINGLE_THREADED -> 1;
                case MULTI_PROCESS -> 3;
                case THREAD_POOL -> Math.max(1, Math.min(8, workers() - 1));
                case null, default -> 8;
            };
            long seed = System.nanoTime();
            // A short round of the same mix first: what a runtime allocates once, on first use (a virtual
            // thread carrier's I/O poller, a pool's workers), is then in the baseline, not counted as a leak.
            var warmUp = runMix(new SoakMix(seed, Duration.ofSeconds(Math.clamp(soakSeconds / 10, 1, 5))), clients);
            var base = target.baseline();
            long rssBefore = target.local() ? ProcFs.rssKiB(target.pid()) : -1;
            var mix = warmUp.errors().isEmpty() ? runMix(new SoakMix(seed + 1, Duration.ofSeconds(soakSeconds)), clients) : warmUp;
            reporter.publishEntry("soak", mix.summary());
            if (!mix.errors().isEmpty()) {
                throw Finding.observed("%d of %d soak exchanges went wrong (seed %d); the first: %s", mix.errors().size(),
                                mix.total(), seed, mix.errors().peek())
                        .detail(String.join("\n", mix.errors().stream().skip(1).limit(4).toList()))
                        .detail(mix.summary())
                        .cause("under a mixed load the server loses, corrupts or holds bytes: a race between clients "
                                + "(shared buffers?), or a client's misbehaviour harming others")
                        .lesson(lesson())
                        .error();
            }
            target.awaitUsage(u -> base == null || u.children() <= base.children(), settle());
            stillServes("after the soak");
            backToBaseline(base, "after the soak", "some misbehaving client of the mix leaves something behind");
            if (rssBefore > 0) {
                long rssAfter = ProcFs.rssKiB(target.pid());
                long bound = rssBefore + Math.max(256 * 1024, rssBefore / 2);
                if (rssAfter > bound) {
                    throw Finding.observed("the server's memory (RSS) went from %d MiB to %d MiB over the soak", rssBefore >> 10, rssAfter >> 10)
                            .cause("memory grows with the clients served: something per client is kept after it leaves, or "
                                    + "a client's input is buffered without bound")
                            .lesson(lesson())
                            .error();
                }
                reporter.publishEntry("memory", "RSS %d MiB before, %d MiB after".formatted(rssBefore >> 10, rssAfter >> 10));
            }
        }

        private static SoakMix runMix(SoakMix mix, int clients) throws InterruptedException {
            var threads = new ArrayList<Thread>();
            for (int i = 0; i < clients; i++) {
                int id = i;
                threads.add(Thread.ofPlatform().name("soak-" + i).start(() -> mix.run(id)));
            }
            for (var t : threads) {
                t.join(mix.duration().plusSeconds(60));
            }
            return mix;
        }
    }

    /** The soak's clients: each thread picks behaviours at random from its own seed, and checks every byte. */
    static final class SoakMix {
        private final long seed;
        private final Duration length;
        private final long deadline;
        private final java.util.concurrent.ConcurrentLinkedQueue<String> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final Map<String, java.util.concurrent.atomic.LongAdder> counts = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.LongAdder verified = new java.util.concurrent.atomic.LongAdder();

        SoakMix(long seed, Duration length) {
            this.seed = seed;
            this.length = length;
            this.deadline = System.nanoTime() + length.toNanos();
        }

        Duration duration() {
            return length;
        }

        java.util.Queue<String> errors() {
            return errors;
        }

        long total() {
            return counts.values().stream().mapToLong(java.util.concurrent.atomic.LongAdder::sum).sum();
        }

        String summary() {
            return "%d exchanges (%s), %s echoed and checked byte for byte".formatted(total(),
                    new java.util.TreeMap<>(counts).entrySet().stream().map(e -> e.getKey() + " " + e.getValue().sum())
                            .collect(java.util.stream.Collectors.joining(", ")), Bytes.count(verified.sum()));
        }

        void run(int id) {
            var random = new Random(seed + id);
            while (System.nanoTime() < deadline && errors.size() < 5) {
                int pick = random.nextInt(100);
                var kind = pick < 45 ? "good" : pick < 57 ? "half-closing" : pick < 67 ? "resetting" : pick < 77 ? "idle"
                        : pick < 87 && !target.raw() ? "oversized" : "vanishing";
                try {
                    switch (kind) {
                        case "good" -> exchange(random, false);
                        case "half-closing" -> exchange(random, true);
                        case "resetting" -> resetting(random);
                        case "idle" -> idle(random);
                        case "oversized" -> oversized();
                        default -> vanishing();
                    }
                    counts.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.LongAdder()).increment();
                } catch (IOException | RuntimeException e) {
                    errors.add(kind + " client (thread " + id + "): " + e.getMessage());
                }
            }
        }

        // Lines of random bytes, written in random pieces; every reply checked; then a half-close and the end.
        private void exchange(Random random, boolean partialLast) throws IOException {
            var input = new java.io.ByteArrayOutputStream();
            var expected = new java.io.ByteArrayOutputStream();
            int lines = 1 + random.nextInt(20);
            for (int i = 0; i < lines; i++) {
                var line = new byte[random.nextInt(Math.min(300, target.maxLine() - 1))];
                random.nextBytes(line);
                for (int b = 0; b < line.length; b++) {
                    if (line[b] == '\n') {
                        line[b] = 'n';
                    }
                }
                boolean last = i == lines - 1 && partialLast;
                var bytes = last ? line : Bytes.concat(line, new byte[] {'\n'});
                input.writeBytes(bytes);
                expected.writeBytes(target.raw() ? bytes : (bytes.length == 0 ? bytes : target.replyTo(bytes)));
            }
            var sent = input.toByteArray();
            var want = expected.toByteArray();
            try (var peer = target.connect()) {
                for (int at = 0; at < sent.length; ) {
                    int n = Math.min(sent.length - at, 1 + random.nextInt(Math.max(1, sent.length / 3)));
                    peer.send(Arrays.copyOfRange(sent, at, at + n));
                    at += n;
                }
                peer.halfClose();
                var got = peer.readToEnd(replyFor(4).multipliedBy(2), want.length + (1 << 16));
                if (!Arrays.equals(got.bytes(), want) || got.end() != Peer.End.EOF) {
                    throw new IllegalStateException(got.describe() + "; " + Bytes.compare(want, got.bytes()).lines().findFirst().orElse("")
                            + " / " + Bytes.compare(want, got.bytes()).lines().skip(2).findFirst().orElse(""));
                }
                verified.add(want.length);
            }
        }

        private void resetting(Random random) throws IOException {
            var peer = target.connect();
            var bytes = new byte[1 + random.nextInt(200)];
            Arrays.fill(bytes, (byte) 'r');
            peer.send(bytes);
            peer.reset();
        }

        private void idle(Random random) throws IOException {
            try (var peer = target.connect()) {
                Target.pause(Duration.ofMillis(random.nextInt(300)));
            }
        }

        private void oversized() throws IOException {
            try (var peer = target.connect()) {
                try {
                    peer.send(filler(target.maxLine() + 1000));
                } catch (IOException e) {
                    return;
                }
                var got = peer.readToEnd(replyFor(4), 1 << 16);
                if (got.end() == Peer.End.TIMEOUT) {
                    throw new IllegalStateException("a line past --max-line was not refused: " + got.describe());
                }
            }
        }

        // Sends 256 KiB of lines, reads none of the replies, and resets.
        private void vanishing() throws IOException {
            var peer = target.connect();
            var line = Bytes.concat(filler(Math.min(1023, target.maxLine() - 1)), new byte[] {'\n'});
            var writer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; i < 256; i++) {
                        peer.send(line);
                    }
                } catch (IOException e) {
                    // The reset below ends it.
                }
            });
            try {
                writer.join(Duration.ofMillis(500));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            peer.reset();
        }
    }

    @Nested
    @Order(11)
    @DisplayName("shutdown: SIGTERM stops the server cleanly")
    @TestMethodOrder(SpecOrder.class)
    class Shutdown {

        @Test
        @Check("shutdown.sigterm")
        @DisplayName("with --launch: SIGTERM ends the server with status 0 within 5 s, the port can be bound again, no child is left")
        void sigterm() throws IOException, InterruptedException {
            var launch = target.launch();
            assumeTrue(launch != null, "needs --launch: the suite signals only a server it started");
            needsProcess("its process");
            var server = ProcessHandle.of(target.pid()).orElseThrow();
            List<Long> children;
            try (var peer = target.connect()) {
                // A client is connected and mid-exchange: SIGTERM must not wait for it to leave.
                peer.send("before shutdown\n");
                peer.read(target.replyTo("before shutdown\n").length, reply());
                children = ProcFs.descendants(target.pid()).stream().map(ProcFs.ProcessInfo::pid).toList();
                server.destroy();
                var bound = Duration.ofSeconds(5).multipliedBy((long) Math.ceil(target.timeouts().scale()));
                if (!Target.await(() -> !server.isAlive(), bound)) {
                    throw Finding.observed("the server (pid %d) was still running %s after SIGTERM", target.pid(), Peer.seconds(bound))
                            .detail(target.serverSide(peer.localPort()))
                            .cause("SIGTERM does not stop the server: the signal is ignored, or a shutdown hook waits for "
                                    + "threads that never end (a blocked accept or read)")
                            .lesson(Model.ECHO_LESSON)
                            .error();
                }
            }
            var process = launch.process();
            if (process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS) && process.exitValue() != 0) {
                throw Finding.observed("after SIGTERM the server exited with status %d", process.exitValue())
                        .cause(process.exitValue() == 143
                                ? "143 is 128 + 15: the JVM's default for SIGTERM. Handle the signal, close the sockets, then exit 0"
                                : "the server failed while stopping (see the server log)")
                        .lesson(Model.ECHO_LESSON)
                        .error();
            }
            // A zombie is not running: init reaps what the server left unreaped (cleanup.zombies tells of those).
            var left = children.stream().map(ProcFs::process).flatMap(Optional::stream).filter(p -> !p.zombie())
                    .map(ProcFs.ProcessInfo::pid).toList();
            if (!left.isEmpty()) {
                throw Finding.observed("%d child processes outlived the server: pids %s", left.size(), left)
                        .cause("children are not ended when the server stops: signal them on SIGTERM and wait for them")
                        .lesson(Model.MULTI_PROCESS.lessonRef())
                        .error();
            }
            if (!Target.await(() -> canBind(target.address()), Duration.ofSeconds(2))) {
                var holders = ProcFs.listenerOwners(target.port());
                throw Finding.observed("port %d cannot be bound again after the server exited%s", target.port(),
                                holders.isEmpty() ? "" : ": still listened on by pids " + holders)
                        .cause("another process holds the listening socket: a child that inherited it outlives the server")
                        .lesson(Model.MULTI_PROCESS.lessonRef())
                        .error();
            }
        }

        private static boolean canBind(InetSocketAddress address) {
            try (var socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(address);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
