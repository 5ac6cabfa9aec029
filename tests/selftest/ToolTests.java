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

import static org.assertj.core.api.Assertions.assertThat;

/** The tools as a user runs them: telnet scripted and in a real terminal, netstat against ss, one cell of the bench. */
@Order(14)
@DisplayName("the tools: tests/Telnet.java, tests/Netstat.java, tests/Bench.java")
class ToolTests {

    static final List<String> SERVERS = List.of("SingleThreaded", "MultiProcess", "MultiThreaded", "ThreadPool",
            "EventLoop", "VirtualThreads");

    @Test
    @DisplayName("telnet, scripted: against every solution, --send lines print their replies, exit 0")
    void scriptedAgainstEachSolution() throws Exception {
        for (var server : SERVERS) {
            try (var launched = Kit.Server.start("./jbang solutions/" + server + ".java --quiet")) {
                var run = Kit.jbang(Kit.SUITE_BOUND, "tests/Telnet.java", "127.0.0.1", launched.port(),
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
        try (var launched = Kit.Server.start("./jbang solutions/ThreadPool.java --quiet --max-line 4")) {
            var early = Kit.jbang(Kit.SUITE_BOUND, "tests/Telnet.java", "127.0.0.1", launched.port(), "--send", "too long");
            assertThat(early.status()).as(early.output()).isEqualTo(1);
            assertThat(early.output()).contains("server error# line longer than 4 bytes", "Connection closed by foreign host.");
        }
        try (var launched = Kit.Server.start("./jbang tests/faults/NeverAnswers.java --quiet")) {
            var silent = Kit.jbang(Kit.SUITE_BOUND, "tests/Telnet.java", "127.0.0.1", launched.port(), "--wait", "1", "--send", "hello");
            assertThat(silent.status()).as(silent.output()).isEqualTo(1);
            assertThat(silent.output()).contains("no reply to \"hello\" within 1.0 s");
        }
        int free;
        try (var socket = new ServerSocket(0)) {
            free = socket.getLocalPort();
        }
        var refused = Kit.jbang(Kit.SUITE_BOUND, "tests/Telnet.java", "127.0.0.1", Integer.toString(free), "--send", "x");
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
        try (var launched = Kit.Server.start("./jbang solutions/ThreadPool.java --quiet")) {
            var session = "echo-kit-" + ProcessHandle.current().pid();
            sh("tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "20", "-c", Kit.ROOT.toString(),
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
        try (var launched = Kit.Server.start("./jbang tests/faults/NeverCloses.java --quiet")) {
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
                var netstat = Kit.jbang(Kit.SUITE_BOUND, "tests/Netstat.java", "--port", launched.port());
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
        var cell = Kit.jbang(Kit.SUITE_BOUND, "tests/Bench.java", "--launch", "./jbang solutions/EventLoop.java --raw --quiet",
                "--connections", "4", "--size", "64", "--seconds", "1", "--warmup", "0.5");
        assertThat(cell.status()).as(cell.output()).isZero();
        var row = cell.output().lines().filter(l -> l.startsWith("| server | closed-loop | 4 | 64 |")).findFirst().orElseThrow();
        var f = row.split("\\|");
        assertThat(Double.parseDouble(f[5].strip().replace(",", ""))).as("round trips per second: %s", row).isGreaterThan(1000);
        assertThat(f[10].strip()).as("connections served: %s", row).isEqualTo("4");
        var silent = Kit.jbang(Kit.SUITE_BOUND, "tests/Bench.java", "--launch", "./jbang tests/faults/NeverAnswers.java --raw --quiet",
                "--connections", "4", "--seconds", "1", "--warmup", "0.5");
        assertThat(silent.output()).as(silent.output()).contains("| server | closed-loop | 4 | 64 | 0 |", "0 of 4 served");
        var rate = Kit.jbang(Kit.SUITE_BOUND, "tests/Bench.java", "--launch", "./jbang solutions/ThreadPool.java --raw --quiet",
                "--rate", "--seconds", "1", "--warmup", "0.5");
        var rateRow = rate.output().lines().filter(l -> l.startsWith("| server | connections |")).findFirst().orElseThrow();
        assertThat(Double.parseDouble(rateRow.split("\\|")[5].strip().replace(",", ""))).as(rateRow).isGreaterThan(100);
    }

    @Test
    @DisplayName("bench: long-lived clients hold a pool of 2 workers, short-lived ones are all served by it; a server that never closes serves none")
    void benchShortLived() throws Exception {
        var pool = "./jbang solutions/ThreadPool.java --workers 2 --queue 2 --quiet";
        var long_ = Kit.jbang(Kit.SUITE_BOUND, "tests/Bench.java", "--launch", pool + " --raw", "--connections", "8", "--seconds", "1",
                "--warmup", "0.5");
        assertThat(long_.output()).as(long_.output()).contains("| server | closed-loop | 8 | 64 |", "2 of 8 served");
        var short_ = Kit.jbang(Kit.SUITE_BOUND, "tests/Bench.java", "--launch", pool, "--short-lived", "--connections", "8",
                "--seconds", "1", "--warmup", "0.5");
        var row = short_.output().lines().filter(l -> l.startsWith("| server | short-lived | 8 |")).findFirst().orElseThrow();
        var f = row.split("\\|");
        assertThat(f[10].strip()).as("short-lived clients served: %s", row).isEqualTo("8");
        assertThat(Double.parseDouble(f[5].strip().replace(",", ""))).as("exchanges per second: %s", row).isGreaterThan(100);
        assertThat(row).doesNotContain("differed");
        // A server that never closes (no --short-lived) leaves every client waiting for its end: none is counted.
        var open = Kit.jbang(Kit.SUITE_BOUND, "tests/Bench.java", "--launch", "./jbang tests/faults/NeverCloses.java --short-lived --quiet",
                "--short-lived", "--connections", "4", "--seconds", "1", "--warmup", "0.5");
        assertThat(open.output()).as(open.output()).contains("| server | short-lived | 4 |", "0 of 4 served");
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
}
