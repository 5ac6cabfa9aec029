// Lesson 2's exercise: complete its TODOs, then run ./jbang check 2 (the lesson: README.md here).
//JAVA 25+
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../../solutions/shared/EchoServer.java ../../solutions/shared/Posix.java

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Lesson 2: a child process per client. The parent accepts; each child, a JVM running this same
 * file with --child, serves the one connection it inherits as its fd 0, then exits.
 */
@Command(name = "MultiProcess")
class MultiProcess extends EchoServer {

    @Option(names = "--child-java-options", paramLabel = "OPTIONS",
            description = "JVM options of each child, space-separated; '' for none (default: C1 only, serial GC, "
                    + "no perf data, and a class-data archive that the first child writes next to the script's jar).")
    String childJavaOptions;

    @Option(names = "--child", hidden = true, description = "Serve the connection on fd 0, then exit (the parent starts children so).")
    boolean child;

    /**
     * A child JVM is on the clock: its client waits for it. Connect-to-first-reply latency and child
     * RSS, medians of 30 clients one at a time (2 cores, JDK 25.0.3, `./jbang tests/ChildStartup.java`),
     * the child skipping the option parser (main): no options 63 ms and 50 MB; these flags without
     * the archive 55 ms and 46 MB; with it 47 ms and 40 MB. With picocli reading the child's options
     * it was 157, 139 and 120 ms.
     */
    static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-XX:+AutoCreateSharedArchive");

    int listener;
    final Set<Long> children = ConcurrentHashMap.newKeySet();
    Semaphore slots;

    @Override
    String model() {
        return "multi-process";
    }

    @Override
    String details() {
        return "max-clients=" + maxClients();
    }

    // Each child is a JVM: about 40 MB, and about 50 ms to start (above). 32 of them fit in 1.3 GB;
    // SPEC's 256 would take 10 GB.
    @Override
    int defaultMaxClients() {
        return 32;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        return child ? serveInherited() : super.call();
    }

    // socket(), bind(), listen(): lesson 1's ServerSocket, one system call at a time, as in C. The
    // descriptor is close-on-exec, so that no child inherits it.
    @Override
    InetSocketAddress listen() throws IOException {
        // TODO(4): No child may inherit the listening socket: create it close-on-exec (Posix.SOCK_CLOEXEC).
        listener = Posix.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0);
        Posix.setsockopt(listener, Posix.SOL_SOCKET, Posix.SO_REUSEADDR, 1);
        Posix.bind(listener, new InetSocketAddress(InetAddress.getByName(bind), port));
        Posix.listen(listener, BACKLOG);
        return Posix.getsockname(listener);
    }

    @Override
    void serve() throws IOException, InterruptedException {
        slots = new Semaphore(maxClients());
        while (true) {
            // TODO(3): Past --max-clients live children, stop accepting until one ends: take a slot first.
            var client = Posix.accept(listener, Posix.SOCK_CLOEXEC);
            handOver(client);
        }
    }

    /** Starts a child to serve the client, closes the parent's copy of the connection, and reaps the child when it ends. */
    void handOver(Posix.Accepted client) throws IOException {
        long pid;
        try {
            pid = spawnChild(client.fd());
        } catch (IOException e) {
            log("%s refused: no child could be started: %s", name(client.peer()), e.getMessage());
            slots.release();
            return;
        } finally {
            // TODO(1): The child has its own copy of the connection now: close the parent's (Posix.close).
        }
        children.add(pid);
        log("%s accepted: child %d serves it (%d children)", name(client.peer()), pid, children.size());
        Thread.ofPlatform().name("reaper-" + pid).start(() -> reap(pid));
    }

    /** Starts a child with the connection as its fd 0, and every other descriptor of the parent closed in it. */
    long spawnChild(int connection) throws IOException {
        // TODO(4): ... and in the child, close every descriptor but the connection and stdio (closeOthers).
        return Posix.spawn(childCommand(), environment(), connection, false);
    }

    /**
     * Waits for a child to end, and reaps it, so that it leaves no zombie. A platform thread per
     * child blocks in waitpid(pid): on a virtual thread that native wait would pin a carrier. The
     * C server's two other ways break a JVM: ignoring SIGCHLD makes every Process.waitFor() of the
     * JVM return at once and is inherited by the children; waitpid(-1) steals the exit status of
     * processes the JVM started itself. A double fork would leave children that the parent can
     * neither count against --max-clients nor stop on SIGTERM.
     */
    void reap(long pid) {
        // TODO(2): Wait for the child to end, and reap it: waitFor(pid) calls Posix.waitpid(pid).
        //   (ProcessHandle's onExit() sees the end too, but leaves the child a zombie.)
        ProcessHandle.of(pid).ifPresent(child -> child.onExit().join());
        children.remove(pid);
        slots.release();
    }

    // waitpid(pid), with what it says logged.
    private void waitFor(long pid) {
        try {
            log("child %d %s", pid, Posix.describeStatus(Posix.waitpid(pid)));
        } catch (IOException e) {
            log("waiting for child %d: %s", pid, e.getMessage());
        }
    }

    /** The command line of a child: this file's class on this JVM's class path, in the child role. */
    List<String> childCommand() {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        var options = childJavaOptions != null ? childJavaOptions : String.join(" ", FAST_START) + " -XX:SharedArchiveFile=" + archive();
        command.addAll(Arrays.stream(options.split(" ")).filter(o -> !o.isBlank()).toList());
        command.add("-Xmx" + (32 + 3 * maxLine / (1 << 20)) + "m");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), getClass().getName(), "--child",
                "--prefix", prefix, "--max-line", Integer.toString(maxLine), "--idle-timeout", Integer.toString(idleTimeout)));
        if (raw) {
            command.add("--raw");
        }
        if (shortLived) {
            command.add("--short-lived");
        }
        if (quiet) {
            command.add("--quiet");
        }
        return command;
    }

    // The classes a child loads, saved once by the first child and mapped by the others: next to
    // the script's jar, so that a new version of the script gets a new archive.
    private static Path archive() {
        var first = Path.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0]);
        return first.toString().endsWith(".jar")
                ? first.resolveSibling("MultiProcess-child.jsa")
                : Path.of(System.getProperty("java.io.tmpdir"), "echo-kit-child-" + Integer.toHexString(first.hashCode()) + ".jsa");
    }

    static List<String> environment() {
        return System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** The child's whole life: echo the connection on fd 0, then exit. */
    private int serveInherited() throws IOException {
        var inherited = System.inheritedChannel();
        if (!(inherited instanceof SocketChannel connection)) {
            // A socket without a peer comes out as a listening one: the client left before this child started.
            log("child %d: %s", ProcessHandle.current().pid(), inherited == null
                    ? "error: fd 0 is not a socket (--child is for the server's children only)" : "the client left before this child started");
            return inherited == null ? 2 : 0;
        }
        Thread.currentThread().setName("child " + ProcessHandle.current().pid());
        echo(connection.socket());
        return 0;
    }

    // On SIGTERM: wake the accept (close() alone does not wake a thread blocked in accept(2);
    // shutdown() does), then end every child and wait for the reapers.
    @Override
    void release() {
        try {
            Posix.shutdown(listener, Posix.SHUT_RDWR);
            Posix.close(listener);
        } catch (IOException e) {
            log("closing the listener: %s", e.getMessage());
        }
        // TODO(5): End every child: ProcessHandle.of(pid) and destroy() (SIGTERM); wait up to 3 s for
        //   their reapers to empty children; then destroyForcibly() (SIGKILL) what is left.
    }

    private static String name(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    public static void main(String[] args) throws IOException {
        // A child takes its options from childCommand() as they were written, without the option parser:
        // its client waits while it starts (picocli alone costs a child JVM tens of milliseconds).
        if (args.length > 0 && args[0].equals("--child")) {
            var child = new MultiProcess();
            child.takeChildOptions(List.of(args).subList(1, args.length));
            System.exit(child.serveInherited());
        }
        run(new MultiProcess(), args);
    }

    // The options childCommand() passes, in its order: --prefix P --max-line N --idle-timeout N, then flags.
    private void takeChildOptions(List<String> args) {
        prefix = args.get(1);
        maxLine = Integer.parseInt(args.get(3));
        idleTimeout = Integer.parseInt(args.get(5));
        raw = args.contains("--raw");
        shortLived = args.contains("--short-lived");
        quiet = args.contains("--quiet");
    }
}
