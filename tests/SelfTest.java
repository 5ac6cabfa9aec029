//JAVA 25+
//DEPS org.assertj:assertj-core:3.27.7
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/TestRun.java lib/ProcFs.java lib/Bytes.java lib/Peer.java lib/Launch.java lib/Lessons.java
//SOURCES ../solutions/shared/Framing.java

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kit's own tests: the framing and the /proc readers on their own; the suite's command line
 * and reports; every solution through the suite, line and raw; every broken server in
 * tests/faults failing on the checks that name its defect, and leaving no process behind.
 */
@Command(name = "selftest", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Runs Echo Kit's own tests. Ends with the line 'N passed, M failed'.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every test passed", "1:a test failed", "2:bad usage"})
public class SelfTest implements Callable<Integer> {

    @Option(names = "--only", split = ",", paramLabel = "GLOB", description = "Run only the tests whose name matches, e.g. '*ThreadPool*'.")
    List<String> only = new ArrayList<>();

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Write a JUnit XML report.")
    Path junitXml;

    @Option(names = "--soak", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long each solution's soak runs (default: ${DEFAULT-VALUE}; 0 skips the soaks).")
    int soak;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "Run the selected tests N times (to hunt flaky checks); the summary counts every run.")
    int repeat;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SelfTest()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        Kit.root();
        Tests.soakSeconds = soak;
        var run = new TestRun(m -> Optional.empty(), System.out);
        System.out.println("Echo Kit self-test, in " + Kit.root());
        var outcomes = new ArrayList<TestRun.Outcome>();
        for (int i = 1; i <= repeat; i++) {
            if (repeat > 1) {
                System.out.printf("%nrun %d of %d%n", i, repeat);
            }
            outcomes.addAll(run.run(List.of(Tests.class), Map.of(
                    "junit.jupiter.execution.timeout.default", "15 m",
                    "junit.jupiter.execution.timeout.thread.mode.default", "SEPARATE_THREAD"),
                    TestRun.selection(only, List.of())));
        }
        if (junitXml != null) {
            run.writeJUnitXml(junitXml, "selftest", outcomes, Map.of("root", Kit.root().toString()));
        }
        System.out.println();
        System.out.println(TestRun.summary(outcomes).replaceFirst(", \\d+ skipped$", ""));
        return TestRun.count(outcomes, TestRun.Status.FAILED) > 0 ? 1 : 0;
    }

    /** The kit's files, and a way to run its scripts as a user would: ./jbang FILE ARGS. */
    static final class Kit {
        private static Path root;

        static synchronized Path root() {
            if (root == null) {
                for (var dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                    if (Files.isExecutable(dir.resolve("jbang")) && Files.exists(dir.resolve("tests/Conformance.java"))) {
                        root = dir;
                        return root;
                    }
                }
                throw new IllegalStateException("run the self-test from the kit's folder: ./jbang tests/SelfTest.java");
            }
            return root;
        }

        /** What a finished command did: its status, its output, and how long it took. */
        /** How a run ended; {@code mark} is in the environment of every process it started (MARK=mark). */
        record Result(int status, String output, Duration took, String mark) {
            String tail(int lines) {
                var all = output.lines().toList();
                return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
            }
        }

        /** Runs ./jbang with {@code args} from the kit's folder; ends its whole tree if it runs past {@code bound}. */
        /**
         * Marks the processes of one run, inherited by all they start (a server's children too, even once
         * orphaned): a leftover is found as ours, and another run on the same machine is left alone.
         */
        static final String MARK = "ECHO_KIT_SELFTEST_RUN";

        static Result jbang(Duration bound, String... args) throws IOException, InterruptedException {
            var command = new ArrayList<String>(List.of(root().resolve("jbang").toString()));
            command.addAll(List.of(args));
            var log = Files.createTempFile("echo-kit-selftest", ".log");
            try {
                long start = System.nanoTime();
                var mark = ProcessHandle.current().pid() + "-" + System.nanoTime();
                var builder = new ProcessBuilder(command).directory(root().toFile())
                        .redirectErrorStream(true).redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                builder.environment().put(MARK, mark);
                var process = builder.start();
                if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                    var tree = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
                    tree.forEach(ProcessHandle::destroyForcibly);
                    process.waitFor(5, TimeUnit.SECONDS);
                    return new Result(-1, Files.readString(log) + "\n[self-test: ended after " + bound.toSeconds() + " s]",
                            Duration.ofNanos(System.nanoTime() - start), mark);
                }
                return new Result(process.exitValue(), Files.readString(log), Duration.ofNanos(System.nanoTime() - start), mark);
            } finally {
                Files.deleteIfExists(log);
            }
        }
    }

    /** A finished suite run: its exit status, console output, and its JSON report. */
    record SuiteRun(Kit.Result result, JsonObject report) {

        static SuiteRun of(Duration bound, String... args) throws IOException, InterruptedException {
            var json = Files.createTempFile("echo-kit-report", ".json");
            try {
                var all = new ArrayList<String>(List.of("tests/Conformance.java", "--json", json.toString()));
                all.addAll(List.of(args));
                var result = Kit.jbang(bound, all.toArray(String[]::new));
                var text = Files.readString(json);
                return new SuiteRun(result, text.isBlank() ? null : JsonParser.parseString(text).getAsJsonObject());
            } finally {
                Files.deleteIfExists(json);
            }
        }

        /** The status of check {@code id} ("passed", "failed", "skipped"), or "absent". */
        String status(String id) {
            return check(id).map(c -> c.get("status").getAsString()).orElse("absent");
        }

        String message(String id) {
            return check(id).map(c -> c.get("message").getAsString()).orElse("");
        }

        List<String> ids(String status) {
            if (report == null) {
                return List.of();
            }
            var ids = new ArrayList<String>();
            report.getAsJsonArray("checks").forEach(c -> {
                if (c.getAsJsonObject().get("status").getAsString().equals(status)) {
                    ids.add(c.getAsJsonObject().get("id").getAsString());
                }
            });
            return ids;
        }

        long serverPid() {
            return report == null ? 0 : report.getAsJsonObject("server").get("pid").getAsLong();
        }

        private Optional<JsonObject> check(String id) {
            if (report == null) {
                return Optional.empty();
            }
            for (var c : report.getAsJsonArray("checks")) {
                if (c.getAsJsonObject().get("id").getAsString().equals(id)) {
                    return Optional.of(c.getAsJsonObject());
                }
            }
            return Optional.empty();
        }

        String describe() {
            return "exit status " + result.status() + " after " + result.took().toSeconds() + " s; the suite's output ended with:\n"
                    + result.tail(40);
        }
    }

    /** A broken server of tests/faults and what its header says: the defect and the checks it must fail. */
    record Fault(Path file, String defect, List<String> mustFail, String says, List<String> suite) {

        static List<Fault> all() throws IOException {
            try (var files = Files.list(Kit.root().resolve("tests/faults"))) {
                var faults = new ArrayList<Fault>();
                for (var file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    faults.add(read(file));
                }
                return faults;
            }
        }

        static Fault read(Path file) throws IOException {
            String defect = "";
            String says = "";
            List<String> mustFail = List.of();
            List<String> suite = List.of();
            for (var line : Files.readAllLines(file)) {
                if (line.startsWith("// Fault: ")) {
                    defect = line.substring(10).strip();
                } else if (line.startsWith("// Must fail: ")) {
                    mustFail = List.of(line.substring(14).strip().split("\\s+"));
                } else if (line.startsWith("// Says: ")) {
                    says = line.substring(9).strip();
                } else if (line.startsWith("// Suite: ")) {
                    suite = List.of(line.substring(10).strip().split("\\s+"));
                }
            }
            return new Fault(file, defect, mustFail, says, suite);
        }

        String name() {
            return file.getFileName().toString().replace(".java", "");
        }

        @Override
        public String toString() {
            return name();
        }
    }

    @TestClassOrder(ClassOrderer.OrderAnnotation.class)
    @org.junit.jupiter.api.extension.ExtendWith(TestRun.SelectInvocations.class)
    static class Tests {

        static final Duration SUITE_BOUND = Duration.ofMinutes(4);
        static int soakSeconds = 60;

        /** The check ids of SPEC §4.1, which never change meaning. */
        static final List<String> SPEC_IDS = List.of("echo.basic", "echo.sequence", "echo.crlf", "echo.empty-line", "echo.binary",
                "echo.utf8", "framing.split", "framing.coalesced", "framing.utf8-split", "framing.partial-at-eof",
                "stream.half-close", "stream.large-line", "stream.bulk", "limits.oversized-line", "concurrency.parallel",
                "concurrency.stalled-peer", "concurrency.model", "cleanup.close-wait", "cleanup.fds", "cleanup.threads",
                "cleanup.zombies", "cleanup.children", "robust.reset", "robust.idle", "robust.peer-gone", "robust.flood",
                "raw.basic", "raw.binary", "raw.bulk", "raw.half-close", "shutdown.sigterm");

        @Nested
        @Order(1)
        @DisplayName("framing (solutions/shared/Framing.java)")
        class FramingUnit {

            static final byte[] PREFIX = "server echo# ".getBytes(StandardCharsets.UTF_8);

            // What line mode must answer to the whole input, computed without the framing code.
            static byte[] expected(byte[] input, byte[] prefix) {
                var out = new ByteArrayOutputStream();
                int start = 0;
                for (int i = 0; i < input.length; i++) {
                    if (input[i] == '\n') {
                        out.writeBytes(prefix);
                        out.write(input, start, i + 1 - start);
                        start = i + 1;
                    }
                }
                if (start < input.length) {
                    out.writeBytes(prefix);
                    out.write(input, start, input.length - start);
                }
                return out.toByteArray();
            }

            // Feeds input to a new Lines framing, cut at the given offsets, then ends it.
            static byte[] frame(byte[] input, byte[] prefix, int maxLine, int... cuts) {
                var framing = Framing.of(false, prefix, maxLine);
                var out = new ByteArrayOutputStream();
                int from = 0;
                for (int cut : cuts) {
                    assertThat(framing.read(input, from, cut - from, out)).as("read of bytes %d..%d", from, cut).isTrue();
                    from = cut;
                }
                assertThat(framing.read(input, from, input.length - from, out)).as("read of bytes %d..end", from).isTrue();
                framing.end(out);
                return out.toByteArray();
            }

            @Test
            @DisplayName("framing: a line cut at any byte gets one reply, PREFIX + line")
            void everyCut() {
                var line = "hello, wörld\r\n".getBytes(StandardCharsets.UTF_8);
                for (int cut = 0; cut <= line.length; cut++) {
                    assertThat(frame(line, PREFIX, 65536, cut)).as("cut at byte %d", cut)
                            .isEqualTo(Bytes.concat(PREFIX, line));
                }
            }

            @Test
            @DisplayName("framing: any split of any bytes gives PREFIX + line per line, then PREFIX + rest (seeded, 2000 cases)")
            void randomSplits() {
                long seed = Long.getLong("selftest.seed", System.nanoTime());
                var random = new Random(seed);
                for (int run = 0; run < 2000; run++) {
                    var input = new byte[random.nextInt(300)];
                    random.nextBytes(input);
                    for (int i = 0; i < input.length; i++) {
                        if (random.nextInt(8) == 0) {
                            input[i] = '\n';
                        }
                    }
                    var cuts = random.ints(random.nextInt(6), 0, input.length + 1).sorted().toArray();
                    var prefix = random.nextBoolean() ? PREFIX : new byte[0];
                    assertThat(frame(input, prefix, 65536, cuts))
                            .as("seed %d (rerun with -Dselftest.seed=%d), run %d, input %s, cuts %s", seed, seed, run,
                                    Bytes.text(input), Arrays.toString(cuts))
                            .isEqualTo(expected(input, prefix));
                }
            }

            @Test
            @DisplayName("framing: 50 lines in one read get 50 replies, in order")
            void manyLinesInOneRead() {
                var input = new ByteArrayOutputStream();
                for (int i = 0; i < 50; i++) {
                    input.writeBytes(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                }
                assertThat(frame(input.toByteArray(), PREFIX, 65536)).isEqualTo(expected(input.toByteArray(), PREFIX));
            }

            @Test
            @DisplayName("framing: CR, NUL and bytes that are not UTF-8 are echoed verbatim")
            void verbatim() {
                var line = new byte[] {'a', '\r', 0, (byte) 0xff, (byte) 0xc3, '\r', '\n'};
                assertThat(frame(line, PREFIX, 65536, 3, 5)).isEqualTo(Bytes.concat(PREFIX, line));
            }

            @Test
            @DisplayName("framing: nothing is written for a line until its LF arrives, nor at end when nothing is pending")
            void holdsPartialLines() {
                var framing = Framing.of(false, PREFIX, 65536);
                var out = new ByteArrayOutputStream();
                assertThat(framing.read("abc".getBytes(), 0, 3, out)).isTrue();
                assertThat(out.size()).as("bytes written before the LF").isZero();
                framing.read("\n".getBytes(), 0, 1, out);
                out.reset();
                framing.end(out);
                assertThat(out.size()).as("bytes written at end with no partial line").isZero();
            }

            @Test
            @DisplayName("framing: a line of exactly --max-line bytes passes, one byte more without LF is refused")
            void maxLine() {
                var line = Bytes.concat(new byte[99], new byte[] {'\n'});
                assertThat(frame(line, PREFIX, 100, 10, 50, 99)).isEqualTo(Bytes.concat(PREFIX, line));
                var framing = Framing.of(false, PREFIX, 100);
                var out = new ByteArrayOutputStream();
                assertThat(framing.read(new byte[100], 0, 100, out)).as("100 bytes, no LF, max 100").isTrue();
                assertThat(framing.read(new byte[1], 0, 1, out)).as("the 101st byte without LF").isFalse();
            }

            @Test
            @DisplayName("framing: raw mode gives back every byte at once, and nothing more at end")
            void raw() {
                var framing = Framing.of(true, PREFIX, 10);
                var out = new ByteArrayOutputStream();
                var bytes = new byte[1000];
                new Random(1).nextBytes(bytes);
                assertThat(framing.read(bytes, 0, bytes.length, out)).isTrue();
                framing.end(out);
                assertThat(out.toByteArray()).isEqualTo(bytes);
            }
        }

        @Nested
        @Order(2)
        @DisplayName("/proc readers (tests/lib/ProcFs.java)")
        class ProcFsUnit {

            @Test
            @DisplayName("/proc: a /proc/net/tcp line parses into addresses, state, queues and inode")
            void parsesTcpLine() {
                var s = ProcFs.parseTcpLine("tcp", "   3: 0100007F:22B8 0100007F:D431 08 00000000:00000005 00:00000000 00000000  1000        0 4242 1 0000000000000000 20 4 30 10 -1");
                assertThat(s.local()).isEqualTo(new InetSocketAddress("127.0.0.1", 8888));
                assertThat(s.remote()).isEqualTo(new InetSocketAddress("127.0.0.1", 54321));
                assertThat(s.state()).isEqualTo(ProcFs.TcpState.CLOSE_WAIT);
                assertThat(s.rxQueue()).isEqualTo(5);
                assertThat(s.inode()).isEqualTo(4242);
            }

            @Test
            @DisplayName("/proc: tcp6 addresses parse, and IPv4-mapped ones come out as IPv4")
            void parsesTcp6() throws IOException {
                var mapped = ProcFs.parseEndpoint("0000000000000000FFFF00000100007F:1F90");
                assertThat(mapped).isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080));
                var loopback = ProcFs.parseEndpoint("00000000000000000000000001000000:0050");
                assertThat(loopback.getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
            }

            @Test
            @DisplayName("/proc: a stat line parses, whatever the command name holds")
            void parsesStat() {
                var p = ProcFs.parseStat("1234 (my (odd) name) Z 99 1234 1234 0 -1 4194560");
                assertThat(p.pid()).isEqualTo(1234);
                assertThat(p.comm()).isEqualTo("my (odd) name");
                assertThat(p.zombie()).isTrue();
                assertThat(p.ppid()).isEqualTo(99);
            }

            @Test
            @DisplayName("/proc: a live listener, its owner, a connection's unread bytes and CLOSE_WAIT are seen")
            void liveSockets() throws IOException {
                try (var listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                    int port = listener.getLocalPort();
                    assertThat(ProcFs.listenerOwners(port)).as("owners of our listener").containsExactly(ProcessHandle.current().pid());
                    try (var client = new Socket(InetAddress.getLoopbackAddress(), port); var server = listener.accept()) {
                        client.getOutputStream().write("12345".getBytes());
                        var side = awaitSocket(port, client.getLocalPort(), s -> s.rxQueue() == 5);
                        assertThat(side.state()).isEqualTo(ProcFs.TcpState.ESTABLISHED);
                        assertThat(side.rxQueue()).as("bytes the server has not read").isEqualTo(5);
                        client.close();
                        var closed = awaitSocket(port, client.getLocalPort(), s -> s.state() == ProcFs.TcpState.CLOSE_WAIT);
                        assertThat(closed.state()).isEqualTo(ProcFs.TcpState.CLOSE_WAIT);
                        assertThat(ProcFs.socketOwners().get(closed.inode())).containsExactly(ProcessHandle.current().pid());
                    }
                }
            }

            private ProcFs.TcpSocket awaitSocket(int port, int clientPort, java.util.function.Predicate<ProcFs.TcpSocket> ready) {
                ProcFs.TcpSocket last = null;
                for (int i = 0; i < 100; i++) {
                    last = ProcFs.tcpSockets(port).stream().filter(s -> s.remote().getPort() == clientPort).findFirst().orElse(null);
                    if (last != null && ready.test(last)) {
                        return last;
                    }
                    sleep(20);
                }
                return last;
            }

            private static long awaitThreadsNamed(long pid, String name, long expected) throws InterruptedException {
                long seen = -1;
                for (int i = 0; i < 100 && seen != expected; i++) {
                    if (i > 0) {
                        Thread.sleep(20);
                    }
                    seen = ProcFs.threadNames(pid).stream().filter(name::equals).count();
                }
                return seen;
            }

            @Test
            @DisplayName("/proc: threads and open files of a process are counted as they change")
            void counts() throws IOException, InterruptedException {
                // Other threads of this JVM (JIT, GC, reapers) come and go, so count only what this test owns,
                // by a name of its own. The kernel sees a thread's name a moment after start() and its end a
                // moment after join(): poll, within a bound.
                long self = ProcessHandle.current().pid();
                var name = "probe-" + ProcessHandle.current().pid() % 1000 + "-" + System.nanoTime() % 1000;
                var latch = new java.util.concurrent.CountDownLatch(1);
                var probes = new ArrayList<Thread>();
                try {
                    for (int i = 0; i < 3; i++) {
                        probes.add(Thread.ofPlatform().name(name).start(() -> {
                            try {
                                latch.await();
                            } catch (InterruptedException ignored) {
                                Thread.currentThread().interrupt();
                            }
                        }));
                    }
                    assertThat(awaitThreadsNamed(self, name, 3)).as("threads named %s with 3 started", name).isEqualTo(3);
                    assertThat(ProcFs.threads(self)).as("threads with 3 probes started").isGreaterThanOrEqualTo(4);
                } finally {
                    latch.countDown();
                    for (var probe : probes) {
                        probe.join(Duration.ofSeconds(5));
                    }
                }
                assertThat(awaitThreadsNamed(self, name, 0)).as("threads named %s once they ended", name).isZero();
                // A count of fds is exact only between two reads that nothing else disturbs: allow a few tries.
                int before = -1;
                int during = -1;
                for (int attempt = 0; attempt < 5 && during != before + 1; attempt++) {
                    before = ProcFs.fds(self);
                    try (var file = Files.newInputStream(Kit.root().resolve("tests/SelfTest.java"))) {
                        during = ProcFs.fds(self);
                        assertThat(ProcFs.fdKinds(self)).containsKey("file");
                    }
                }
                assertThat(during).as("fds with one more file open (before: %d)", before).isEqualTo(before + 1);
            }

            @Test
            @DisplayName("/proc: children, grandchildren and zombies are found")
            void processTree() throws IOException, InterruptedException {
                // bash runs a short sleep in the background, then becomes a long sleep that never reaps it: a zombie.
                var process = new ProcessBuilder("bash", "-c", "sleep 0.1 & exec sleep 30").start();
                try {
                    long self = ProcessHandle.current().pid();
                    ProcFs.ProcessInfo zombie = null;
                    for (int i = 0; i < 100 && zombie == null; i++) {
                        sleep(30);
                        zombie = ProcFs.descendants(self).stream().filter(ProcFs.ProcessInfo::zombie).findFirst().orElse(null);
                    }
                    assertThat(ProcFs.children(self)).extracting(ProcFs.ProcessInfo::pid).contains(process.pid());
                    assertThat(zombie).as("the unreaped child of the long sleep").isNotNull();
                    assertThat(zombie.ppid()).isEqualTo(process.pid());
                } finally {
                    process.destroyForcibly();
                    process.waitFor();
                }
            }

            private static void sleep(long millis) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Nested
        @Order(3)
        @DisplayName("the suite's command line and reports (tests/Conformance.java)")
        class SuiteCli {

            @Test
            @DisplayName("suite: --list shows every check id of SPEC §4.1, and --help the exit codes")
            void listAndHelp() throws Exception {
                var list = Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--list");
                assertThat(list.status()).as(list.output()).isZero();
                var ids = list.output().lines().filter(l -> l.matches("^[a-z]+\\.[a-z0-9-]+ .*")).map(l -> l.split(" ")[0]).toList();
                assertThat(ids).as("the ids --list shows").containsAll(SPEC_IDS).doesNotHaveDuplicates();
                var help = Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--help");
                assertThat(help.status()).isZero();
                assertThat(help.output()).contains("Exit status:", "0   every selected check passed", "2   bad usage");
            }

            @Test
            @DisplayName("suite: --explain says why every check matters and how to fix it; --verbose adds the byte trace")
            void explainAndVerbose() throws Exception {
                var list = Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--list").output().lines()
                        .filter(l -> l.matches("^[a-z]+\\.[a-z0-9-]+ .*")).map(l -> l.split(" ")[0]).toList();
                for (var id : list) {
                    var explain = Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--explain", id);
                    assertThat(explain.status()).as("--explain %s: %s", id, explain.output()).isZero();
                    assertThat(explain.output()).as("--explain %s", id).contains("Why it matters:", "How to fix a failure:", "Lesson:");
                }
                assertThat(Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--explain", "echo.nothing").status()).isEqualTo(2);
                var verbose = SuiteRun.of(SUITE_BOUND, "--launch", "./jbang tests/faults/PrefixPerRead.java", "--only", "framing.coalesced",
                        "--verbose");
                assertThat(verbose.message("framing.coalesced")).contains("byte trace of client port", "-> ", "<- ");
            }

            @Test
            @DisplayName("catalog: every alias of jbang-catalog.json resolves to a script of the kit")
            void catalog() throws Exception {
                var catalog = JsonParser.parseString(Files.readString(Kit.root().resolve("jbang-catalog.json"))).getAsJsonObject();
                var aliases = catalog.getAsJsonObject("aliases");
                assertThat(aliases.keySet()).contains("single-threaded", "multi-process", "multi-threaded", "thread-pool", "event-loop",
                        "virtual-threads", "conformance", "check", "telnet", "netstat", "selftest", "lesson-1", "lesson-2", "lesson-3",
                        "lesson-4", "lesson-5", "lesson-6");
                for (var alias : aliases.entrySet()) {
                    var ref = alias.getValue().getAsJsonObject().get("script-ref").getAsString();
                    assertThat(Kit.root().resolve(ref)).as("script of alias %s", alias.getKey()).isRegularFile();
                    assertThat(alias.getValue().getAsJsonObject().has("description")).as("description of %s", alias.getKey()).isTrue();
                }
                var listed = Kit.jbang(SUITE_BOUND, "alias", "list");
                assertThat(listed.output()).as("./jbang alias list").contains(aliases.keySet().toArray(String[]::new));
                var viaAlias = Kit.jbang(SUITE_BOUND, "conformance", "--list");
                assertThat(viaAlias.status()).as(viaAlias.output()).isZero();
                assertThat(viaAlias.output()).contains("echo.basic");
            }

            @Test
            @DisplayName("suite: bad usage, no server on the port, and a launch that fails each exit with 2 and say why")
            void usageErrors() throws Exception {
                var bogus = Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--bogus");
                assertThat(bogus.status()).as(bogus.output()).isEqualTo(2);
                var model = Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--port", "1", "--model", "fork-bomb");
                assertThat(model.status()).as(model.output()).isEqualTo(2);
                assertThat(model.output()).contains("unknown --model");
                int free;
                try (var s = new ServerSocket(0)) {
                    free = s.getLocalPort();
                }
                var nobody = Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--port", Integer.toString(free));
                assertThat(nobody.status()).as(nobody.output()).isEqualTo(2);
                assertThat(nobody.output()).contains("no server could be reached");
                var failing = Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--launch", "bash -c 'echo starting; exit 3' server");
                assertThat(failing.status()).as(failing.output()).isEqualTo(2);
                assertThat(failing.output()).contains("exited with status 3 before printing its ready line", "starting");
            }

            @Test
            @DisplayName("suite: the JSON and JUnit XML reports hold every selected check, by id, with the summary line last")
            void reports() throws Exception {
                var xml = Files.createTempFile("echo-kit", ".xml");
                try {
                    var run = SuiteRun.of(SUITE_BOUND, "--launch", "./jbang solutions/SingleThreaded.java",
                            "--only", "echo.*,framing.split", "--junit-xml", xml.toString());
                    assertThat(run.result().status()).as(run.describe()).isZero();
                    assertThat(run.result().output().strip().lines().reduce((a, b) -> b).orElse("")).isEqualTo("7 passed, 0 failed");
                    assertThat(run.report().get("passed").getAsInt()).isEqualTo(7);
                    assertThat(run.report().get("failed").getAsInt()).isZero();
                    assertThat(run.report().get("model").getAsString()).isEqualTo("single-threaded");
                    assertThat(run.ids("passed")).containsExactly("echo.basic", "echo.sequence", "echo.crlf", "echo.empty-line",
                            "echo.binary", "echo.utf8", "framing.split");
                    var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
                    var cases = doc.getElementsByTagName("testcase");
                    assertThat(cases.getLength()).isEqualTo(7);
                    assertThat(cases.item(0).getAttributes().getNamedItem("name").getNodeValue()).isEqualTo("echo.basic");
                    assertThat(doc.getDocumentElement().getAttribute("failures")).isEqualTo("0");
                } finally {
                    Files.deleteIfExists(xml);
                }
            }
        }

        @Nested
        @Order(4)
        @DisplayName("each solution passes the whole suite through --launch")
        class Solutions {

            /** A solution run in one mode. */
            record Solution(String file, String model, boolean raw) {
                @Override
                public String toString() {
                    return "solutions/%s.java passes as %s, %s mode".formatted(file, model, raw ? "raw" : "line");
                }
            }

            static Stream<Solution> solutions() {
                return Stream.of("SingleThreaded:single-threaded", "MultiProcess:multi-process", "MultiThreaded:multi-threaded",
                                "ThreadPool:thread-pool", "EventLoop:event-loop", "VirtualThreads:virtual-threads")
                        .flatMap(s -> Stream.of(false, true).map(raw -> new Solution(s.split(":")[0], s.split(":")[1], raw)));
            }

            @ParameterizedTest(name = "{0}", quoteTextArguments = false)
            @DisplayName("solutions pass the suite")
            @MethodSource("solutions")
            void passes(Solution solution) throws Exception {
                var args = new ArrayList<>(List.of("--launch", "./jbang solutions/" + solution.file() + ".java",
                        "--model", solution.model()));
                String mode = solution.raw() ? "raw" : "line";
                if (solution.raw()) {
                    args.add("--raw");
                }
                var run = SuiteRun.of(SUITE_BOUND, args.toArray(String[]::new));
                assertThat(run.result().status()).as("%s", run.describe()).isZero();
                assertThat(run.ids("failed")).as("failed checks").isEmpty();
                var mustPass = mode.equals("raw")
                        ? List.of("raw.basic", "raw.binary", "raw.bulk", "raw.half-close")
                        : List.of("echo.basic", "framing.split", "stream.bulk", "limits.oversized-line");
                assertThat(run.ids("passed")).as("checks passed").containsAll(mustPass)
                        .contains("concurrency.model", "cleanup.fds", "robust.flood", "shutdown.sigterm");
                assertThat(run.result().took()).as("time for the whole suite, JBang included").isLessThan(Duration.ofSeconds(60));
                assertGone(run);
            }
        }

        @Nested
        @Order(5)
        @DisplayName("limits, soak and security defaults of every solution")
        class Reliability {

            static Stream<String> solutions() {
                return Stream.of("SingleThreaded", "MultiProcess", "MultiThreaded", "ThreadPool", "EventLoop", "VirtualThreads");
            }

            @ParameterizedTest(name = "solutions/{0}.java: under a soak of mixed clients, no byte lost, every resource back", quoteTextArguments = false)
            @DisplayName("soak")
            @MethodSource("solutions")
            void soak(String solution, TestReporter reporter) throws Exception {
                org.junit.jupiter.api.Assumptions.assumeTrue(soakSeconds > 0, "soaks off (--soak 0)");
                var run = SuiteRun.of(Duration.ofSeconds(soakSeconds).plus(SUITE_BOUND), "--launch",
                        "./jbang solutions/" + solution + ".java", "--only", "soak.mix", "--soak", Integer.toString(soakSeconds));
                assertThat(run.result().status()).as("%s", run.describe()).isZero();
                assertThat(run.status("soak.mix")).isEqualTo("passed");
                run.result().output().lines().filter(l -> l.strip().startsWith("soak:") || l.strip().startsWith("memory:"))
                        .forEach(l -> reporter.publishEntry(l.strip().substring(0, l.strip().indexOf(':')), l.strip().substring(l.strip().indexOf(':') + 2)));
                assertGone(run);
            }

            @ParameterizedTest(name = "solutions/{0}.java --idle-timeout 1: a silent client is closed after 1 s, not before", quoteTextArguments = false)
            @DisplayName("idle timeout")
            @MethodSource("solutions")
            void idleTimeout(String solution) throws Exception {
                var run = SuiteRun.of(SUITE_BOUND, "--launch", "./jbang solutions/" + solution + ".java", "--idle-timeout", "1",
                        "--only", "limits.idle-timeout");
                assertThat(run.result().status()).as("%s", run.describe()).isZero();
                assertThat(run.status("limits.idle-timeout")).isEqualTo("passed");
            }

            @ParameterizedTest(name = "solutions/{0}.java listens on the loopback unless --bind says otherwise", quoteTextArguments = false)
            @DisplayName("loopback by default")
            @MethodSource("solutions")
            void loopbackByDefault(String solution) throws Exception {
                try (var launched = Server.start("./jbang solutions/" + solution + ".java --quiet")) {
                    int port = Integer.parseInt(launched.port());
                    var listeners = ProcFs.tcpSockets(port).stream().filter(s -> s.state() == ProcFs.TcpState.LISTEN).toList();
                    assertThat(listeners).as("listening sockets of port %d", port).isNotEmpty()
                            .allMatch(s -> s.local().getAddress().isLoopbackAddress());
                }
            }

            @Test
            @DisplayName("multi-process: a child gets the socket and the options, nothing a client sent (its command line and environment)")
            void childGetsNothingFromTheClient() throws Exception {
                try (var launched = Server.start("./jbang solutions/MultiProcess.java --quiet")) {
                    var address = new InetSocketAddress("127.0.0.1", Integer.parseInt(launched.port()));
                    long server = Long.parseLong(launched.launch().ready().field("pid").orElseThrow());
                    var secret = "CLIENT-SECRET-" + System.nanoTime();
                    try (var peer = Peer.connect(address, Duration.ofSeconds(5))) {
                        peer.send(secret + "\n").read(14 + secret.length() + 1, Duration.ofSeconds(10));
                        var children = ProcFs.children(server);
                        assertThat(children).as("children while a client is connected").isNotEmpty();
                        for (var child : children) {
                            var cmdline = Files.readString(Path.of("/proc", Long.toString(child.pid()), "cmdline"));
                            var environ = Files.readString(Path.of("/proc", Long.toString(child.pid()), "environ"));
                            assertThat(cmdline).as("child %d's command line", child.pid()).doesNotContain(secret).contains("--child");
                            assertThat(environ).as("child %d's environment", child.pid()).doesNotContain(secret);
                        }
                    }
                }
            }

            @Test
            @DisplayName("framing over the network: any split of any bytes into writes gives PREFIX + line per line, then PREFIX + rest (seeded)")
            void randomSplitsOverTheNetwork(TestReporter reporter) throws Exception {
                long seed = Long.getLong("selftest.seed", System.nanoTime());
                var random = new Random(seed);
                for (var solution : List.of("ThreadPool", "EventLoop")) {
                    try (var launched = Server.start("./jbang solutions/" + solution + ".java --quiet")) {
                        var address = new InetSocketAddress("127.0.0.1", Integer.parseInt(launched.port()));
                        for (int run = 0; run < 100; run++) {
                            var input = new byte[random.nextInt(2000)];
                            random.nextBytes(input);
                            for (int i = 0; i < input.length; i++) {
                                if (random.nextInt(16) == 0) {
                                    input[i] = '\n';
                                }
                            }
                            var expected = FramingUnit.expected(input, FramingUnit.PREFIX);
                            try (var peer = Peer.connect(address, Duration.ofSeconds(5))) {
                                for (int at = 0; at < input.length; ) {
                                    int n = Math.min(input.length - at, 1 + random.nextInt(64));
                                    peer.send(Arrays.copyOfRange(input, at, at + n));
                                    at += n;
                                }
                                peer.halfClose();
                                var got = peer.readToEnd(Duration.ofSeconds(10), expected.length + 1024);
                                assertThat(got.bytes()).as("%s, seed %d (rerun with -Dselftest.seed=%d), case %d: %s", solution, seed, seed,
                                        run, got.describe()).isEqualTo(expected);
                            }
                        }
                    }
                }
                reporter.publishEntry("seed", Long.toString(seed));
            }
        }

        @Nested
        @Order(6)
        @DisplayName("the workbook: exercises, hints and ./jbang check")
        class Workbook {

            static Stream<Integer> lessons() {
                return Lessons.ALL.stream().map(Lessons.Lesson::number);
            }

            @Test
            @DisplayName("workbook: every exercise file is what its solution's marked regions make (./jbang tests/MakeExercises.java)")
            void exercisesMatchSolutions() throws Exception {
                for (var lesson : Lessons.ALL) {
                    for (var file : Lessons.generate(Kit.root(), lesson).entrySet()) {
                        var path = lesson.folder(Kit.root()).resolve(file.getKey());
                        assertThat(path).as("lesson %d's %s", lesson.number(), file.getKey()).exists();
                        assertThat(Files.readString(path))
                                .as("%s differs from what its solution makes: edit the solution's marked regions, then run "
                                        + "./jbang tests/MakeExercises.java", Kit.root().relativize(path))
                                .isEqualTo(file.getValue());
                    }
                }
            }

            @Test
            @DisplayName("workbook: every lesson has its text, a hint for each TODO, and hints that name real checks")
            void lessonTextsAndHints() throws Exception {
                var ids = Kit.jbang(SUITE_BOUND, "tests/Conformance.java", "--list").output().lines()
                        .filter(l -> l.matches("^[a-z]+\\.[a-z0-9-]+ .*")).map(l -> l.split(" ")[0]).toList();
                for (var lesson : Lessons.ALL) {
                    var text = lesson.folder(Kit.root()).resolve("README.md");
                    assertThat(text).as("lesson %d's text", lesson.number()).exists();
                    assertThat(Files.readString(text)).as("lesson %d's text", lesson.number())
                            .contains("./jbang check " + lesson.number(), "## Questions");
                    var todos = Lessons.todos(Kit.root(), lesson).stream().map(Lessons.Todo::number).distinct().sorted().toList();
                    var hints = Lessons.hints(lesson.hints(Kit.root()));
                    assertThat(todos).as("lesson %d's TODOs", lesson.number()).isNotEmpty();
                    assertThat(hints).extracting(Lessons.Hint::todo).as("lesson %d's hints", lesson.number())
                            .containsExactlyElementsOf(todos);
                    for (var hint : hints) {
                        assertThat(hint.checks()).as("lesson %d, hint %d: its Checks line", lesson.number(), hint.todo())
                                .isNotEmpty().allMatch(id -> ids.contains(id) || id.startsWith("raw."));
                        assertThat(hint.text()).as("lesson %d, hint %d", lesson.number(), hint.todo()).isNotBlank();
                    }
                }
            }

            @ParameterizedTest(name = "./jbang check {0}: as shipped, lesson {0} fails with exit 1 and says what to do next", quoteTextArguments = false)
            @DisplayName("shipped exercises fail")
            @MethodSource("lessons")
            void shippedFails(int number, TestReporter reporter) throws Exception {
                var lesson = Lessons.lesson(number).orElseThrow();
                var run = Kit.jbang(SUITE_BOUND, "tests/Check.java", Integer.toString(lesson.number()));
                assertThat(run.status()).as("%s", run.tail(30)).isEqualTo(1);
                assertThat(run.output()).as("%s", run.tail(30))
                        .contains("listening on", "model=" + lesson.model(), "Lesson " + lesson.number() + ": ", "fail.",
                                "Next: TODO(1) in exercises/" + lesson.folderName() + "/",
                                "hint: ./jbang check " + lesson.number() + " --hint ");
                reporter.publishEntry("says", run.output().lines().filter(l -> l.startsWith("Lesson ")).reduce((a, b) -> b).orElse(""));
            }

            @ParameterizedTest(name = "./jbang check {0} --solution: with its TODO regions holding the code of the solution, lesson {0} passes", quoteTextArguments = false)
            @DisplayName("solutions pass their lesson")
            @MethodSource("lessons")
            void solutionPasses(int number) throws Exception {
                var lesson = Lessons.lesson(number).orElseThrow();
                var run = Kit.jbang(SUITE_BOUND, "tests/Check.java", Integer.toString(lesson.number()), "--solution");
                assertThat(run.status()).as("%s", run.tail(40)).isZero();
                assertThat(run.output()).contains("Lesson " + lesson.number() + " passes",
                        lesson.number() < Lessons.ALL.size() ? "Next: lesson " + (lesson.number() + 1) : "last lesson");
            }

            @Test
            @DisplayName("check: --hint shows a hint, --list the lessons, bad lessons and hints exit 2")
            void checkOptions() throws Exception {
                var hint = Kit.jbang(SUITE_BOUND, "tests/Check.java", "1", "--hint", "3");
                assertThat(hint.status()).as(hint.output()).isZero();
                assertThat(hint.output()).contains("Lesson 1, TODO(3): split the bytes into lines", "keep(");
                var list = Kit.jbang(SUITE_BOUND, "tests/Check.java", "--list");
                assertThat(list.status()).as(list.output()).isZero();
                assertThat(list.output()).contains("single-threaded", "multi-process", "virtual-threads", "TODOs left");
                assertThat(Kit.jbang(SUITE_BOUND, "tests/Check.java", "9").status()).isEqualTo(2);
                assertThat(Kit.jbang(SUITE_BOUND, "tests/Check.java", "1", "--hint", "9").status()).isEqualTo(2);
            }
        }

        @Nested
        @Order(7)
        @DisplayName("servers under load and with unusual options")
        class Load {

            @Test
            @DisplayName("multi-process: 50 clients at once are all served; then no child, zombie or CLOSE_WAIT socket is left")
            void fiftyChildren(TestReporter reporter) throws Exception {
                var launch = Launch.start("./jbang solutions/MultiProcess.java --quiet --max-clients 50", List.of("--port", "0"),
                        Duration.ofMinutes(3));
                assertThat(launch.ready()).as("%s", launch.ready() == null ? launch.whyNotReady() : "").isNotNull();
                var address = new InetSocketAddress(launch.ready().host(), launch.ready().port());
                long server = Long.parseLong(launch.ready().field("pid").orElseThrow());
                var peers = new ArrayList<Peer>();
                try {
                    for (int i = 0; i < 50; i++) {
                        peers.add(Peer.connect(address, Duration.ofSeconds(5)).send("client " + i + "\n"));
                    }
                    long start = System.nanoTime();
                    for (int i = 0; i < 50; i++) {
                        var want = Bytes.of("server echo# client " + i + "\n");
                        var got = peers.get(i).read(want.length, Duration.ofSeconds(30));
                        assertThat(got.bytes()).as("client %d of 50: %s", i, got.describe()).isEqualTo(want);
                    }
                    assertThat(ProcFs.children(server)).as("children while the 50 clients are connected").hasSize(50);
                    reporter.publishEntry("50 clients answered within", Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
                    peers.forEach(Peer::close);
                    var port = address.getPort();
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (System.nanoTime() < deadline && !(ProcFs.children(server).isEmpty()
                            && ProcFs.tcpSockets(port).stream().noneMatch(s -> s.state() == ProcFs.TcpState.CLOSE_WAIT))) {
                        Thread.sleep(50);
                    }
                    assertThat(ProcFs.children(server)).as("children (zombies included) after the clients left").isEmpty();
                    assertThat(ProcFs.tcpSockets(port)).as("sockets of the port after the clients left")
                            .noneMatch(s -> s.state() == ProcFs.TcpState.CLOSE_WAIT)
                            .allMatch(s -> s.state() == ProcFs.TcpState.LISTEN || s.state() == ProcFs.TcpState.TIME_WAIT);
                } finally {
                    peers.forEach(Peer::close);
                    launch.stop();
                }
            }

            @Test
            @DisplayName("event loop: with 1000 idle clients connected, its thread count and memory stay flat, and it still answers")
            void thousandIdle(TestReporter reporter) throws Exception {
                var launch = Launch.start("./jbang solutions/EventLoop.java --quiet --max-clients 2000", List.of("--port", "0"),
                        Duration.ofMinutes(3));
                assertThat(launch.ready()).as("%s", launch.ready() == null ? launch.whyNotReady() : "").isNotNull();
                var address = new InetSocketAddress(launch.ready().host(), launch.ready().port());
                long server = Long.parseLong(launch.ready().field("pid").orElseThrow());
                var idle = new ArrayList<Peer>();
                try {
                    for (int i = 0; i < 5; i++) {
                        try (var warm = Peer.connect(address, Duration.ofSeconds(5))) {
                            warm.send("warm up\n").read(21, Duration.ofSeconds(5));
                        }
                    }
                    Thread.sleep(500);
                    int threads = ProcFs.threads(server);
                    long rss = ProcFs.rssKiB(server);
                    for (int i = 0; i < 1000; i++) {
                        idle.add(Peer.connect(address, Duration.ofSeconds(5)));
                    }
                    Thread.sleep(1000);
                    try (var peer = Peer.connect(address, Duration.ofSeconds(5))) {
                        var got = peer.send("still there?\n").read(26, Duration.ofSeconds(5));
                        assertThat(got.bytes()).as("a new client's reply: %s", got.describe()).isEqualTo(Bytes.of("server echo# still there?\n"));
                    }
                    int threadsNow = ProcFs.threads(server);
                    long rssNow = ProcFs.rssKiB(server);
                    reporter.publishEntry("with 1000 idle clients", "threads %d -> %d, RSS %d MB -> %d MB"
                            .formatted(threads, threadsNow, rss >> 10, rssNow >> 10));
                    assertThat(threadsNow - threads).as("threads added by 1000 idle clients").isLessThanOrEqualTo(2);
                    assertThat((rssNow - rss) >> 10).as("MB of memory added by 1000 idle clients").isLessThan(32);
                } finally {
                    idle.forEach(Peer::close);
                    launch.stop();
                }
            }

            @Test
            @DisplayName("options: an empty --prefix and a short --max-line reach the server through ./jbang and --launch")
            void unusualOptions() throws Exception {
                var run = SuiteRun.of(SUITE_BOUND, "--launch", "./jbang solutions/ThreadPool.java", "--prefix", "",
                        "--max-line", "100", "--only", "echo.*,framing.*,stream.large-line,limits.*");
                assertThat(run.result().status()).as("%s", run.describe()).isZero();
                assertThat(run.ids("passed")).contains("echo.basic", "stream.large-line", "limits.oversized-line");
                assertThat(run.result().output()).contains("prefix \"\"", "max line 100 bytes");
            }
        }

        @Nested
        @Order(8)
        @DisplayName("the tools: tests/Telnet.java and tests/Netstat.java")
        class Tools {

            static final List<String> SERVERS = List.of("SingleThreaded", "MultiProcess", "MultiThreaded", "ThreadPool",
                    "EventLoop", "VirtualThreads");

            @Test
            @DisplayName("telnet, scripted: against every solution, --send lines print their replies, exit 0")
            void scriptedAgainstEachSolution() throws Exception {
                for (var server : SERVERS) {
                    try (var launched = Server.start("./jbang solutions/" + server + ".java --quiet")) {
                        var run = Kit.jbang(SUITE_BOUND, "tests/Telnet.java", "127.0.0.1", launched.port(),
                                "--send", "hello", "--send", "caf\u00e9 \u2615");
                        assertThat(run.status()).as("%s: %s", server, run.output()).isZero();
                        assertThat(run.output()).as(server).contains("server echo# hello\nserver echo# caf\u00e9 \u2615\n",
                                "Connection closed by foreign host.");
                    }
                }
            }

            @Test
            @DisplayName("telnet, scripted: exit 1 when the server closes early or does not answer, 2 when nothing listens")
            void scriptedFailures() throws Exception {
                try (var launched = Server.start("./jbang solutions/ThreadPool.java --quiet --max-line 4")) {
                    var early = Kit.jbang(SUITE_BOUND, "tests/Telnet.java", "127.0.0.1", launched.port(), "--send", "too long");
                    assertThat(early.status()).as(early.output()).isEqualTo(1);
                    assertThat(early.output()).contains("server error# line longer than 4 bytes", "Connection closed by foreign host.");
                }
                try (var launched = Server.start("./jbang tests/faults/NeverAnswers.java --quiet")) {
                    var silent = Kit.jbang(SUITE_BOUND, "tests/Telnet.java", "127.0.0.1", launched.port(), "--wait", "1", "--send", "hello");
                    assertThat(silent.status()).as(silent.output()).isEqualTo(1);
                    assertThat(silent.output()).contains("no reply to \"hello\" within 1.0 s");
                }
                int free;
                try (var socket = new ServerSocket(0)) {
                    free = socket.getLocalPort();
                }
                var refused = Kit.jbang(SUITE_BOUND, "tests/Telnet.java", "127.0.0.1", Integer.toString(free), "--send", "x");
                assertThat(refused.status()).as(refused.output()).isEqualTo(2);
                assertThat(refused.output()).contains("Unable to connect to remote host");
            }

            @Test
            @DisplayName("telnet, interactive in a real terminal (tmux): a typed line is answered, Ctrl-D ends with the close message")
            void interactiveInTmux() throws Exception {
                boolean tmux = new ProcessBuilder("sh", "-c", "command -v tmux").start().waitFor() == 0;
                if (!tmux) {
                    assertThat(System.getenv("CI")).as("tmux is needed for this test; .ci/run installs it").isNotEqualTo("true");
                    org.junit.jupiter.api.Assumptions.abort("tmux is not installed");
                }
                try (var launched = Server.start("./jbang solutions/ThreadPool.java --quiet")) {
                    var session = "echo-kit-" + ProcessHandle.current().pid();
                    sh("tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "20", "-c", Kit.root().toString(),
                            "./jbang tests/Telnet.java localhost " + launched.port() + "; echo telnet exited with $?; sleep 30");
                    try {
                        awaitPane(session, "Connected to localhost.");
                        sh("tmux", "send-keys", "-t", session, "hello from a terminal", "Enter");
                        awaitPane(session, "server echo# hello from a terminal");
                        sh("tmux", "send-keys", "-t", session, "C-d");
                        var pane = awaitPane(session, "telnet exited with 0");
                        assertThat(pane).containsSubsequence("Trying 127.0.0.1...", "Connected to localhost.",
                                "hello from a terminal", "server echo# hello from a terminal", "Connection closed by foreign host.",
                                "telnet exited with 0");
                    } finally {
                        sh("tmux", "kill-session", "-t", session);
                    }
                }
            }

            @Test
            @DisplayName("netstat: the sockets, states and pids of a server with 10 clients, 4 in CLOSE_WAIT, are those ss -tanp lists")
            void netstatMatchesSs() throws Exception {
                // A server that never closes a client's socket: the 4 clients that leave leave it in CLOSE_WAIT.
                try (var launched = Server.start("./jbang tests/faults/NeverCloses.java --quiet")) {
                    var address = new InetSocketAddress("127.0.0.1", Integer.parseInt(launched.port()));
                    var clients = new ArrayList<Peer>();
                    try {
                        for (int i = 0; i < 10; i++) {
                            clients.add(Peer.connect(address, Duration.ofSeconds(5)).send("client " + i + "\n"));
                            clients.get(i).read(22, Duration.ofSeconds(5));
                        }
                        for (int i = 0; i < 4; i++) {
                            clients.get(i).close();
                        }
                        int port = address.getPort();
                        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                        while (ProcFs.tcpSockets(port).stream().filter(s -> s.state() == ProcFs.TcpState.CLOSE_WAIT).count() < 4
                                && System.nanoTime() < deadline) {
                            Thread.sleep(20);
                        }
                        var netstat = Kit.jbang(SUITE_BOUND, "tests/Netstat.java", "--port", launched.port());
                        var ss = new ProcessBuilder("ss", "-tanp").redirectErrorStream(true).start();
                        var ssOut = new String(ss.getInputStream().readAllBytes());
                        ss.waitFor();
                        var ours = Sockets.fromNetstat(netstat.output(), port);
                        var theirs = Sockets.fromSs(ssOut, port);
                        assertThat(ours).as("netstat's sockets of port %d:%n%s%nss -tanp:%n%s", port, netstat.output(), ssOut)
                                .containsExactlyInAnyOrderElementsOf(theirs);
                        assertThat(ours).as("sockets of the server in CLOSE_WAIT").filteredOn(s -> s.state().equals("CLOSE_WAIT")).hasSize(4);
                        assertThat(ours).as("the server's sockets: a listener and 10 connections")
                                .filteredOn(s -> s.local().endsWith(":" + port)).hasSize(11);
                    } finally {
                        clients.forEach(Peer::close);
                    }
                }
            }

            @Test
            @DisplayName("bench: one cell measures round trips on every connection; a server that never answers serves none; --rate counts connections")
            void benchCell() throws Exception {
                var cell = Kit.jbang(SUITE_BOUND, "tests/Bench.java", "--launch", "./jbang solutions/EventLoop.java --raw --quiet",
                        "--connections", "4", "--size", "64", "--seconds", "1", "--warmup", "0.5");
                assertThat(cell.status()).as(cell.output()).isZero();
                var row = cell.output().lines().filter(l -> l.startsWith("| server | closed-loop | 4 | 64 |")).findFirst().orElseThrow();
                var f = row.split("\\|");
                assertThat(Double.parseDouble(f[5].strip().replace(",", ""))).as("round trips per second: %s", row).isGreaterThan(1000);
                assertThat(f[10].strip()).as("connections served: %s", row).isEqualTo("4");
                var silent = Kit.jbang(SUITE_BOUND, "tests/Bench.java", "--launch", "./jbang tests/faults/NeverAnswers.java --raw --quiet",
                        "--connections", "4", "--seconds", "1", "--warmup", "0.5");
                assertThat(silent.output()).as(silent.output()).contains("| server | closed-loop | 4 | 64 | 0 |", "0 of 4 served");
                var rate = Kit.jbang(SUITE_BOUND, "tests/Bench.java", "--launch", "./jbang solutions/ThreadPool.java --raw --quiet",
                        "--rate", "--seconds", "1", "--warmup", "0.5");
                var rateRow = rate.output().lines().filter(l -> l.startsWith("| server | connections |")).findFirst().orElseThrow();
                assertThat(Double.parseDouble(rateRow.split("\\|")[5].strip().replace(",", ""))).as(rateRow).isGreaterThan(100);
            }

            private static String awaitPane(String session, String text) throws Exception {
                String pane = "";
                for (int i = 0; i < 300; i++) {
                    pane = sh("tmux", "capture-pane", "-p", "-t", session);
                    if (pane.contains(text)) {
                        return pane;
                    }
                    Thread.sleep(100);
                }
                throw new AssertionError("the terminal never showed \"" + text + "\"; it shows:\n" + pane);
            }

            private static String sh(String... command) throws Exception {
                var process = new ProcessBuilder(command).redirectErrorStream(true).start();
                var out = new String(process.getInputStream().readAllBytes());
                process.waitFor(10, TimeUnit.SECONDS);
                return out;
            }
        }

        /** A socket as both tools show it: state, addresses (IPv4-mapped written as IPv4), owning pids. */
        record Sockets(String state, String local, String remote, String pids) {

            static List<Sockets> fromNetstat(String output, int port) {
                return output.lines().filter(l -> l.startsWith("tcp")).map(l -> l.trim().split("\\s+"))
                        .map(f -> new Sockets(f[5], f[3], f[5].equals("LISTEN") ? "*" : f[4],
                                f.length > 6 && !f[6].equals("-") ? f[6].replaceAll("/.*", "") : ""))
                        .filter(s -> s.involves(port)).sorted(java.util.Comparator.comparing(Sockets::toString)).toList();
            }

            static List<Sockets> fromSs(String output, int port) {
                return output.lines().skip(1).map(l -> l.trim().split("\\s+"))
                        .map(f -> new Sockets(state(f[0]), plain(f[3]), f[0].equals("LISTEN") ? "*" : plain(f[4]),
                                f.length > 5 ? String.join(",", java.util.regex.Pattern.compile("pid=(\\d+)").matcher(f[5]).results()
                                        .map(m -> m.group(1)).toList()) : ""))
                        .filter(s -> s.involves(port)).sorted(java.util.Comparator.comparing(Sockets::toString)).toList();
            }

            boolean involves(int port) {
                return local.endsWith(":" + port) || remote.endsWith(":" + port);
            }

            private static String state(String ss) {
                return switch (ss) {
                    case "ESTAB" -> "ESTABLISHED";
                    default -> ss.replace('-', '_').replace("FIN_WAIT_", "FIN_WAIT").replace("SYN_RECV", "SYN_RECV");
                };
            }

            private static String plain(String ss) {
                return ss.replace("[::ffff:", "").replace("]:", ":");
            }
        }

        /** A server started for a tool's test, and stopped after it. */
        record Server(Launch launch) implements AutoCloseable {
            static Server start(String command) throws Exception {
                var launch = Launch.start(command, List.of("--port", "0"), Duration.ofMinutes(3));
                assertThat(launch.ready()).as("%s", launch.ready() == null ? launch.whyNotReady() : "").isNotNull();
                return new Server(launch);
            }

            String port() {
                return Integer.toString(launch.ready().port());
            }

            @Override
            public void close() {
                launch.stop();
            }
        }

        @Nested
        @Order(9)
        @DisplayName("servers that are not the solutions, written another way (tests/correct), pass")
        class CorrectServers {

            /** A correct server of tests/correct, and how to build and launch it (from its header). */
            record Server(Path file, String description, String build, String launch, List<String> suite) {
                static List<Server> all() throws IOException {
                    try (var files = Files.list(Kit.root().resolve("tests/correct"))) {
                        var servers = new ArrayList<Server>();
                        for (var file : files.sorted().toList()) {
                            String description = "";
                            String build = "";
                            String launch = "";
                            List<String> suite = List.of();
                            for (var line : Files.readAllLines(file)) {
                                var text = line.replaceFirst("^\\s*(//|#|/\\*|\\*)\\s?", "");
                                if (text.startsWith("Correct: ")) {
                                    description = text.substring(9);
                                } else if (text.startsWith("Build: ")) {
                                    build = text.substring(7);
                                } else if (text.startsWith("Launch: ")) {
                                    launch = text.substring(8);
                                } else if (text.startsWith("Suite: ")) {
                                    suite = List.of(text.substring(7).split("\\s+"));
                                }
                            }
                            if (!launch.isEmpty()) {
                                servers.add(new Server(file, description, build, launch, suite));
                            }
                        }
                        return servers;
                    }
                }

                @Override
                public String toString() {
                    return Kit.root().relativize(file).toString();
                }
            }

            static List<Server> servers() throws IOException {
                return Server.all();
            }

            @ParameterizedTest(name = "{0} passes, line and raw", quoteTextArguments = false)
            @DisplayName("correct servers pass")
            @MethodSource("servers")
            void passes(Server server, TestReporter reporter) throws Exception {
                var tool = server.launch().split(" ")[0];
                if (!tool.startsWith("./") && !tool.startsWith("build/")
                        && new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() != 0) {
                    assertThat(System.getenv("CI")).as("%s is needed; .ci/run installs it", tool).isNotEqualTo("true");
                    org.junit.jupiter.api.Assumptions.abort(tool + " is not installed");
                }
                if (!server.build().isEmpty()) {
                    Files.createDirectories(Kit.root().resolve("build/correct"));
                    var build = new ProcessBuilder("sh", "-c", server.build()).directory(Kit.root().toFile())
                            .redirectErrorStream(true).start();
                    var output = new String(build.getInputStream().readAllBytes());
                    assertThat(build.waitFor()).as("building %s: %s", server, output).isZero();
                }
                for (var mode : List.of("line", "raw")) {
                    var args = new ArrayList<>(List.of("--launch", server.launch()));
                    args.addAll(server.suite());
                    if (mode.equals("raw")) {
                        args.add("--raw");
                    }
                    var run = SuiteRun.of(SUITE_BOUND, args.toArray(String[]::new));
                    assertThat(run.result().status()).as("%s in %s mode: %s", server, mode, run.describe()).isZero();
                    reporter.publishEntry(mode + " mode", run.result().output().strip().lines().reduce((a, b) -> b).orElse("")
                            + ", model " + run.report().get("model").getAsString());
                    assertGone(run);
                }
            }
        }

        @Nested
        @Order(10)
        @DisplayName("each broken server (tests/faults) fails the checks that name its defect")
        class Faults {

            static List<Fault> faults() throws IOException {
                return Fault.all();
            }

            /** Each fault's result per check, for the table printed after the last one. */
            static final Map<String, Map<String, String>> TABLE = new java.util.concurrent.ConcurrentSkipListMap<>();

            static Map<String, String> statuses(SuiteRun run) {
                var statuses = new java.util.LinkedHashMap<String, String>();
                if (run.report() != null) {
                    run.report().getAsJsonArray("checks").forEach(c -> statuses.put(c.getAsJsonObject().get("id").getAsString(),
                            c.getAsJsonObject().get("status").getAsString()));
                }
                return statuses;
            }

            /** Fault x check: X failed as declared, x failed as well, . passed, blank skipped, ! declared but not failed. */
            @org.junit.jupiter.api.AfterAll
            static void table() throws IOException {
                if (TABLE.isEmpty()) {
                    return;
                }
                var declared = new java.util.HashMap<String, List<String>>();
                for (var fault : Fault.all()) {
                    declared.put(fault.name(), fault.mustFail());
                }
                var ids = TABLE.values().stream().flatMap(m -> m.keySet().stream()).distinct().toList();
                var out = new StringBuilder("\n  fault x check (X: fails as its header says, x: fails as well, .: passes, blank: skipped, !: should fail and does not)\n");
                // Column numbers, tens above units.
                for (var digit : List.<java.util.function.IntUnaryOperator>of(n -> n / 10, n -> n % 10)) {
                    out.append("  %-24s".formatted(""));
                    for (int i = 1; i <= ids.size(); i++) {
                        out.append(digit == null ? ' ' : (char) ('0' + digit.applyAsInt(i)));
                    }
                    out.append('\n');
                }
                TABLE.forEach((fault, statuses) -> {
                    out.append("  %-24s".formatted(fault));
                    for (var id : ids) {
                        var status = statuses.getOrDefault(id, "skipped");
                        boolean must = declared.getOrDefault(fault, List.of()).contains(id);
                        out.append(switch (status) {
                            case "failed" -> must ? 'X' : 'x';
                            case "passed" -> must ? '!' : '.';
                            default -> must ? '!' : ' ';
                        });
                    }
                    out.append('\n');
                });
                out.append("  columns: ");
                for (int i = 0; i < ids.size(); i++) {
                    out.append(i + 1).append(' ').append(ids.get(i)).append(i + 1 < ids.size() ? ", " : "\n");
                }
                System.out.print(out);
            }

            @ParameterizedTest(name = "tests/faults/{0}.java fails", quoteTextArguments = false)
            @DisplayName("faults fail the suite")
            @MethodSource("faults")
            void fails(Fault fault, TestReporter reporter) throws Exception {
                assertThat(fault.mustFail()).as("the '// Must fail:' header of %s", fault.file()).isNotEmpty();
                var args = new ArrayList<>(List.of("--launch", "./jbang " + Kit.root().relativize(fault.file())));
                args.addAll(fault.suite());
                var run = SuiteRun.of(SUITE_BOUND, args.toArray(String[]::new));
                TABLE.put(fault.name(), statuses(run));
                assertThat(run.result().status()).as("%s (%s): %s", fault.name(), fault.defect(), run.describe()).isEqualTo(1);
                for (var id : fault.mustFail()) {
                    assertThat(run.status(id)).as("%s on %s (%s); failed: %s", fault.name(), id, fault.defect(), run.ids("failed"))
                            .isEqualTo("failed");
                    assertThat(run.message(id)).as("the message of %s", id).contains("observed:", "likely cause:", "reread:");
                }
                if (!fault.says().isEmpty()) {
                    assertThat(run.message(fault.mustFail().get(0))).as("the message of %s", fault.mustFail().get(0))
                            .contains(fault.says());
                }
                reporter.publishEntry("failed as it must", String.join(" ", fault.mustFail()));
                var others = new ArrayList<>(run.ids("failed"));
                others.removeAll(fault.mustFail());
                reporter.publishEntry("failed as well", others.isEmpty() ? "nothing" : String.join(" ", others));
                assertGone(run);
            }
        }

        // Whether the environment of process pid holds mark (a NUL-separated VAR=value list).
        static boolean marked(long pid, byte[] mark) {
            try {
                var environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
                for (int from = 0; from < environ.length; ) {
                    int end = from;
                    while (end < environ.length && environ[end] != 0) {
                        end++;
                    }
                    if (Arrays.equals(environ, from, end, mark, 0, mark.length)) {
                        return true;
                    }
                    from = end + 1;
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        }

        /** No process of the run is left: the server the suite launched, and any child it started. */
        static void assertGone(SuiteRun run) {
            long pid = run.serverPid();
            assertThat(pid).as("the server's pid in the JSON report").isPositive();
            var alive = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            assertThat(alive).as("the launched server, pid %d, after the suite ended", pid).isEmpty();
            var launch = run.report().getAsJsonObject("server").get("launch").getAsString();
            var mark = (Kit.MARK + "=" + run.result().mark()).getBytes(StandardCharsets.UTF_8);
            var left = ProcessHandle.allProcesses()
                    .filter(p -> marked(p.pid(), mark))
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                    .toList();
            assertThat(left).as("processes started by the run of %s and still running", launch).isEmpty();
        }
    }
}
