import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

import static org.assertj.core.api.Assertions.assertThat;

/** The solutions' shared behaviour, their servers started in this JVM: the loopback default, framing over TCP. */
@Order(9)
@DisplayName("the solutions in this JVM: the loopback by default, any split of the bytes over the network")
class ServerTests {

    @Test
    @DisplayName("every solution listens on the loopback unless --bind says otherwise")
    void loopbackByDefault() throws Exception {
        for (var solution : SolutionTests.FILES) {
            try (var server = InProcessServer.start(solution, List.of())) {
                int port = server.ready().port();
                var listeners = ProcFs.tcpSockets(port).stream().filter(s -> s.state() == ProcFs.TcpState.LISTEN).toList();
                assertThat(listeners).as("%s: listening sockets of port %d", solution, port).isNotEmpty()
                        .allMatch(s -> s.local().getAddress().isLoopbackAddress());
            }
        }
    }

    @Test
    @DisplayName("framing over the network: any split of any bytes into writes gives PREFIX + line per line, then PREFIX + rest (seeded)")
    void randomSplitsOverTheNetwork(TestReporter reporter) throws Exception {
        long seed = Long.getLong("selftest.seed", System.nanoTime());
        var random = new Random(seed);
        for (var solution : List.of("ThreadPool", "EventLoop")) {
            try (var server = InProcessServer.start(solution, List.of())) {
                var address = new InetSocketAddress("127.0.0.1", server.ready().port());
                for (int run = 0; run < 100; run++) {
                    var input = new byte[random.nextInt(2000)];
                    random.nextBytes(input);
                    for (int i = 0; i < input.length; i++) {
                        if (random.nextInt(16) == 0) {
                            input[i] = '\n';
                        }
                    }
                    var expected = FramingTests.expected(input, FramingTests.PREFIX);
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
