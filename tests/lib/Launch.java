import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * A server the kit starts from a shell command: it waits for the ready line (SPEC §3), keeps the
 * server's output, and stops it so that nothing is left running: SIGTERM, then SIGKILL to every
 * process of its tree, each by its pid, and to every process that carries this launch's mark in its
 * environment (a child left behind by a server that exited is no longer in its tree).
 */
final class Launch {

    /** The environment variable that marks every process a launch starts (children inherit it). */
    static final String MARK = "ECHO_KIT_LAUNCH";

    /** "listening on HOST:PORT model=MODEL pid=PID key=value...". */
    record Ready(String line, String host, int port, Map<String, String> fields) {

        private static final Pattern READY = Pattern.compile("listening on (\\S+):(\\d+)((?:\\s+\\S+=\\S*)*)\\s*");

        static Optional<Ready> parse(String line) {
            var m = READY.matcher(line);
            if (!m.matches()) {
                return Optional.empty();
            }
            var fields = new LinkedHashMap<String, String>();
            for (var pair : m.group(3).trim().split("\\s+")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    fields.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
            var host = m.group(1).replaceAll("^\\[(.*)]$", "$1");
            return Optional.of(new Ready(line, host, Integer.parseInt(m.group(2)), fields));
        }

        Optional<String> field(String key) {
            return Optional.ofNullable(fields.get(key));
        }

        Optional<Integer> intField(String key) {
            return field(key).filter(v -> v.matches("\\d+")).map(Integer::parseInt);
        }
    }

    private static final int KEPT_LINES = 400;

    private final String command;
    private final Process process;
    private final String mark;
    private final CompletableFuture<Ready> ready = new CompletableFuture<>();
    private final List<String> earlyStdout = new ArrayList<>();
    private final ArrayDeque<String> stderr = new ArrayDeque<>();
    private long stderrCount;
    private Ready readyLine;
    private String failure;
    private boolean timedOut;
    private boolean ranOn;
    private Thread stderrDrain;
    private boolean stopped;
    private long checkMark = -1;
    // Stops the server if the suite's JVM ends first; removed once the server is stopped.
    private final Thread hook = new Thread(this::stop, "stop-launched-server");

    private Launch(String command, Process process, String mark) {
        this.command = command;
        this.process = process;
        this.mark = mark;
    }

    /** Starts {@code command} with {@code extraArgs} appended, and waits for its ready line. */
    static Launch start(String command, List<String> extraArgs, Duration readyTimeout) throws IOException, InterruptedException {
        var full = new StringBuilder(command);
        for (var arg : extraArgs) {
            full.append(' ').append(shellQuote(arg));
        }
        var mark = MARK + "=" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        var builder = new ProcessBuilder("bash", "-c", full.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put(MARK, mark.substring(MARK.length() + 1));
        var process = builder.start();
        var launch = new Launch(full.toString(), process, mark);
        Runtime.getRuntime().addShutdownHook(launch.hook);
        launch.drain(process.getInputStream(), true);
        launch.drain(process.getErrorStream(), false);
        try {
            launch.readyLine = launch.ready.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            launch.timedOut = true;
            launch.failure = "the server printed no ready line ('listening on HOST:PORT model=...') within "
                    + readyTimeout.toSeconds() + " s";
        } catch (ExecutionException e) {
            launch.failure = e.getCause().getMessage();
        }
        if (launch.readyLine == null) {
            launch.ranOn = process.isAlive();
            launch.stop();
        }
        return launch;
    }

    String command() {
        return command;
    }

    Process process() {
        return process;
    }

    /** Whether the server, still running, printed no ready line in time (it was stopped then): a slow start. */
    boolean timedOut() {
        return timedOut;
    }

    /** Whether the server was still running when it gave no ready line (it was stopped then), a slow start or not. */
    boolean ranOn() {
        return ranOn;
    }

    /** The ready line, or null when the server never printed one. */
    Ready ready() {
        return readyLine;
    }

    /**
     * Empty unless the launched server's ready line names a pid that does not hold its listening socket (SPEC §3: the
     * server's own): then what it named and who holds the socket. Such a server cannot be judged on what it declares.
     */
    Optional<String> falseReadyPid(int port) {
        var named = readyLine == null ? Optional.<Long>empty()
                : readyLine.field("pid").filter(v -> v.matches("\\d+")).map(Long::parseLong);
        var owners = ProcFs.listenerOwners(port);
        if (named.isEmpty() || owners.isEmpty() || owners.contains(named.get())) {
            return Optional.empty();
        }
        return Optional.of("the ready line names pid %d%s, but the listening socket on port %d belongs to pid %s: the ready line "
                .formatted(named.get(), ProcFs.process(named.get()).map(p -> " (" + p.comm() + ")").orElse(""), port,
                        owners.stream().map(o -> o + ProcFs.process(o).map(p -> " (" + p.comm() + ")").orElse("")).toList())
                + "must name the server's own pid (SPEC §3), which the checks of its processes rely on");
    }

    /** Why there is no ready line: what happened, and what the server printed. */
    String whyNotReady() {
        awaitLastWords(Duration.ofSeconds(1));
        var s = new StringBuilder("error: could not launch the server: ").append(failure).append('\n');
        s.append("  command: ").append(command).append('\n');
        synchronized (this) {
            if (!earlyStdout.isEmpty()) {
                s.append("  its standard output began with:\n");
                earlyStdout.stream().limit(10).forEach(l -> s.append("    ").append(l).append('\n'));
            }
            if (!stderr.isEmpty()) {
                s.append("  its standard error ended with:\n");
                stderr.stream().skip(Math.max(0, stderr.size() - 15)).forEach(l -> s.append("    ").append(l).append('\n'));
            }
        }
        return s.toString().stripTrailing();
    }

    /** A mark in the server's standard error, to get the lines written after it. */
    synchronized long stderrMark() {
        return stderrCount;
    }

    /**
     * Starts a check's share of the server's standard error, and returns its mark. The first check of this launch also
     * owns what the server wrote before it: the suite's own first connection (is it reachable?) may have ended it.
     */
    synchronized long beginCheck() {
        checkMark = checkMark < 0 ? 0 : stderrCount;
        return checkMark;
    }

    /** The mark of the check under way ({@link #beginCheck}); 0 before the first. */
    synchronized long checkMark() {
        return Math.max(0, checkMark);
    }

    /** The lines the server wrote to standard error since {@code mark} (the last ones, at most {@code max}). */
    synchronized List<String> stderrSince(long mark, int max) {
        long available = Math.min(stderrCount - mark, stderr.size());
        return stderr.stream().skip(stderr.size() - available).skip(Math.max(0, available - max)).toList();
    }

    /** The pid of the launched process and of all its descendants, now. */
    List<Long> tree() {
        var pids = new LinkedHashSet<Long>();
        pids.add(process.pid());
        process.descendants().forEach(p -> pids.add(p.pid()));
        return List.copyOf(pids);
    }

    /** The processes this launch started that are still running, its tree or not: those that carry its mark. */
    List<Long> marked() {
        return ProcFs.marked(mark).stream().filter(pid -> ProcFs.process(pid).filter(p -> !p.zombie()).isPresent()).toList();
    }

    /** SIGTERM to the server's whole tree, then SIGKILL to whatever is left after 5 s; then to what carries its mark. Idempotent. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        var tree = tree().stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
        tree.forEach(ProcessHandle::destroy);
        awaitExit(tree, Duration.ofSeconds(5));
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree, Duration.ofSeconds(2));
        var strays = marked().stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
        strays.forEach(ProcessHandle::destroy);
        awaitExit(strays, Duration.ofSeconds(2));
        strays.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        awaitExit(strays, Duration.ofSeconds(2));
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Called from the hook itself: the JVM is ending anyway.
        }
    }

    static void awaitExit(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (var p : processes) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void drain(InputStream stream, boolean stdout) {
        var thread = new Thread(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = boundedLine(reader, MAX_LINE)) != null; ) {
                    if (stdout) {
                        stdoutLine(line);
                    } else {
                        stderrLine(line);
                    }
                }
            } catch (IOException e) {
                // The stream closed under us: the server is gone.
            }
            if (stdout) {
                ready.completeExceptionally(new IllegalStateException(exitMessage()));
            }
        }, stdout ? "server-stdout" : "server-stderr");
        thread.setDaemon(true);
        if (!stdout) {
            stderrDrain = thread;
        }
        thread.start();
    }

    /**
     * Once the server has exited, waits (at most {@code within}) until all it wrote to standard error has been read:
     * its last words, an exception's trace, may still be in the pipe when the suite sees it gone.
     */
    void awaitLastWords(Duration within) {
        if (process.isAlive() || stderrDrain == null) {
            return;
        }
        try {
            stderrDrain.join(within);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The longest line of the server's output kept: a server that writes without a line end cannot fill the suite's memory. */
    static final int MAX_LINE = 4096;

    /** The next line of {@code reader} without its end, cut to {@code max} characters (what was cut is counted); null at the end. */
    static String boundedLine(java.io.Reader reader, int max) throws IOException {
        var line = new StringBuilder();
        long cut = 0;
        for (int c; (c = reader.read()) != -1; ) {
            if (c == '\n') {
                return ended(line, cut);
            }
            if (line.length() < max) {
                line.append((char) c);
            } else {
                cut++;
            }
        }
        return line.isEmpty() && cut == 0 ? null : ended(line, cut);
    }

    private static String ended(StringBuilder line, long cut) {
        if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') {
            line.setLength(line.length() - 1);
        }
        return cut == 0 ? line.toString() : line + " [... %d more characters]".formatted(cut);
    }

    private synchronized void stdoutLine(String line) {
        if (!ready.isDone()) {
            var parsed = Ready.parse(line);
            if (parsed.isPresent()) {
                ready.complete(parsed.get());
            } else if (earlyStdout.size() < 50) {
                earlyStdout.add(line);
            }
        }
    }

    private synchronized void stderrLine(String line) {
        stderr.addLast(line);
        stderrCount++;
        if (stderr.size() > KEPT_LINES) {
            stderr.removeFirst();
        }
    }

    private String exitMessage() {
        try {
            if (process.waitFor(2, TimeUnit.SECONDS)) {
                return "the server exited with status " + process.exitValue() + " before printing its ready line";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "the server closed its standard output before printing its ready line";
    }

    /** An exit status in words: "exited with status 1", "was killed by signal 13 (SIGPIPE)" (status 128 + N). */
    static String describeExit(int status) {
        if (status > 128 && status <= 128 + 31) {
            int signal = status - 128;
            var name = switch (signal) {
                case 1 -> " (SIGHUP)";
                case 2 -> " (SIGINT)";
                case 6 -> " (SIGABRT: it aborted)";
                case 9 -> " (SIGKILL)";
                case 11 -> " (SIGSEGV: a bad memory access)";
                case 13 -> " (SIGPIPE: it wrote to a connection the client had closed, with SIGPIPE not ignored)";
                case 15 -> " (SIGTERM)";
                default -> "";
            };
            return "was killed by signal " + signal + name;
        }
        return "exited with status " + status;
    }

    /**
     * What the server's standard error says of a crash since {@code mark}: the last exception line with its first
     * frame in the server's own code (not the JDK's or a library's), else its last lines.
     */
    synchronized List<String> crashLines(long mark) {
        var thrown = thrown(mark);
        if (!thrown.isEmpty()) {
            return thrown;
        }
        var lines = stderrSince(mark, KEPT_LINES);
        return lines.subList(Math.max(0, lines.size() - 8), lines.size());
    }

    /** The last exception the server printed since {@code mark}, and its first frame in the server's own code; empty if none. */
    synchronized List<String> thrown(long mark) {
        var lines = stderrSince(mark, KEPT_LINES);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (EXCEPTION.matcher(lines.get(i)).find()) {
                var shown = new ArrayList<String>(List.of(lines.get(i).strip()));
                for (int j = i + 1; j < lines.size() && lines.get(j).strip().startsWith("at "); j++) {
                    if (!LIBRARY_FRAME.matcher(lines.get(j).strip()).find()) {
                        shown.add("  " + lines.get(j).strip());
                        break;
                    }
                }
                return shown;
            }
        }
        return List.of();
    }

    /** The last {@code max} lines of the log since {@code mark}, without stack frames (they are in thrown()). */
    synchronized List<String> logSince(long mark, int max) {
        var lines = stderrSince(mark, KEPT_LINES).stream()
                .filter(l -> !l.strip().startsWith("at ") && !l.strip().matches("\\.\\.\\. \\d+ more")).toList();
        return lines.subList(Math.max(0, lines.size() - max), lines.size());
    }

    // "Exception in thread ...", "java.io.IOException: ...", "Caused by: ...", Python's "Traceback", a Rust panic.
    private static final Pattern EXCEPTION = Pattern.compile(
            "^(Exception in thread |Caused by: |Traceback \\(most recent|thread '.*' panicked)|^[\\w.$]+(Exception|Error)(: |$)");
    private static final Pattern LIBRARY_FRAME = Pattern.compile("^at (java\\.|javax\\.|jdk\\.|sun\\.|picocli\\.|org\\.junit|io\\.netty\\.)");

    static String shellQuote(String arg) {
        return arg.matches("[A-Za-z0-9_./=:-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}
