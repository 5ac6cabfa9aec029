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
import java.util.ArrayList;
import java.util.Arrays;
import org.HdrHistogram.Histogram;

/** The bench's load (SPEC §9): long-lived connections in a closed loop, and connect-echo-close; one selector thread. */
final class LoadGenerator {

    private final double warmup;
    private final double seconds;

    LoadGenerator(double warmup, double seconds) {
        this.warmup = warmup;
        this.seconds = seconds;
    }

    /** Closed loop: each connection sends size bytes, waits for all of them back, and sends again. */
    Bench.Cell closedLoop(String server, InetSocketAddress address, long pid, int n, int bytes) throws IOException {
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
            return new Bench.Cell(server, "closed-loop", n, bytes, perSecond, perSecond * bytes / (1 << 20),
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
    Bench.Cell connectionRate(String server, InetSocketAddress address, long pid) throws IOException {
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
        return new Bench.Cell(server, "connections", 32, 64, perSecond, perSecond * 64 / (1 << 20), histogram.getValueAtPercentile(50),
                histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), 32, serverCpu, cpu,
                counted == 0 ? 0 : serverCpu / 100 * seconds * 1e6 / counted, cpu > 90 && serverCpu < 85 ? "generator-bound" : "");
    }

    private static void open(Selector selector, InetSocketAddress address, int i) throws IOException {
        var channel = connectFrom(address, i);
        channel.register(selector, SelectionKey.OP_CONNECT, new Conn(channel, 64));
    }

    // A non-blocking connect from source address 127.0.0.(1 + i % 32): one address alone runs out of free ports
    // among its TIME_WAIT sockets.
    private static SocketChannel connectFrom(InetSocketAddress address, int i) throws IOException {
        var channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (1 + i % 32)}), 0));
        channel.connect(address);
        return channel;
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


    /**
     * Short-lived clients: {@code n} at once, each connecting, sending one line, reading its reply and then the server's
     * close (the server runs with --short-lived), and coming again. Served: the clients with at least one exchange.
     */
    Bench.Cell shortLived(String server, InetSocketAddress address, long pid, int n, byte[] prefix) throws IOException {
        var histogram = new Histogram(60_000_000L, 3);
        var line = "short-lived client\n".getBytes();
        var expected = new byte[prefix.length + line.length];
        System.arraycopy(prefix, 0, expected, 0, prefix.length);
        System.arraycopy(line, 0, expected, prefix.length, line.length);
        var threadCpu = ManagementFactory.getThreadMXBean();
        long from = System.nanoTime() + (long) (warmup * 1e9);
        long until = from + (long) (seconds * 1e9);
        long counted = 0;
        long wrong = 0;
        long refused = 0;
        long cpuFrom = threadCpu.getCurrentThreadCpuTime();
        long serverFrom = cpuTicks(pid);
        boolean measuring = false;
        var exchanges = new long[n];
        try (var selector = Selector.open()) {
            for (int i = 0; i < n; i++) {
                openShort(selector, address, i);
            }
            while (System.nanoTime() < until) {
                if (!measuring && System.nanoTime() >= from) {
                    measuring = true;
                    cpuFrom = threadCpu.getCurrentThreadCpuTime();
                    serverFrom = cpuTicks(pid);
                    Arrays.fill(exchanges, 0);
                }
                selector.select(10);
                for (var key : selector.selectedKeys()) {
                    var client = (ShortClient) key.attachment();
                    boolean done = false;
                    try {
                        if (key.isConnectable()) {
                            client.channel.finishConnect();
                            client.sentAt = System.nanoTime();
                            client.channel.write(ByteBuffer.wrap(line));
                            key.interestOps(SelectionKey.OP_READ);
                        } else if (key.isReadable()) {
                            var buffer = ByteBuffer.allocate(256);
                            if (client.channel.read(buffer) < 0) {
                                done = true;
                                if (client.got.size() == 0) {
                                    // Closed without a reply: refused (a full pool's policy), and it comes again.
                                    refused += measuring ? 1 : 0;
                                } else if (!Arrays.equals(client.got.toByteArray(), expected)) {
                                    wrong++;
                                } else if (measuring) {
                                    counted++;
                                    exchanges[client.slot]++;
                                    histogram.recordValue(Math.min((System.nanoTime() - client.sentAt) / 1000, 59_999_999L));
                                }
                            } else {
                                client.got.write(buffer.array(), 0, buffer.position());
                            }
                        }
                    } catch (IOException e) {
                        // Refused, or reset: this client comes again.
                        done = true;
                    }
                    if (done) {
                        key.cancel();
                        client.channel.close();
                        openShort(selector, address, client.slot);
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
        int served = (int) Arrays.stream(exchanges).filter(e -> e > 0).count();
        var note = served < n ? served + " of " + n + " served" : "";
        if (refused > 0) {
            note = (note.isEmpty() ? "" : note + "; ") + "%.0f refused a second".formatted(refused / seconds);
        }
        if (wrong > 0) {
            note = (note.isEmpty() ? "" : note + "; ") + wrong + " replies differed";
        }
        return new Bench.Cell(server, "short-lived", n, line.length, perSecond, perSecond * line.length / (1 << 20),
                histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), served,
                serverCpu, cpu, counted == 0 ? 0 : serverCpu / 100 * seconds * 1e6 / counted, note);
    }

    /** One short-lived client: its slot among the n, what came back, and when its line was sent. */
    private static final class ShortClient {
        final SocketChannel channel;
        final int slot;
        final java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        long sentAt;

        ShortClient(SocketChannel channel, int slot) {
            this.channel = channel;
            this.slot = slot;
        }
    }

    private static void openShort(Selector selector, InetSocketAddress address, int slot) throws IOException {
        var channel = connectFrom(address, slot);
        channel.register(selector, SelectionKey.OP_CONNECT, new ShortClient(channel, slot));
    }
}
