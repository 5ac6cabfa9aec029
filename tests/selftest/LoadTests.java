import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Servers under load as a user would load them: 50 children at once, 1000 idle clients, a busy machine, unusual options. */
@Order(13)
@DisplayName("servers under load and with unusual options")
@org.junit.jupiter.api.extension.ExtendWith(TestRun.SelectInvocations.class)
class LoadTests {

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

    @ParameterizedTest(name = "with both cores busy with other work, ./jbang check {0} --solution passes", quoteTextArguments = false)
    @DisplayName("a busy machine changes no verdict of a lesson")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void busyLesson(int lesson, TestReporter reporter) throws Exception {
        try (var load = Busy.start(2)) {
            var run = Kit.jbang(Kit.SUITE_BOUND, "check", Integer.toString(lesson), "--solution");
            reporter.publishEntry("under load", run.output().lines().filter(l -> l.startsWith("Lesson " + lesson + " passes") || l.startsWith("Lesson " + lesson + ":")).findFirst()
                    .orElse(run.tail(3)) + " in " + run.took().toSeconds() + " s, " + load.pids().size() + " busy loops");
            assertThat(run.status()).as("./jbang check %d --solution with both cores busy:%n%s", lesson, run.tail(60)).isZero();
            Kit.assertNoneLeft(run.mark(), "check " + lesson + " --solution");
        }
    }

    @ParameterizedTest(name = "with both cores busy with other work, {0} still passes the whole suite", quoteTextArguments = false)
    @DisplayName("a busy machine changes no verdict")
    @ValueSource(strings = {"python3 tests/correct/fork_server.py"})
    void busyMachine(String command, TestReporter reporter) throws Exception {
        try (var load = Busy.start(2)) {
            var mark = Kit.newMark();
            var run = Kit.SuiteRun.inProcess(mark, "--launch", Kit.MARK + "=" + mark + " exec " + command);
            reporter.publishEntry("under load", run.result().output().strip().lines().reduce((a, b) -> b).orElse("")
                    + " in " + run.result().took().toSeconds() + " s, " + load.pids().size() + " busy loops");
            run.assertPassed(command + " with both cores busy");
            Kit.assertGone(run);
        }
    }

    /** Processes that keep a core busy each; each one ends itself after 10 minutes (timeout), whatever happens here. */
    record Busy(List<Process> loops) implements AutoCloseable {
        static Busy start(int n) throws java.io.IOException {
            var loops = new ArrayList<Process>();
            for (int i = 0; i < n; i++) {
                loops.add(new ProcessBuilder("timeout", "600", "sh", "-c", "while :; do :; done")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            return new Busy(loops);
        }

        List<Long> pids() {
            return loops.stream().map(Process::pid).toList();
        }

        // By pid: each loop's shell first (SIGKILL), then its timeout.
        @Override
        public void close() throws InterruptedException {
            for (var loop : loops) {
                loop.descendants().forEach(ProcessHandle::destroyForcibly);
                loop.destroyForcibly();
                loop.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @DisplayName("options: an empty --prefix and a short --max-line reach the server through ./jbang and --launch")
    void unusualOptions() throws Exception {
        var run = Kit.SuiteRun.of(Kit.SUITE_BOUND, "--launch", "./jbang solutions/ThreadPool.java", "--prefix", "",
                "--max-line", "100", "--only", "echo.*,framing.*,stream.large-line,limits.*");
        assertThat(run.result().status()).as("%s", run.describe()).isZero();
        assertThat(run.ids("passed")).contains("echo.basic", "stream.large-line", "limits.oversized-line");
        assertThat(run.result().output()).contains("prefix \"\"", "max line 100 bytes");
    }
}
