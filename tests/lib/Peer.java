import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * One client connection whose every read is bounded in time: it reports what arrived and how the
 * wait ended (all bytes, end of stream, reset, or timeout), never blocks past its deadline.
 */
final class Peer implements AutoCloseable {

    /** How a read ended. */
    enum End { COMPLETE, EOF, RESET, TIMEOUT }

    /**
     * What a read got: the bytes, how it ended, and how long it took; {@code stalled}, when a wait was cut short as
     * no reply could come any more, says why (else null).
     */
    record Reply(byte[] bytes, End end, Duration elapsed, String stalled) {

        Reply(byte[] bytes, End end, Duration elapsed) {
            this(bytes, end, elapsed, null);
        }

        boolean complete() {
            return end == End.COMPLETE;
        }

        /** "18 bytes, then end of stream after 0.2 s". */
        String describe() {
            var how = switch (end) {
                case COMPLETE -> "(as many as expected)";
                case EOF -> "then end of stream (the server closed the connection)";
                case RESET -> "then connection reset (the server's socket was closed with data unread, or it crashed)";
                case TIMEOUT -> "then nothing more";
            };
            return Bytes.count(bytes.length) + " " + how + (end == End.COMPLETE ? " in " : " after ") + seconds(elapsed)
                    + (stalled == null ? "" : ", when the wait ended as no reply could come: " + stalled);
        }
    }

    private static final int TRACED = 60;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final long born = System.nanoTime();
    // With --verbose: the peer keeps a trace of what it sent and received, for failure messages.
    private final boolean tracing;
    private final java.util.List<String> trace = new java.util.ArrayList<>();
    // The first bytes this connection received, before the current read: an old reply sent again shows against them.
    private final ByteArrayOutputStream history = new ByteArrayOutputStream();
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private boolean ended;

    private Peer(Socket socket, boolean tracing) throws IOException {
        this.socket = socket;
        this.tracing = tracing;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects within {@code timeout}. */
    static Peer connect(InetSocketAddress server, Duration timeout) throws IOException {
        return connect(server, timeout, false);
    }

    /** Connects within {@code timeout}; a tracing peer keeps a byte trace of its exchange (--verbose). */
    static Peer connect(InetSocketAddress server, Duration timeout, boolean tracing) throws IOException {
        return connect(server, timeout, tracing, 0);
    }

    /** As above, with a receive buffer of {@code receiveBuffer} bytes (0: the system's): a small one makes the server's writes wait. */
    static Peer connect(InetSocketAddress server, Duration timeout, boolean tracing, int receiveBuffer) throws IOException {
        var socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            if (receiveBuffer > 0) {
                // Before connect: the window the connection opens with follows it.
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(server, (int) Math.max(1, timeout.toMillis()));
            return new Peer(socket, tracing);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    Socket socket() {
        return socket;
    }

    /** The client's own port: with the server's port, it names the connection in /proc/net/tcp. */
    int localPort() {
        return socket.getLocalPort();
    }

    /** Writes all of {@code bytes} (blocks while the server does not read and the buffers are full). */
    Peer send(byte[] bytes) throws IOException {
        note("->", bytes, bytes.length);
        out.write(bytes);
        return this;
    }

    // One line of the trace: when, which way, how many bytes, and the first of them.
    private synchronized void note(String direction, byte[] bytes, int n) {
        if (tracing && trace.size() < TRACED) {
            trace.add("%+7d ms %s %s %s".formatted((System.nanoTime() - born) / 1_000_000, direction, Bytes.count(n),
                    n == 0 ? "" : Bytes.text(java.util.Arrays.copyOf(bytes, Math.min(n, 48))) + (n > 48 ? "..." : "")));
        }
    }

    private synchronized void noteEnd(String what) {
        if (tracing && trace.size() < TRACED) {
            trace.add("%+7d ms %s".formatted((System.nanoTime() - born) / 1_000_000, what.startsWith("->") ? what : "<- " + what));
        }
    }

    /** The exchange so far, one line per write and read (empty unless tracing). */
    synchronized String trace() {
        if (trace.isEmpty()) {
            return "";
        }
        return "byte trace of client port " + socket.getLocalPort() + " (-> sent, <- received):\n  "
                + String.join("\n  ", trace) + (trace.size() == TRACED ? "\n  ..." : "");
    }

    Peer send(String text) throws IOException {
        return send(Bytes.of(text));
    }

    /** Half-closes: the server reads end of stream, and can still write back. */
    void halfClose() throws IOException {
        noteEnd("-> half-close");
        socket.shutdownOutput();
    }

    /** How many bytes have arrived and wait unread, without reading them. */
    int unread() throws IOException {
        return socket.getInputStream().available();
    }

    /** Closes with RST instead of FIN (SO_LINGER 0), as a crashed or killed client would. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Reads until {@code n} bytes have arrived, the stream ends, or {@code timeout} has passed. */
    Reply read(int n, Duration timeout) throws IOException {
        return readUpTo(n, timeout, null, SLICE);
    }

    /**
     * As above, but gives up as soon as {@code hopeless} says no more can come: asked after 20 ms of silence (what was
     * already on its way has come by then), then every 200 ms.
     */
    Reply read(int n, Duration timeout, java.util.function.BooleanSupplier hopeless) throws IOException {
        return readUpTo(n, timeout, hopeless, 20_000_000L);
    }

    /** Reads until the server closes the connection, {@code max} bytes, or {@code timeout}. */
    Reply readToEnd(Duration timeout, int max) throws IOException {
        return readUpTo(max, timeout, null, SLICE);
    }

    /** As above, but gives up as soon as {@code hopeless} says the end cannot come (asked every 200 ms of silence). */
    Reply readToEnd(Duration timeout, int max, java.util.function.BooleanSupplier hopeless) throws IOException {
        return readUpTo(max, timeout, hopeless, SLICE);
    }

    /** Whatever arrives within {@code window}: used to see that nothing does. */
    Reply quiet(Duration window) throws IOException {
        return readUpTo(Integer.MAX_VALUE, window, null, SLICE);
    }

    /** The first bytes received on this connection before the last read (at most 64 KiB). */
    synchronized byte[] earlier() {
        return history.toByteArray();
    }

    // How often a read asks whether it is hopeless, in nanoseconds.
    private static final long SLICE = 200_000_000L;

    private Reply readUpTo(int n, Duration timeout, java.util.function.BooleanSupplier hopeless, long firstSlice)
            throws IOException {
        synchronized (this) {
            if (history.size() < 1 << 16) {
                history.write(current.toByteArray(), 0, Math.min(current.size(), (1 << 16) - history.size()));
            }
            current.reset();
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        var got = new ByteArrayOutputStream(Math.min(n, 1 << 16));
        var buffer = new byte[Math.min(n, 1 << 16)];
        var end = End.COMPLETE;
        while (got.size() < n) {
            if (ended) {
                end = End.EOF;
                break;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                end = End.TIMEOUT;
                break;
            }
            try {
                long slice = hopeless == null ? left : Math.min(left, firstSlice);
                firstSlice = SLICE;
                socket.setSoTimeout((int) Math.max(1, slice / 1_000_000));
                int r = in.read(buffer, 0, Math.min(buffer.length, n - got.size()));
                if (r < 0) {
                    ended = true;
                    end = End.EOF;
                    noteEnd("end of stream");
                    break;
                }
                note("<-", buffer, r);
                got.write(buffer, 0, r);
                synchronized (this) {
                    if (current.size() < 1 << 16) {
                        current.write(buffer, 0, Math.min(r, (1 << 16) - current.size()));
                    }
                }
            } catch (SocketTimeoutException e) {
                if (hopeless != null && deadline - System.nanoTime() > 0 && !hopeless.getAsBoolean()) {
                    continue;
                }
                end = End.TIMEOUT;
                break;
            } catch (SocketException e) {
                end = End.RESET;
                break;
            }
        }
        return new Reply(got.toByteArray(), end, Duration.ofNanos(System.nanoTime() - start));
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing a socket we are done with: nothing to learn from a failure.
        }
    }

    static String seconds(Duration d) {
        return "%.1f s".formatted(d.toMillis() / 1000.0);
    }
}
