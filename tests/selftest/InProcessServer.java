import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * A server of the kit (a solution or a fault) run on a thread of the self-test's own JVM, for the
 * quick tier: its options parsed as its command line would be, its listening socket opened, its
 * serve loop started; and the suite pointed at it, without its process (whose /proc would be the
 * self-test's own), with the checks that need none.
 */
final class InProcessServer implements AutoCloseable {

    private final EchoServer server;
    private final InetSocketAddress address;
    private final Thread thread;

    private InProcessServer(EchoServer server, InetSocketAddress address, Thread thread) {
        this.server = server;
        this.address = address;
        this.thread = thread;
    }

    /** Starts the kit's server class {@code name} with {@code args} (--port 0 --quiet come first). */
    static InProcessServer start(String name, List<String> args) throws Exception {
        var server = (EchoServer) Class.forName(name).getDeclaredConstructor().newInstance();
        var all = new ArrayList<>(List.of("--port", "0", "--quiet"));
        all.addAll(args);
        new CommandLine(server).parseArgs(all.toArray(String[]::new));
        var address = server.listen();
        var thread = Thread.ofPlatform().daemon().name("in-process-" + name).start(() -> {
            try {
                server.serve();
            } catch (IOException | InterruptedException e) {
                // Closed by close(), or the server's own failure: the checks tell which.
            }
        });
        return new InProcessServer(server, address, thread);
    }

    /** The ready line the server would print (SPEC §3), its pid left out: the suite must not read this JVM's /proc. */
    Launch.Ready ready() {
        var details = server.details();
        var line = "listening on %s:%d model=%s pid=0 mode=%s%s%s".formatted(address.getAddress().getHostAddress(),
                address.getPort(), server.model(), server.raw ? "raw" : "line", details.isEmpty() ? "" : " " + details,
                server.idleTimeout > 0 ? " idle-timeout=" + server.idleTimeout : "");
        return Launch.Ready.parse(line).orElseThrow();
    }

    /** What the suite says of this server: its console, and each check's outcome. */
    record Checked(String console, List<TestRun.Outcome> outcomes) {
        TestRun.Outcome outcome(String id) {
            return outcomes.stream().filter(o -> o.id().equals(id)).findFirst()
                    .orElseThrow(() -> new AssertionError(id + " did not run; the console:\n" + console));
        }
    }

    /** Runs the suite's checks that {@code selected} takes against this server, with {@code reply} as the reply timeout. */
    Checked check(java.util.function.Predicate<String> selected, double reply) throws IOException {
        var timeouts = Target.Timeouts.of(reply);
        var ready = ready();
        var settings = new Target.Settings(ready.host(), ready.port(), null, server.raw, null, null, null, null);
        var target = Target.resolve(settings, ready, null, 0L, timeouts, false);
        var console = new StringWriter();
        var outcomes = Suite.run(new Session(target, settings, null, 0L, false), new Probe.Options(0), selected,
                new PrintWriter(console));
        return new Checked(console.toString(), outcomes);
    }

    @Override
    public void close() throws Exception {
        // Server.stop is the server's own SIGTERM path: it closes the listener and every client.
        var stop = Server.class.getDeclaredMethod("stop", String.class);
        stop.setAccessible(true);
        stop.invoke(server, "end of the in-process test");
        thread.join(Duration.ofSeconds(5));
    }
}
