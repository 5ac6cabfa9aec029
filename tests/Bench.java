//JAVA 25+
//DEPS info.picocli:picocli:4.7.7
//DEPS org.hdrhistogram:HdrHistogram:2.2.2
//DEPS org.knowm.xchart:xchart:3.8.8
//DEPS com.google.code.gson:gson:2.13.2
//SOURCES lib/Launch.java lib/ProcFs.java lib/Bytes.java bench/LoadGenerator.java
//JAVA_OPTIONS -Djava.awt.headless=true

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChartBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark (SPEC §9): closed-loop echo load, C connections each sending M bytes and waiting for
 * all of them back, counted for a fixed time after a warm-up; or connect-echo-close for connections
 * per second. --all puts every solution (and Netty, as the reference) side by side.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, version = "Echo Kit bench 1",
        description = {"Closed-loop echo load against one server (--port or --launch), or every solution side by side (--all).",
                "Reports messages/s, MiB/s, latency p50/p99/p99.9 (HdrHistogram; closed loop, so mostly queueing at high",
                "counts), the server's CPU per message, and the generator's own CPU: a cell limited by the generator says so."},
        exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:measured", "1:a server failed or a bar was missed", "2:bad usage"},
        footerHeading = "%nExamples:%n",
        footer = {"  ./jbang bench --launch './jbang solutions/EventLoop.java --raw' --connections 256 --size 64",
                "  ./jbang bench --port 8888 --rate",
                "  ./jbang bench --launch './jbang solutions/ThreadPool.java --quiet' --short-lived --connections 200", "  ./jbang bench --all --anchor netty --pin"})
public class Bench implements Callable<Integer> {

    @Option(names = "--port", description = "The port of a running server (raw mode expected).")
    Integer port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Its host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--launch", paramLabel = "COMMAND", description = "Start this server (with --port 0), measure, stop it.")
    String launch;

    @Option(names = "--connections", defaultValue = "16", description = "Connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--size", defaultValue = "64", description = "Bytes per message (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--seconds", defaultValue = "4", description = "Measured seconds per cell (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "2", description = "Warm-up seconds before each cell (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--rate", description = "Connect, echo 64 bytes, close, as fast as it goes: connections per second.")
    boolean rate;

    @Option(names = "--short-lived", description = "--connections short-lived clients at once: each sends one line, reads the reply "
            + "and the server's close, and comes again (line mode; --launch adds --short-lived to the server).")
    boolean shortLived;

    @Option(names = "--prefix", defaultValue = "server echo# ", description = "With --short-lived: the server's prefix (default: '${DEFAULT-VALUE}').")
    String prefix;

    @Option(names = "--all", description = "Every solution over the grid {1, 16, 256, 1024} connections x {64 B, 4 KiB}, and the connection rate.")
    boolean all;

    @Option(names = "--anchor", paramLabel = "netty", description = "With --all: add Netty's echo server (bench/NettyEcho.java) as the reference.")
    String anchor;

    @Option(names = "--pin", description = "Server on CPU 0, generator on CPU 1 (taskset).")
    boolean pin;

    @Option(names = "--out", defaultValue = "bench", description = "With --all: where results.md, results.json and results.png go (default: ${DEFAULT-VALUE}).")
    Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    private LoadGenerator generator() {
        return new LoadGenerator(warmup, seconds);
    }

    /** One measured cell. Latencies in microseconds; CPU in percent of one core. */
    record Cell(String server, String kind, int connections, int size, double perSecond, double mibPerSecond, long p50,
                long p99, long p999, int served, double serverCpu, double generatorCpu, double serverMicrosPerMessage,
                String note) {
    }

    @Override
    public Integer call() throws Exception {
        if (pin) {
            pinGenerator();
        }
        if (all) {
            return all();
        }
        if (launch == null && port == null) {
            System.err.println("error: give --port of a running server, --launch 'COMMAND', or --all");
            return 2;
        }
        Launch launched = null;
        try {
            long pid = 0;
            InetSocketAddress address;
            if (launch != null) {
                var options = shortLived && !launch.contains("--short-lived") ? List.of("--port", "0", "--short-lived") : List.of("--port", "0");
                launched = Launch.start((pin ? "taskset -c 0 " : "") + launch, options, Duration.ofMinutes(3));
                if (launched.ready() == null) {
                    System.err.println(launched.whyNotReady());
                    return 1;
                }
                address = new InetSocketAddress(launched.ready().host(), launched.ready().port());
                pid = launched.ready().intField("pid").orElse(0);
            } else {
                address = new InetSocketAddress(InetAddress.getByName(host), port);
                var owners = ProcFs.listenerOwners(port);
                pid = owners.isEmpty() ? 0 : owners.getFirst();
            }
            var cell = rate ? generator().connectionRate("server", address, pid)
                    : shortLived ? generator().shortLived("server", address, pid, connections, prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    : generator().closedLoop("server", address, pid, connections, size);
            System.out.println(header());
            System.out.println(row(cell));
            return 0;
        } finally {
            if (launched != null) {
                launched.stop();
            }
        }
    }

    private static void pinGenerator() throws IOException, InterruptedException {
        var taskset = new ProcessBuilder("taskset", "-a", "-c", "-p", "1", Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).start();
        taskset.getInputStream().readAllBytes();
        if (taskset.waitFor() != 0) {
            throw new IOException("taskset could not pin the generator to CPU 1");
        }
    }

    // ---- --all --------------------------------------------------------------------------------

    /** A server of the grid: its name, command, and the connection counts it is measured at. */
    record Server(String name, String command, List<Integer> counts) {
    }

    static final List<Integer> COUNTS = List.of(1, 16, 256, 1024);
    static final List<Integer> SIZES = List.of(64, 4096);

    private int all() throws Exception {
        var servers = new ArrayList<>(List.of(
                new Server("single-threaded", "./jbang solutions/SingleThreaded.java --raw --quiet", List.of(1, 16)),
                new Server("multi-process", "./jbang solutions/MultiProcess.java --raw --quiet", List.of(1, 16)),
                new Server("multi-threaded", "./jbang solutions/MultiThreaded.java --raw --quiet --max-clients 2048", COUNTS),
                new Server("thread-pool", "./jbang solutions/ThreadPool.java --raw --quiet", COUNTS),
                new Server("event-loop", "./jbang solutions/EventLoop.java --raw --quiet --max-clients 2048", COUNTS),
                new Server("virtual-threads", "./jbang solutions/VirtualThreads.java --raw --quiet --max-clients 2048", COUNTS)));
        if ("netty".equals(anchor)) {
            servers.add(new Server("netty", "./jbang bench/NettyEcho.java", COUNTS));
        }
        var started = LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS);
        var cells = new ArrayList<Cell>();
        System.out.println(header());
        for (var server : servers) {
            try (var running = Running.start(server, pin)) {
                for (int size : SIZES) {
                    for (int count : server.counts()) {
                        cells.add(print(generator().closedLoop(server.name(), running.address(), running.pid(), count, size)));
                    }
                }
                cells.add(print(generator().connectionRate(server.name(), running.address(), running.pid())));
            }
            // The seed's short-lived clients (one line, then the server closes), 256 at once, where the model lets that many in.
            if (server.counts().contains(256) && !server.name().equals("netty")) {
                var shortLived = new Server(server.name(), server.command().replace("--raw", "--short-lived"), server.counts());
                try (var running = Running.start(shortLived, pin)) {
                    cells.add(print(generator().shortLived(server.name(), running.address(), running.pid(), 256,
                            "server echo# ".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                }
            }
        }
        var headline = headline(servers);
        var referee = referee();
        write(cells, headline, referee, started);
        return 0;
    }

    private static Cell print(Cell cell) {
        System.out.println(row(cell));
        return cell;
    }

    /**
     * The headline cell, 256 connections x 64 B: event loop, virtual threads and Netty running at once,
     * measured in turn, three rounds; medians. Servers compared within one run only.
     */
    private Map<String, List<Double>> headline(List<Server> servers) throws Exception {
        var contenders = servers.stream().filter(s -> List.of("event-loop", "virtual-threads", "netty").contains(s.name())).toList();
        var results = new LinkedHashMap<String, List<Double>>();
        var running = new ArrayList<Running>();
        try {
            for (var s : contenders) {
                running.add(Running.start(s, pin));
            }
            for (int round = 0; round < 3; round++) {
                for (var r : running) {
                    var cell = generator().closedLoop(r.server().name(), r.address(), r.pid(), 256, 64);
                    results.computeIfAbsent(r.server().name(), k -> new ArrayList<>()).add(cell.perSecond());
                    System.out.printf("headline round %d: %-16s %,10.0f msg/s, server %.1f µs CPU per message%n", round + 1,
                            r.server().name(), cell.perSecond(), cell.serverMicrosPerMessage());
                }
            }
        } finally {
            running.forEach(Running::close);
        }
        return results;
    }

    /** The kit's generator against an independent one (bench/LoadGen.c, epoll) on the event loop, 256 x 64 B, three rounds each. */
    private Map<String, List<Double>> referee() throws Exception {
        var results = new LinkedHashMap<String, List<Double>>();
        var build = new ProcessBuilder("sh", "-c", "mkdir -p build/bench && gcc -O2 -o build/bench/LoadGen bench/LoadGen.c")
                .redirectErrorStream(true).start();
        var built = new String(build.getInputStream().readAllBytes());
        if (build.waitFor() != 0) {
            System.out.println("referee skipped: could not build bench/LoadGen.c: " + built);
            return results;
        }
        var server = new Server("event-loop", "./jbang solutions/EventLoop.java --raw --quiet --max-clients 2048", COUNTS);
        try (var running = Running.start(server, pin)) {
            for (int round = 0; round < 3; round++) {
                results.computeIfAbsent("kit", k -> new ArrayList<>())
                        .add(generator().closedLoop("event-loop", running.address(), running.pid(), 256, 64).perSecond());
                var command = new ArrayList<String>();
                if (pin) {
                    command.addAll(List.of("taskset", "-c", "1"));
                }
                command.addAll(List.of("build/bench/LoadGen", running.address().getAddress().getHostAddress(),
                        Integer.toString(running.address().getPort()), "256", "64", Double.toString(seconds), Double.toString(warmup)));
                var gen = new ProcessBuilder(command).redirectErrorStream(true).start();
                var output = new String(gen.getInputStream().readAllBytes());
                gen.waitFor();
                var m = java.util.regex.Pattern.compile("messages_per_second=(\\d+)").matcher(output);
                if (m.find()) {
                    results.computeIfAbsent("LoadGen.c", k -> new ArrayList<>()).add(Double.parseDouble(m.group(1)));
                }
                System.out.printf("referee round %d: kit %,.0f msg/s, LoadGen.c %s%n", round + 1,
                        results.get("kit").getLast(), output.strip());
            }
        }
        return results;
    }

    /** A server started for --all, pinned to CPU 0 when asked, stopped with its whole tree. */
    record Running(Server server, Launch launch, InetSocketAddress address, long pid) implements AutoCloseable {
        static Running start(Server server, boolean pin) throws Exception {
            var launch = Launch.start((pin ? "taskset -c 0 " : "") + server.command(), List.of("--port", "0"), Duration.ofMinutes(3));
            if (launch.ready() == null) {
                throw new IOException(server.name() + ": " + launch.whyNotReady());
            }
            return new Running(server, launch, new InetSocketAddress(launch.ready().host(), launch.ready().port()),
                    launch.ready().intField("pid").orElse(0));
        }

        @Override
        public void close() {
            launch.stop();
        }
    }

    // ---- Reports ------------------------------------------------------------------------------

    static String header() {
        return "| server | load | connections | bytes | per second | MiB/s | p50 µs | p99 µs | p99.9 µs | served | server CPU % | "
                + "server µs CPU/msg | generator CPU % | note |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";
    }

    static String row(Cell c) {
        return "| %s | %s | %d | %d | %,.0f | %.1f | %d | %d | %d | %d | %.0f | %.1f | %.0f | %s |".formatted(c.server(), c.kind(),
                c.connections(), c.size(), c.perSecond(), c.mibPerSecond(), c.p50(), c.p99(), c.p999(), c.served(), c.serverCpu(),
                c.serverMicrosPerMessage(), c.generatorCpu(), c.note());
    }

    private static double median(List<Double> values) {
        var sorted = values.stream().sorted().toList();
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
    }

    private void write(List<Cell> cells, Map<String, List<Double>> headline, Map<String, List<Double>> referee,
                       LocalDateTime started) throws IOException {
        Files.createDirectories(out);
        var md = new StringBuilder();
        md.append("Generated by `./jbang bench --all").append(anchor != null ? " --anchor " + anchor : "").append(pin ? " --pin" : "")
                .append("`, started ").append(started).append(", on ").append(machine()).append(".\n");
        md.append("Raw mode; closed loop (each connection waits for its echo before sending again), ").append(warmup)
                .append(" s warm-up, ").append(seconds).append(" s measured per cell; latencies are closed-loop (mostly queueing at high counts).\n\n");
        md.append(header()).append('\n');
        cells.forEach(c -> md.append(row(c)).append('\n'));
        md.append("\nHeadline, 256 connections x 64 B, the three servers running at once and measured in turn, 3 rounds (median, min-max):\n\n");
        md.append("| server | messages/s | min | max | ratio to netty |\n|---|---|---|---|---|\n");
        double netty = median(headline.getOrDefault("netty", List.of()));
        headline.forEach((name, values) -> md.append("| %s | %,.0f | %,.0f | %,.0f | %s |%n".formatted(name, median(values),
                values.stream().mapToDouble(Double::doubleValue).min().orElse(0), values.stream().mapToDouble(Double::doubleValue).max().orElse(0),
                Double.isNaN(netty) ? "" : "%.2f".formatted(median(values) / netty))));
        if (!referee.isEmpty()) {
            double kit = median(referee.getOrDefault("kit", List.of()));
            double c = median(referee.getOrDefault("LoadGen.c", List.of()));
            md.append("\nThe generator's referee, event loop, 256 x 64 B, 3 rounds each (median): kit %,.0f msg/s, bench/LoadGen.c %,.0f msg/s; ratio %.2f.%n"
                    .formatted(kit, c, kit / c));
        }
        Files.writeString(out.resolve("results.md"), md);
        var json = new LinkedHashMap<String, Object>();
        json.put("started", started.toString());
        json.put("machine", machine());
        json.put("pinned", pin);
        json.put("cells", cells);
        json.put("headline", headline);
        json.put("referee", referee);
        Files.writeString(out.resolve("results.json"), new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
                .create().toJson(json) + "\n");
        chart(cells);
        System.out.println();
        System.out.println(md);
        System.out.println("Wrote " + out.resolve("results.md") + ", results.json and results.png.");
    }

    // Messages per second at 64 B, per server and connection count.
    private void chart(List<Cell> cells) throws IOException {
        var chart = new CategoryChartBuilder().width(1000).height(560).title("Echo round trips per second, 64-byte messages (raw mode, closed loop)")
                .xAxisTitle("server").yAxisTitle("messages per second").build();
        var servers = cells.stream().map(Cell::server).distinct().toList();
        for (int count : COUNTS) {
            var values = new ArrayList<Double>();
            for (var server : servers) {
                values.add(cells.stream().filter(c -> c.server().equals(server) && c.kind().equals("closed-loop") && c.size() == 64
                        && c.connections() == count).mapToDouble(Cell::perSecond).findFirst().orElse(0));
            }
            chart.addSeries(count + (count == 1 ? " connection" : " connections"), servers, values);
        }
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        BitmapEncoder.saveBitmap(chart, out.resolve("results.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String machine() {
        String cpu = "";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.replaceFirst("model name\\s*:\\s*", "")).orElse("");
        } catch (IOException e) {
            cpu = "unknown CPU";
        }
        long cpus = 0;
        try {
            cpus = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
        } catch (IOException e) {
            cpus = Runtime.getRuntime().availableProcessors();
        }
        return "%d CPUs (%s), %d GiB, Linux %s, JDK %s".formatted(cpus, cpu,
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() >> 30,
                System.getProperty("os.version"), Runtime.version());
    }
}
