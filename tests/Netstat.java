//JAVA 25+
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/ProcFs.java

import java.net.InetSocketAddress;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A netstat-like view (SPEC §6): the TCP sockets of a port with their state, addresses, queues
 * and owning process, read from /proc as `netstat -natp` reads it.
 */
@Command(name = "netstat", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, version = "Echo Kit netstat 1",
        description = {"Lists TCP sockets like netstat -natp: protocol, queues, local and foreign address, state, pid/program.",
                "Read from /proc/net/tcp and tcp6, and /proc/PID/fd for the owners (only your own processes unless root)."},
        exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:listed", "2:bad usage"},
        footerHeading = "%nExamples:%n", footer = {"  ./jbang netstat --port 8888", "  ./jbang netstat --port 8888 --watch"})
public class Netstat implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", description = "Only the sockets whose local or foreign port is PORT.")
    Integer port;

    @Option(names = "--watch", description = "List again every second, until Ctrl-C.")
    boolean watch;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1", description = "With --watch: seconds between lists (default: ${DEFAULT-VALUE}).")
    double interval;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Netstat()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        boolean terminal = System.console() != null;
        do {
            if (watch && terminal) {
                // Clear the screen and go home, as watch(1) does.
                System.out.print("\033[H\033[2J");
            }
            if (watch) {
                System.out.println("Every " + interval + " s: TCP sockets" + (port == null ? "" : " of port " + port) + ", "
                        + LocalTime.now().truncatedTo(ChronoUnit.SECONDS));
            }
            print(rows(port));
            if (watch) {
                System.out.println();
                Thread.sleep((long) (interval * 1000));
            }
        } while (watch);
        return 0;
    }

    /** One row per socket, as netstat -natp prints it. */
    record Row(String protocol, long recvQ, long sendQ, String local, String foreign, String state, List<Long> pids, String program) {
    }

    /** The rows of the sockets of {@code port} (every TCP socket when null), listening ones first. */
    static List<Row> rows(Integer port) {
        var owners = ProcFs.socketOwners();
        return ProcFs.tcpSockets().stream()
                .filter(s -> port == null || s.local().getPort() == port || s.remote().getPort() == port)
                .sorted(Comparator.comparing((ProcFs.TcpSocket s) -> s.state() != ProcFs.TcpState.LISTEN)
                        .thenComparing(s -> s.local().getPort()).thenComparing(s -> s.remote().getPort()))
                .map(s -> {
                    var pids = s.inode() == 0 ? List.<Long>of() : owners.getOrDefault(s.inode(), List.of());
                    var program = pids.isEmpty() ? "" : ProcFs.process(pids.getFirst()).map(ProcFs.ProcessInfo::comm).orElse("");
                    return new Row(s.protocol(), s.rxQueue(), s.txQueue(), endpoint(s.local()), endpoint(s.remote()),
                            state(s.state()), pids, program);
                })
                .toList();
    }

    private static void print(List<Row> rows) {
        System.out.printf("%-5s %6s %6s %-23s %-23s %-11s %s%n", "Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address",
                "State", "PID/Program name");
        for (var r : rows) {
            var owner = r.pids().isEmpty() ? "-" : r.pids().stream().map(String::valueOf).collect(Collectors.joining(",")) + "/" + r.program();
            System.out.printf("%-5s %6d %6d %-23s %-23s %-11s %s%n", r.protocol(), r.recvQ(), r.sendQ(), r.local(), r.foreign(),
                    r.state(), owner);
        }
        System.out.flush();
    }

    // "127.0.0.1:8888", "0.0.0.0:*" for a listener's unset peer, "[::1]:8888" for IPv6.
    private static String endpoint(InetSocketAddress address) {
        var host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + compress(host.split(":")) + "]";
        }
        return host + ":" + (address.getPort() == 0 ? "*" : address.getPort());
    }

    // RFC 5952: the longest run of zero groups becomes "::".
    private static String compress(String[] groups) {
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; ) {
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(j, i + 1);
        }
        if (bestStart < 0) {
            return String.join(":", groups);
        }
        return String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart)) + "::"
                + String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
    }

    private static final Map<ProcFs.TcpState, String> NAMES = Map.of(ProcFs.TcpState.NEW_SYN_RECV, "SYN_RECV");

    private static String state(ProcFs.TcpState state) {
        return NAMES.getOrDefault(state, state.name());
    }
}
