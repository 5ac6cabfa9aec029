import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The /proc readers (tests/lib/ProcFs.java): parsers on recorded lines, and live sockets, threads and processes. */
@Order(5)
@DisplayName("/proc readers (tests/lib/ProcFs.java)")
class ProcFsTests {

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
            try (var file = Files.newInputStream(Kit.ROOT.resolve("tests/SelfTest.java"))) {
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
