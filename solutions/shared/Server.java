//DEPS info.picocli:picocli:4.7.7
//JAVAC_OPTIONS -XDignore.symbol.file

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * What every server of the kit shares and no lesson edits (SPEC §3): options, the listening
 * socket, the ready line, the log, shutdown on SIGTERM. EchoServer adds the echo loop; a lesson
 * extends that and writes {@link #serve}: who accepts clients, and who serves them.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, version = "Echo Kit 1",
        description = "An echo server of Echo Kit: every line it reads comes back as PREFIX + line (SPEC §2).",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:stopped by SIGTERM or SIGINT", "1:the port is in use, or the server failed",
                        "2:bad arguments"})
abstract class Server implements Callable<Integer> {

    // Connections the kernel completes while nobody accepts them wait here (Linux caps it at somaxconn).
    static final int BACKLOG = 1024;

    @Option(names = "--port", defaultValue = "8888", paramLabel = "PORT",
            description = "TCP port to listen on; 0 takes a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on; 0.0.0.0 opens the server to the network (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--prefix", defaultValue = "server echo# ", paramLabel = "TEXT",
            description = "Written before every echoed line; may be empty (default: '${DEFAULT-VALUE}').")
    String prefix;

    @Option(names = "--raw", description = "Raw mode (RFC 862): every byte comes back unchanged; no lines, no prefix.")
    boolean raw;

    @Option(names = "--max-line", defaultValue = "65536", paramLabel = "BYTES",
            description = "Longest line, LF included; past it the client gets an error line and is closed (default: ${DEFAULT-VALUE}).")
    int maxLine;

    @Option(names = "--workers", defaultValue = "16", paramLabel = "N",
            description = "Threads of the pool, thus clients served at once (thread-pool; default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--queue", defaultValue = "64", paramLabel = "N",
            description = "Accepted clients waiting for a worker; past it a client is closed (thread-pool; default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-clients", paramLabel = "N",
            description = "Clients served at once; past it new ones wait in the backlog (default: 256; multi-process: 32).")
    Integer maxClients;

    @Option(names = "--idle-timeout", defaultValue = "0", paramLabel = "SECONDS",
            description = "Close a client silent for this long; 0: never (default: ${DEFAULT-VALUE}).")
    int idleTimeout;

    @Option(names = "--short-lived", description = "Line mode: close each connection once its first line is answered.")
    boolean shortLived;

    @Option(names = "--quiet", description = "No log line per connection on standard error.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    private ServerSocket listener;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean stopping;
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** The model's name in the ready line (SPEC §3). */
    abstract String model();

    /**
     * Accepts clients from {@code listener} and has them served, until the listener is closed: the
     * accept loop of the blocking models. A model that listens its own way overrides listen() and serve() instead.
     */
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        throw new UnsupportedOperationException(model() + " overrides serve(ServerSocket), or listen() and serve()");
    }

    /** More {@code key=value} pairs for the ready line. */
    String details() {
        return "";
    }

    /** --max-clients when none is given: 256, as SPEC §3 says; a model may need a smaller one. */
    int defaultMaxClients() {
        return 256;
    }

    /** Clients served at once (--max-clients, or the model's default). */
    int maxClients() {
        return maxClients != null ? maxClients : defaultMaxClients();
    }

    /** Runs a server with the command line's arguments, and exits with its status. */
    static void run(Server server, String[] args) {
        System.exit(new CommandLine(server).execute(args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        validate();
        InetSocketAddress address;
        try {
            address = listen();
        } catch (BindException e) {
            System.err.printf("error: cannot listen on %s:%d: %s%s%n", bind, port, e.getMessage(),
                    e.getMessage().contains("in use") ? " (another server on this port? --port 0 takes a free one)" : "");
            return 1;
        }
        // SIGTERM and SIGINT stop the server with status 0; a shutdown hook alone would exit with 143.
        for (var name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                stop("SIG" + name);
                System.exit(0);
            });
        }
        System.out.printf("listening on %s:%d model=%s pid=%d mode=%s%s%s%n", address.getAddress().getHostAddress(),
                address.getPort(), model(), ProcessHandle.current().pid(), raw ? "raw" : "line",
                details().isEmpty() ? "" : " " + details(), (idleTimeout > 0 ? " idle-timeout=" + idleTimeout : "")
                        + (shortLived ? " short-lived=true" : ""));
        System.out.flush();
        try {
            serve();
        } catch (IOException e) {
            if (!stopping) {
                throw e;
            }
            // The listener was closed by a signal: let the stop finish before main exits.
            stopped.await();
        }
        return 0;
    }

    /** Opens the listening socket and returns its address. A model that listens its own way overrides it, and serve(). */
    InetSocketAddress listen() throws IOException {
        listener = new ServerSocket(port, BACKLOG, InetAddress.getByName(bind));
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Serves until the server stops: by default, the accept loop of {@link #serve(ServerSocket)}. */
    void serve() throws IOException, InterruptedException {
        serve(listener);
    }

    /** Whether the server is stopping (a signal came): a client's error is then the server's doing. */
    boolean stopping() {
        return stopping;
    }

    /** A blocking client being served: SIGTERM closes it. */
    void track(Socket client) {
        clients.add(client);
    }

    void untrack(Socket client) {
        clients.remove(client);
    }

    /** Logs a client's arrival. */
    void opened(String peer) {
        log("%s connected (%d open)", peer, open.incrementAndGet());
    }

    /** Logs a client's departure: why, and how many bytes went each way. */
    void closed(String peer, String ending, long received, long sent) {
        log("%s closed: %s; %d bytes in, %d out (%d open)", peer, ending, received, sent, open.decrementAndGet());
    }

    /** Closes a client the server will not serve, and says why in the log. */
    void refuse(Socket client, String why) {
        log("%s refused: %s", client.getInetAddress().getHostAddress() + ":" + client.getPort(), why);
        try {
            client.close();
        } catch (IOException e) {
            log("closing a refused client: %s", e.getMessage());
        }
    }

    /** Called once the server is stopping, after the listener and the clients are closed: a model releases what else it holds. */
    void release() {
    }

    /**
     * One line on standard error, written at once so that concurrent lines never interleave. Control
     * characters are escaped: nothing a client sends can forge a log line or drive a terminal.
     */
    void log(String format, Object... args) {
        if (!quiet) {
            var line = "%s [%s] %s".formatted(LocalTime.now().truncatedTo(ChronoUnit.MILLIS),
                    Thread.currentThread().getName(), format.formatted(args));
            var safe = new StringBuilder(line.length());
            line.codePoints().forEach(c -> {
                if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                    safe.append("\\x%02x".formatted(c));
                } else {
                    safe.appendCodePoint(c);
                }
            });
            System.err.println(safe);
        }
    }

    private synchronized void stop(String why) {
        if (stopping) {
            return;
        }
        stopping = true;
        log("stopping (%s): closing the listener and %d clients", why, clients.size());
        try {
            if (listener != null) {
                closeQuietly(listener);
            }
            clients.forEach(this::closeQuietly);
            release();
        } finally {
            stopped.countDown();
        }
    }

    void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log("closing: %s", e.getMessage());
        }
    }

    private void validate() {
        check(port >= 0 && port <= 65535, "--port must be between 0 and 65535, not " + port);
        check(maxLine >= 1, "--max-line must be at least 1, not " + maxLine);
        check(workers >= 1, "--workers must be at least 1, not " + workers);
        check(queue >= 1, "--queue must be at least 1, not " + queue);
        check(maxClients() >= 1, "--max-clients must be at least 1, not " + maxClients());
        check(idleTimeout >= 0, "--idle-timeout must be 0 or more, not " + idleTimeout);
        check(!(raw && shortLived), "--short-lived is for line mode; it cannot go with --raw");
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
