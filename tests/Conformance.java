//JAVA 25+
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/*.java checks/*.java

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The conformance suite's command line (SPEC §4): points at a running server or launches one, runs
 * the checks of tests/checks/ (their catalogue: tests/lib/Catalogue.java), and writes the reports.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        version = "Echo Kit conformance suite 1",
        description = {"Checks an echo server against SPEC §2-§4: echo, framing, concurrency, cleanup, robustness.",
                "Point it at a running server (--port) or let it start one (--launch)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every selected check passed (or does not apply)", "1:one or more checks failed, or could not be judged",
                        "2:bad usage, or no server could be reached"},
        footerHeading = "%nExamples:%n",
        footer = {"  ./jbang tests/Conformance.java --port 8888",
                "  ./jbang tests/Conformance.java --launch './jbang solutions/ThreadPool.java' --model thread-pool",
                "  ./jbang tests/Conformance.java --launch './jbang solutions/SingleThreaded.java' --raw --junit-xml build/report.xml",
                "",
                "Timeouts scale with the environment variable ECHO_KIT_TIMEOUT_SCALE (for example 3 on a slow machine)."})
public class Conformance implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", description = "Port of the server to check (with --launch: passed to it; default: 0, a free one).")
    Integer port;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST", description = "Host of the server (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--model", defaultValue = "auto", paramLabel = "MODEL",
            description = "auto, single-threaded, multi-process, multi-threaded, thread-pool, event-loop or virtual-threads: "
                    + "the model the server must show. auto: the one its ready line claims, or, given only a port, "
                    + "whatever is observed (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--prefix", paramLabel = "TEXT", description = "The server's line prefix (default: 'server echo# ').")
    String prefix;

    @Option(names = "--raw", description = "The server runs in raw mode: run the raw.* checks instead of the line checks.")
    boolean raw;

    @Option(names = "--workers", paramLabel = "N", description = "The thread pool's workers (default: read from the ready line).")
    Integer workers;

    @Option(names = "--max-line", paramLabel = "BYTES", description = "The server's --max-line (default: 65536).")
    Integer maxLine;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "The server's --idle-timeout (default: the ready line's, else off): limits.idle-timeout checks it.")
    Integer idleTimeout;

    @Option(names = "--soak", paramLabel = "SECONDS", defaultValue = "0",
            description = "Run soak.mix for this long: a mix of good and misbehaving clients, every byte checked (default: off).")
    int soak;

    @Option(names = "--pid", paramLabel = "PID", description = "The server's process (default: found from its listening socket).")
    Long pid;

    @Option(names = "--launch", paramLabel = "COMMAND",
            description = "Start the server with this shell command, adding --port and the options above it lacks; "
                    + "read its ready line; stop it at the end (SIGTERM, then its whole process tree).")
    String launch;

    @Option(names = "--only", split = ",", paramLabel = "GLOB", description = "Run only the checks whose id matches, e.g. 'echo.*,framing.split'.")
    List<String> only = new ArrayList<>();

    @Option(names = "--skip", split = ",", paramLabel = "GLOB", description = "Skip the checks whose id matches.")
    List<String> skip = new ArrayList<>();

    @Option(names = "--timeout", defaultValue = "3", paramLabel = "SECONDS",
            description = "How long a reply may take before the check fails (default: ${DEFAULT-VALUE}).")
    double timeout;

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Write a JUnit XML report.")
    Path junitXml;

    @Option(names = "--json", paramLabel = "FILE", description = "Write a JSON report.")
    Path json;

    @Option(names = "--list", description = "List the checks, with their ids and rules, and exit.")
    boolean list;

    @Option(names = "--explain", paramLabel = "ID", description = "Say what check ID asks, why it matters and how to fix a failure of it, and exit.")
    String explain;

    @Option(names = "--verbose", description = "Add to each failure the byte trace of the exchange: what was sent and received, when.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with a failure of the suite itself said in one line (exit 2), never as a stack trace. */
    static CommandLine commandLine() {
        var commandLine = new CommandLine(new Conformance());
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            cl.getErr().println("error: the suite failed: " + TestRun.describe(e));
            return 2;
        });
        return commandLine;
    }

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (list) {
            Catalogue.ALL.forEach(e -> out.printf("%-26s %s%n", e.id(), e.rule()));
            return 0;
        }
        if (explain != null) {
            var entry = Catalogue.entry(explain);
            if (entry.isEmpty()) {
                err.println("error: no check has the id '" + explain + "' (--list shows them)");
                return 2;
            }
            out.println(explanation(entry.get()));
            return 0;
        }
        var claimed = Model.of(model);
        if (claimed.isEmpty() && !model.equals("auto")) {
            err.println("error: unknown --model '" + model + "'; one of: auto, " + String.join(", ", Model.labels()));
            return 2;
        }
        var timeouts = Target.Timeouts.of(timeout);
        var settings = new Target.Settings(host, port == null ? 0 : port, prefix, raw, maxLine, workers, idleTimeout,
                claimed.orElse(null));
        Launch launched = null;
        Session session = null;
        try {
            if (launch != null) {
                launched = Launch.start(launch, settings.launchOptions(launch), timeouts.ready());
                if (launched.ready() == null) {
                    err.println(launched.whyNotReady());
                    return 2;
                }
            } else if (port == null) {
                err.println("error: give the server's --port, or --launch 'COMMAND' to start one (--help)");
                return 2;
            }
            var target = Target.resolve(settings, launched, pid, timeouts, verbose);
            var unreachable = target.reachable();
            if (unreachable.isPresent()) {
                err.println("error: " + unreachable.get());
                return 2;
            }
            session = new Session(target, settings, launch, pid, verbose);
            out.println(target.describe());
            if (target.claimed() == null) {
                out.println("observed  " + target.observe().describe());
            }
            var started = Instant.now();
            var outcomes = Suite.run(session, new Probe.Options(soak), TestRun.selection(only, skip), out);
            writeReports(session, target, started, outcomes);
            out.println();
            out.println(TestRun.summary(outcomes));
            return TestRun.count(outcomes, TestRun.Status.FAILED) + TestRun.count(outcomes, TestRun.Status.BLOCKED) > 0 ? 1 : 0;
        } finally {
            if (session != null) {
                session.stop();
            }
            if (launched != null) {
                launched.stop();
            }
        }
    }

    /** What --explain prints: the rule, why it matters, how to fix a failure, where it is taught. */
    static String explanation(Catalogue.Entry entry) {
        return "%s: %s%n%nWhy it matters: %s%nHow to fix a failure: %s%nLesson: %s.%s".formatted(entry.id(), entry.rule(),
                entry.why(), Catalogue.expand(entry.fix()), entry.teachingPlace(),
                entry.reliesOn().isEmpty() ? "" : "%nRelies on: %s.".formatted(String.join(", ", entry.reliesOn())));
    }

    // The server as the run found it first ({@code first}), and how often it had to be launched again.
    private void writeReports(Session session, Target first, Instant started, List<TestRun.Outcome> outcomes)
            throws java.io.IOException {
        var modelName = first.claimed() != null ? first.claimed().label : session.target().observe().modelName();
        var server = new LinkedHashMap<String, Object>();
        server.put("address", first.hostPort());
        server.put("pid", first.pid());
        server.put("mode", first.raw() ? "raw" : "line");
        server.put("model", modelName);
        if (first.launch() != null) {
            server.put("launch", first.launch().command());
            server.put("launched_pid", first.launch().process().pid());
            server.put("relaunches", session.relaunches());
        }
        if (junitXml != null) {
            Reports.writeJUnitXml(junitXml, "conformance", started, outcomes, server);
        }
        if (json != null) {
            Reports.writeJson(json, outcomes, modelName, Map.of("server", server));
        }
    }
}
