// Correct: model virtual-threads: one virtual thread per connection (Thread.ofVirtual()), at most --max-clients at once through a Semaphore acquired before accept (past it clients wait in the backlog), blocking java.net sockets, hand-written line framing.
// Launch: ./jbang tests/correct/VirtualPerClient.java
//JAVA 25+

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

public class VirtualPerClient {

    static final String MODEL = "virtual-threads";

    // ------------------------------------------------------------------ options
    static int port = 8888;
    static String bind = "127.0.0.1";
    static byte[] prefix = "server echo# ".getBytes(StandardCharsets.UTF_8);
    static boolean raw = false;
    static int maxLine = 65536;
    static int workers = 16;         // accepted and ignored by this model
    static int queueCap = 64;        // accepted and ignored by this model
    static int maxClients = 256;     // concurrent connections (and so client threads)
    static long idleMillis = 0;      // 0 = no idle timeout
    static boolean shortLived = false;
    static boolean quiet = false;

    static final String USAGE = """
            usage: VirtualPerClient [--port 8888] [--bind 127.0.0.1] [--prefix 'server echo# ']
                                    [--raw] [--max-line 65536] [--max-clients 256]
                                    [--idle-timeout SECONDS] [--short-lived] [--quiet]
                                    [--workers N] [--queue N]
              --port N          TCP port, 0 takes a free one (default 8888)
              --bind HOST       address to listen on (default 127.0.0.1)
              --prefix S        prefix of every echoed line, may be empty (default 'server echo# ')
              --raw             RFC 862 echo: bytes back unchanged, no framing
              --max-line N      longest line in bytes, LF included (default 65536)
              --max-clients N   clients served at once, one virtual thread each (default 256);
                                past it a client waits in the listen backlog
              --idle-timeout S  close a client silent for S seconds (default: never)
              --short-lived     close after the reply to the first line (line mode only)
              --quiet           no per-connection log lines
              --workers, --queue  accepted and ignored (thread-pool options)
            """;

    static final class UsageException extends Exception {
        UsageException(String m) { super(m); }
    }

    // ------------------------------------------------------------------ state
    static ServerSocket server;
    static final AtomicBoolean stopping = new AtomicBoolean();
    static final Set<Socket> open = ConcurrentHashMap.newKeySet();
    static final AtomicLong ids = new AtomicLong();
    static Semaphore slots;
    static final Set<Thread> clientThreads = ConcurrentHashMap.newKeySet();
    static final PrintStream err = System.err;

    public static void main(String[] args) {
        try {
            parse(args, rawArgs(args));
        } catch (UsageException e) {
            if (!e.getMessage().isEmpty()) err.println("error: " + escape(e.getMessage()));
            err.print(USAGE);
            err.flush();
            System.exit(2);
        }

        InetAddress addr;
        try {
            addr = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            err.println("error: --bind: unknown host " + escape(bind));
            err.print(USAGE);
            err.flush();
            System.exit(2);
            return;
        }
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(addr, port), 512);
        } catch (BindException e) {
            err.println("error: cannot listen on " + escape(hostPort(addr, port)) + ": "
                    + escape(String.valueOf(e.getMessage())) + " (is the port already in use?)");
            err.flush();
            System.exit(1);
            return;
        } catch (IOException | IllegalArgumentException e) {
            err.println("error: cannot listen on " + escape(hostPort(addr, port)) + ": "
                    + escape(String.valueOf(e.getMessage())));
            err.flush();
            System.exit(1);
            return;
        }

        installSignals();

        slots = new Semaphore(maxClients);

        StringBuilder ready = new StringBuilder();
        ready.append("listening on ").append(hostPort(server.getInetAddress(), server.getLocalPort()))
                .append(" model=").append(MODEL)
                .append(" pid=").append(ProcessHandle.current().pid())
                .append(" max-clients=").append(maxClients)
                .append(" mode=").append(raw ? "raw" : "line");
        if (shortLived) ready.append(" short-lived=true");
        System.out.println(ready);
        System.out.flush();

        acceptLoop();
    }

    // ------------------------------------------------------------------ accept + pool

    static void acceptLoop() {
        Thread.Builder vt = Thread.ofVirtual().name("client-", 1);
        while (!stopping.get()) {
            try {
                slots.acquire(); // a free slot first: past --max-clients, clients wait in the backlog
            } catch (InterruptedException e) {
                break;
            }
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                slots.release();
                if (stopping.get()) break;
                log("accept failed: " + e.getMessage());
                sleepQuietly(50); // e.g. out of file descriptors: do not spin
                continue;
            }
            long id = ids.incrementAndGet();
            Conn c = new Conn(id, s, peerOf(s));
            open.add(s);
            if (stopping.get()) { closeQuietly(s); open.remove(s); slots.release(); break; }
            log("#" + id + " opened " + c.peer + " (" + (maxClients - slots.availablePermits())
                    + " of " + maxClients + " slots in use)");
            try {
                vt.start(() -> {
                    clientThreads.add(Thread.currentThread());
                    try {
                        serve(c);
                    } catch (Throwable t) {
                        log("#" + c.id + " error: " + t);
                    } finally {
                        closeQuietly(c.sock);
                        open.remove(c.sock);
                        clientThreads.remove(Thread.currentThread());
                        slots.release();
                    }
                });
            } catch (Throwable t) {
                closeQuietly(s);
                open.remove(s);
                slots.release();
                log("#" + id + " closed " + c.peer + ": cannot start a thread: " + t);
            }
        }
        // the shutdown hook finishes the shutdown and halts; park here.
        while (true) sleepQuietly(1000);
    }

    record Conn(long id, Socket sock, String peer) {}

    // ------------------------------------------------------------------ one connection

    static void serve(Conn c) {
        Socket s = c.sock;
        String why = "closed by peer";
        long[] counts = new long[2]; // in, out
        try {
            s.setTcpNoDelay(true);
            if (idleMillis > 0) s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, idleMillis));
            InputStream in = s.getInputStream();
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            why = raw ? echoRaw(in, out, counts) : echoLines(s, in, out, counts);
        } catch (SocketTimeoutException e) {
            why = "idle for " + fmtSeconds(idleMillis) + " s, closed";
        } catch (IOException e) {
            why = stopping.get() ? "server shutting down" : "error: " + e.getMessage();
        }
        closeQuietly(s);
        log("#" + c.id + " closed " + c.peer + " (" + why + ", " + counts[0] + " bytes in, "
                + counts[1] + " bytes out)");
    }

    static String echoRaw(InputStream in, OutputStream out, long[] counts) throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (true) {
            int n = in.read(buf);
            if (n < 0) break;
            counts[0] += n;
            out.write(buf, 0, n);   // blocks while the peer does not read: backpressure
            out.flush();
            counts[1] += n;
        }
        out.flush();
        return "end of input";
    }

    /** Line mode. Returns why the connection ended. */
    static String echoLines(Socket s, InputStream in, OutputStream out, long[] counts) throws IOException {
        byte[] buf = new byte[64 * 1024];
        byte[] pending = new byte[Math.min(maxLine, 1024)];
        int plen = 0; // bytes of the current, incomplete line
        while (true) {
            int n = in.read(buf);
            if (n < 0) break;
            counts[0] += n;
            int start = 0;
            while (start < n) {
                int lf = indexOfLf(buf, start, n);
                int seg = (lf < 0 ? n : lf) - start; // bytes without the LF
                if ((long) plen + seg > maxLine) {
                    // more than --max-line bytes without an LF
                    out.flush();
                    byte[] msg = ("server error# line longer than " + maxLine + " bytes, closing\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    try {
                        out.write(msg);
                        out.flush();
                        counts[1] += msg.length;
                    } catch (IOException ignored) { }
                    closeGracefully(s, in);
                    return "line longer than --max-line " + maxLine;
                }
                if (lf < 0) {
                    if (plen + seg > pending.length) {
                        pending = Arrays.copyOf(pending, (int) Math.min(maxLine,
                                Math.max((long) pending.length * 2, (long) plen + seg)));
                    }
                    System.arraycopy(buf, start, pending, plen, seg);
                    plen += seg;
                    break;
                }
                out.write(prefix);
                if (plen > 0) out.write(pending, 0, plen);
                out.write(buf, start, seg + 1);
                counts[1] += prefix.length + plen + seg + 1;
                plen = 0;
                start = lf + 1;
                if (shortLived) {
                    out.flush();
                    closeGracefully(s, in);
                    return "short-lived: first line answered";
                }
            }
            out.flush(); // every complete line of this read is answered now
        }
        if (plen > 0) {
            out.write(prefix);
            out.write(pending, 0, plen);
            counts[1] += prefix.length + plen;
        }
        out.flush();
        return "end of input";
    }

    static int indexOfLf(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] == '\n') return i;
        return -1;
    }

    /** Send FIN, then discard what the peer still sends for a short while, so that closing does
     *  not turn into a reset that could destroy replies the peer has not read yet. */
    static void closeGracefully(Socket s, InputStream in) {
        try {
            s.shutdownOutput();
            long deadline = System.nanoTime() + 1_000_000_000L;
            byte[] sink = new byte[16 * 1024];
            long total = 0;
            while (total < (4L << 20)) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) break;
                s.setSoTimeout((int) Math.max(1, left));
                int r = in.read(sink);
                if (r < 0) break;
                total += r;
            }
        } catch (IOException ignored) {
        } finally {
            closeQuietly(s);
        }
    }

    // ------------------------------------------------------------------ shutdown

    /** SIGTERM and SIGINT make the JVM run its shutdown hooks; ours closes every socket, lets
     *  the client threads end, and halts with status 0 (the JVM alone would exit 143 or 130). */
    static void installSignals() {
        Runtime.getRuntime().addShutdownHook(new Thread(VirtualPerClient::shutdown, "shutdown"));
    }

    static void shutdown() {
        if (!stopping.compareAndSet(false, true)) return;
        Thread watchdog = new Thread(() -> { sleepQuietly(4000); Runtime.getRuntime().halt(0); });
        watchdog.setDaemon(true);
        watchdog.start();
        log("signal received: shutting down");
        closeAll();
        long deadline = System.nanoTime() + 2_000_000_000L;
        for (Thread t : clientThreads) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) break;
            try { t.join(left); } catch (InterruptedException e) { break; }
        }
        System.out.flush();
        err.flush();
        Runtime.getRuntime().halt(0);
    }

    static void closeAll() {
        closeQuietly(server);
        for (Socket s : open) closeQuietly(s);
    }

    // ------------------------------------------------------------------ command line

    /** The program's arguments as the bytes the kernel got (Linux), so that --prefix is kept
     *  byte for byte whatever the locale; null when they cannot be matched to args. */
    static byte[][] rawArgs(String[] args) {
        try {
            byte[] all = Files.readAllBytes(Path.of("/proc/self/cmdline"));
            List<byte[]> parts = new ArrayList<>();
            int st = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == 0) { parts.add(Arrays.copyOfRange(all, st, i)); st = i + 1; }
            }
            if (st < all.length) parts.add(Arrays.copyOfRange(all, st, all.length));
            if (parts.size() < args.length) return null;
            byte[][] tail = parts.subList(parts.size() - args.length, parts.size()).toArray(new byte[0][]);
            for (int i = 0; i < args.length; i++) {
                // the leading printable-ASCII part of each argument must be the same bytes
                String a = args[i];
                int k = 0;
                while (k < a.length() && a.charAt(k) >= 0x20 && a.charAt(k) < 0x7f && a.charAt(k) != '?') k++;
                if (tail[i].length < k) return null;
                for (int j = 0; j < k; j++) if (tail[i][j] != (byte) a.charAt(j)) return null;
                if (k == a.length() && tail[i].length != k) return null;
            }
            return tail;
        } catch (Throwable t) {
            return null;
        }
    }

    static void parse(String[] args, byte[][] rawArgs) throws UsageException {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a;
            String val = null;
            byte[] rawVal = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 2) {
                name = a.substring(0, eq);
                val = a.substring(eq + 1);
                if (rawArgs != null) {
                    byte[] r = rawArgs[i];
                    int req = 0;
                    while (req < r.length && r[req] != '=') req++;
                    rawVal = Arrays.copyOfRange(r, Math.min(req + 1, r.length), r.length);
                }
            }
            switch (name) {
                case "-h", "--help" -> {
                    if (val != null) throw new UsageException(name + " takes no value");
                    System.out.print(USAGE);
                    System.out.flush();
                    System.exit(0);
                }
                case "--raw", "--short-lived", "--quiet" -> {
                    if (val != null) throw new UsageException(name + " takes no value");
                    switch (name) {
                        case "--raw" -> raw = true;
                        case "--short-lived" -> shortLived = true;
                        default -> quiet = true;
                    }
                }
                case "--port", "--bind", "--prefix", "--max-line", "--workers", "--queue",
                     "--max-clients", "--idle-timeout" -> {
                    if (val == null) {
                        if (i + 1 >= args.length) throw new UsageException(name + " needs a value");
                        i++;
                        val = args[i];
                        rawVal = rawArgs != null ? rawArgs[i] : null;
                    }
                    switch (name) {
                        case "--port" -> port = intArg(name, val, 0, 65535);
                        case "--bind" -> {
                            if (val.isEmpty()) throw new UsageException("--bind needs a host");
                            bind = val;
                        }
                        case "--prefix" -> prefix = rawVal != null ? rawVal : val.getBytes(StandardCharsets.UTF_8);
                        case "--max-line" -> maxLine = intArg(name, val, 1, Integer.MAX_VALUE - 64);
                        case "--workers" -> workers = intArg(name, val, 0, Integer.MAX_VALUE);
                        case "--queue" -> queueCap = intArg(name, val, 0, Integer.MAX_VALUE);
                        case "--max-clients" -> maxClients = intArg(name, val, 1, 1_000_000);
                        case "--idle-timeout" -> idleMillis = secondsArg(name, val);
                        default -> throw new AssertionError(name);
                    }
                }
                default -> throw new UsageException(a.startsWith("-")
                        ? "unknown option " + a : "unexpected argument " + a);
            }
        }
        if (raw && shortLived) throw new UsageException("--short-lived is for line mode; it cannot go with --raw");
    }

    static int intArg(String name, String v, int min, int max) throws UsageException {
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a whole number, got '" + v + "'");
        }
        if (n < min || n > max) throw new UsageException(name + " must be between " + min + " and " + max + ", got " + n);
        return (int) n;
    }

    static long secondsArg(String name, String v) throws UsageException {
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a number of seconds, got '" + v + "'");
        }
        if (!(d >= 0) || d > 1e7) throw new UsageException(name + " must be 0 or more seconds, got '" + v + "'");
        long ms = Math.round(d * 1000);
        return d > 0 ? Math.max(1, ms) : 0;
    }

    // ------------------------------------------------------------------ helpers

    static String hostPort(InetAddress a, int p) {
        String h = a.getHostAddress();
        int pct = h.indexOf('%');
        if (a instanceof Inet6Address) return "[" + (pct >= 0 ? h.substring(0, pct) : h) + "]:" + p;
        return h + ":" + p;
    }

    static String peerOf(Socket s) {
        try {
            return hostPort(s.getInetAddress(), s.getPort());
        } catch (Throwable t) {
            return "?";
        }
    }

    static String fmtSeconds(long ms) {
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
    }

    /** Log text never carries raw control bytes or non-ASCII. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') b.append("\\\\");
            else if (c >= 0x20 && c < 0x7f) b.append(c);
            else if (c < 0x100) b.append(String.format("\\x%02x", (int) c));
            else b.append(String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }

    static void log(String msg) {
        if (quiet) return;
        String line = "[" + MODEL + " " + Thread.currentThread().getName() + "] " + escape(msg);
        synchronized (err) {
            err.println(line);
            err.flush();
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try { c.close(); } catch (Exception ignored) { }
    }

    static void sleepQuietly(long ms) {
        try { Thread.sleep(ms); } catch (InterruptedException ignored) { Thread.currentThread().interrupt(); }
    }
}
