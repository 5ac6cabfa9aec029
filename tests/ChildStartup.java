//JAVA 25+
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/Launch.java lib/Peer.java lib/Bytes.java lib/ProcFs.java

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a child process costs the multi-process server (lesson 2): for each set of child JVM
 * options, connect-to-first-reply latency and the child's resident memory, one client at a time.
 */
@Command(name = "ChildStartup", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Measures lesson 2's child start-up: connect-to-first-reply latency and child RSS, per set of child JVM options.",
        exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:measured", "1:a server failed", "2:bad usage"})
public class ChildStartup implements Callable<Integer> {

    @Option(names = "--server", defaultValue = "./jbang solutions/MultiProcess.java",
            description = "The multi-process server to start (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--clients", defaultValue = "30", description = "Clients per set of options, one after another (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--options", paramLabel = "JVM_OPTIONS",
            description = "A set of child JVM options to measure, DEFAULT for the server's own (repeatable; default: none at all, "
                    + "the server's flags without its class-data archive, and the server's default).")
    List<String> optionSets = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChildStartup()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (optionSets.isEmpty()) {
            optionSets = List.of("", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData", "DEFAULT");
        }
        System.out.printf("| child JVM options | connect to first reply, median (p90) | child RSS, median |%n|---|---|---|%n");
        for (var options : optionSets) {
            var command = server + " --quiet" + (options.equals("DEFAULT") ? "" : " --child-java-options '" + options + "'");
            var launch = Launch.start(command, List.of("--port", "0"), Duration.ofMinutes(3));
            if (launch.ready() == null) {
                System.err.println(launch.whyNotReady());
                return 1;
            }
            try {
                var address = new InetSocketAddress(launch.ready().host(), launch.ready().port());
                var millis = new ArrayList<Double>();
                var rss = new ArrayList<Long>();
                for (int i = 0; i < clients + 2; i++) {
                    measure(address, millis, rss, i >= 2);
                }
                System.out.printf("| %s | %.0f ms (%.0f ms) | %d MB |%n",
                        options.equals("DEFAULT") ? "the server's default" : options.isEmpty() ? "none" : "`" + options + "`",
                        percentile(millis, 50), percentile(millis, 90), Math.round(percentile(rss.stream().map(Long::doubleValue).toList(), 50) / 1024));
            } finally {
                launch.stop();
            }
        }
        return 0;
    }

    // One client: connect, send a line, time the first byte of the reply; read the child's RSS meanwhile.
    private static void measure(InetSocketAddress address, List<Double> millis, List<Long> rss, boolean keep) throws IOException {
        long start = System.nanoTime();
        try (var peer = Peer.connect(address, Duration.ofSeconds(5))) {
            peer.send("hello\n");
            var reply = peer.read(1, Duration.ofSeconds(10));
            if (reply.bytes().length == 0) {
                throw new IOException("no reply: " + reply.describe());
            }
            double took = (System.nanoTime() - start) / 1e6;
            var child = ProcFs.tcpSockets(address.getPort()).stream()
                    .filter(s -> s.remote().getPort() == peer.localPort())
                    .flatMap(s -> ProcFs.socketOwners().getOrDefault(s.inode(), List.of()).stream()).findFirst();
            if (keep) {
                millis.add(took);
                child.map(ProcFs::rssKiB).filter(k -> k > 0).ifPresent(rss::add);
            }
        }
        // Let the child exit before the next one starts: one at a time.
        sleep(150);
    }

    private static double percentile(List<Double> values, int p) {
        var sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
