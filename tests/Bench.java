//JAVA 25+
//DEPS info.picocli:picocli:4.7.7
//DEPS org.hdrhistogram:HdrHistogram:2.2.2
//DEPS org.knowm.xchart:xchart:3.8.8
//DEPS com.google.code.gson:gson:2.13.2
//SOURCES lib/Launch.java lib/ProcFs.java lib/Bytes.java
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
                "  ./jbang bench --port 8888 --rate", "  ./jbang bench --all --anchor netty --pin"})
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
                launched = Launch.start((pin ? "taskset -c 0 " : "") + launch, List.of("--port", "0"), Duration.ofMinutes(3));
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
            var cell = rate ? connectionRate("server", address, pid) : closedLoop("server", address, pid, connections, size);
            System.out.println(header());
            System.out.println(row(cell));
            return 0;
        } finally {
            if (launched != null) {
                launched.stop();
            }
        }
    }

    // ---- The generator --------------------------------------------------------------------------

    /** Closed loop: each connection sends size bytes, waits for all of them back, and sends again. */
    Cell closedLoop(String server, InetSocketAddress address, long pid, int n, int bytes) throws IOException {
        var histogram = new Histogram(60_000_000L, 3);
        var message = new byte[bytes];
        Arrays.fill(message, (byte) 'x');
        var threadCpu = ManagementFactory.getThreadMXBean();
        try (var selector = Selector.open()) {
            var conns = new ArrayList<Conn>();
            for (int i = 0; i < n; i++) {
                var channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                channel.connect(address);
                var conn = new Conn(channel, bytes);
                conns.add(conn);
                channel.register(selector, SelectionKey.OP_CONNECT, conn);
            }
            long start = System.nanoTime();
            long from = start + (long) (warmup * 1e9);
            long until = from + (long) (seconds * 1e9);
            long cpuFrom = -1;
            long serverFrom = -1;
            long counted = 0;
            long wrong = 0;
            boolean measuring = false;
            while (true) {
                long now = System.nanoTime();
                if (now >= until) {
                    break;
                }
                if (!measuring && now >= from) {
                    measuring = true;
                    cpuFrom = threadCpu.getCurrentThreadCpuTime();
                    serverFrom = cpuTicks(pid);
                    conns.forEach(c -> c.rounds = 0);
                }
                selector.select(10);
                for (var key : selector.selectedKeys()) {
                    var conn = (Conn) key.attachment();
                    try {
                        if (key.isConnectable()) {
                            conn.channel.finishConnect();
                            conn.send(message, key);
                            continue;
                        }
                        if (key.isWritable()) {
                            conn.flush(key);
                        }
                        if (key.isReadable() && conn.receive(key)) {
                            long took = System.nanoTime() - conn.sentAt;
                            if (measuring) {
                                histogram.recordValue(Math.min(took / 1000, 59_999_999L));
                                counted++;
                                conn.rounds++;
                            }
                            conn.send(message, key);
                        }
                    } catch (IOException e) {
                        // Refused or closed by the server (a full pool refuses): this connection is out.
                        if (e instanceof EchoDiffers) {
                            wrong++;
                        }
                        key.cancel();
                        conn.channel.close();
                    }
                }
                selector.selectedKeys().clear();
            }
            double cpu = (threadCpu.getCurrentThreadCpuTime() - cpuFrom) / 1e9 / seconds * 100;
            double serverCpu = (cpuTicks(pid) - serverFrom) / 100.0 / seconds * 100;
            int served = (int) conns.stream().filter(c -> c.rounds > 0).count();
            for (var c : conns) {
                c.channel.close();
            }
            double perSecond = counted / seconds;
            var note = served < n ? served + " of " + n + " served" : "";
            if (wrong > 0) {
                note = (note.isEmpty() ? "" : note + "; ") + wrong + " echoes differed";
            }
            if (cpu > 90 && serverCpu < 85) {
                note = (note.isEmpty() ? "" : note + "; ") + "generator-bound";
            }
            return new Cell(server, "closed-loop", n, bytes, perSecond, perSecond * bytes / (1 << 20),
                    histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9),
                    served, serverCpu, cpu, counted == 0 ? 0 : serverCpu / 100 * seconds * 1e6 / counted, note);
        }
    }

    /** One connection of the closed loop: what is left to send of the message, and how much has come back. */
    private static final class Conn {
        final SocketChannel channel;
        final ByteBuffer in;
        ByteBuffer out;
        long sentAt;
        long rounds;

        Conn(SocketChannel channel, int size) {
            this.channel = channel;
            this.in = ByteBuffer.allocate(size);
        }

        void send(byte[] message, SelectionKey key) throws IOException {
            out = ByteBuffer.wrap(message);
            sentAt = System.nanoTime();
            flush(key);
        }

        void flush(SelectionKey key) throws IOException {
            channel.write(out);
            key.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE | SelectionKey.OP_READ : SelectionKey.OP_READ);
        }

        // True once the whole message has come back; it must be the message sent, byte for byte.
        boolean receive(SelectionKey key) throws IOException {
            if (channel.read(in) < 0) {
                throw new IOException("closed by the server");
            }
            if (in.hasRemaining()) {
                return false;
            }
            in.clear();
            if (!in.equals(ByteBuffer.wrap(out.array()))) {
                throw new EchoDiffers();
            }
            return true;
        }
    }

    /** The echo was not what was sent. */
    private static final class EchoDiffers extends IOException {
        EchoDiffers() {
            super("the echo differs from the message sent");
        }
    }

    /** Connect, echo 64 bytes, close: 32 at a time, from 32 source addresses (127.0.0.1-32) to spread the ports. */
    Cell connectionRate(String server, InetSocketAddress address, long pid) throws IOException {
        var histogram = new Histogram(60_000_000L, 3);
        var message = new byte[64];
        Arrays.fill(message, (byte) 'r');
        var threadCpu = ManagementFactory.getThreadMXBean();
        long start = System.nanoTime();
        long from = start + (long) (warmup * 1e9);
        long until = from + (long) (seconds * 1e9);
        long counted = 0;
        long cpuFrom = threadCpu.getCurrentThreadCpuTime();
        long serverFrom = cpuTicks(pid);
        boolean measuring = false;
        int next = 0;
        try (var selector = Selector.open()) {
            for (int i = 0; i < 32; i++) {
                open(selector, address, next++);
            }
            while (System.nanoTime() < until) {
                if (!measuring && System.nanoTime() >= from) {
                    measuring = true;
                    cpuFrom = threadCpu.getCurrentThreadCpuTime();
                    serverFrom = cpuTicks(pid);
                }
                selector.select(10);
                for (var key : selector.selectedKeys()) {
                    var conn = (Conn) key.attachment();
                    boolean done = false;
                    try {
                        if (key.isConnectable()) {
                            conn.channel.finishConnect();
                            conn.send(message, key);
                        } else if (key.isWritable()) {
                            conn.flush(key);
                        } else if (key.isReadable() && conn.receive(key)) {
                            done = true;
                            if (measuring) {
                                counted++;
                                histogram.recordValue(Math.min((System.nanoTime() - conn.sentAt) / 1000, 59_999_999L));
                            }
                        }
                    } catch (IOException e) {
                        done = true;
                    }
                    if (done) {
                        key.cancel();
                        conn.channel.close();
                        open(selector, address, next++);
                    }
                }
                selector.selectedKeys().clear();
            }
            for (var key : selector.keys()) {
                key.channel().close();
            }
        }
        double cpu = (threadCpu.getCurrentThreadCpuTime() - cpuFrom) / 1e9 / seconds * 100;
        double serverCpu = (cpuTicks(pid) - serverFrom) / 100.0 / seconds * 100;
        double perSecond = counted / seconds;
        return new Cell(server, "connections", 32, 64, perSecond, perSecond * 64 / (1 << 20), histogram.getValueAtPercentile(50),
                histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), 32, serverCpu, cpu,
                counted == 0 ? 0 : serverCpu / 100 * seconds * 1e6 / counted, cpu > 90 && serverCpu < 85 ? "generator-bound" : "");
    }

    private static void open(Selector selector, InetSocketAddress address, int i) throws IOException {
        var channel = SocketChannel.open();
        channel.configureBlocking(false);
        // Many source addresses: one alone runs out of free ports among its TIME_WAIT sockets.
        channel.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (1 + i % 32)}), 0));
        channel.connect(address);
        channel.register(selector, SelectionKey.OP_CONNECT, new Conn(channel, 64));
    }

    // CPU time of a server in clock ticks (100 a second): its own, its reaped children's (cutime, cstime),
    // and its live children's; so that a child's time counts whether or not it has ended.
    private static long cpuTicks(long pid) {
        if (pid <= 0) {
            return 0;
        }
        long ticks = stat(pid, true);
        for (var child : ProcFs.descendants(pid)) {
            ticks += stat(child.pid(), false);
        }
        return ticks;
    }

    private static long stat(long pid, boolean withReaped) {
        try {
            var stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            var f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]) + (withReaped ? Long.parseLong(f[13]) + Long.parseLong(f[14]) : 0);
        } catch (IOException | RuntimeException e) {
            return 0;
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
                        cells.add(print(closedLoop(server.name(), running.address(), running.pid(), count, size)));
                    }
                }
                cells.add(print(connectionRate(server.name(), running.address(), running.pid())));
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
                    var cell = closedLoop(r.server().name(), r.address(), r.pid(), 256, 64);
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
                        .add(closedLoop("event-loop", running.address(), running.pid(), 256, 64).perSecond());
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
