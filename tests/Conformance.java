//JAVA 25+
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/*.java checks/*.java

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
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
        exitCodeList = {"0:every selected check passed (or does not apply); with --min-score: the score reached it",
                        "1:one or more checks failed, or could not be judged; with --min-score: the score is below it",
                        "2:bad usage, or nothing could be judged (the server did not start or could not be reached); "
                                + "every report asked for is still written, with status error"},
        footerHeading = "%nExamples:%n",
        footer = {"  ./jbang tests/Conformance.java --port 8888",
                "  ./jbang tests/Conformance.java --launch './jbang solutions/ThreadPool.java' --model thread-pool",
                "  ./jbang tests/Conformance.java --launch './jbang solutions/SingleThreaded.java' --raw --junit-xml build/report.xml",
                "  ./jbang tests/Conformance.java --launch './jbang solutions/EventLoop.java' --points grading/points.example --gradescope results.json",
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

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "180",
            description = "With --launch: how long the server may take to print its ready line, compiling included (default: ${DEFAULT-VALUE}).")
    double readyTimeout;

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Write a JUnit XML report.")
    Path junitXml;

    @Option(names = "--json", paramLabel = "FILE", description = "Write a JSON report.")
    Path json;

    @Option(names = "--gradescope", paramLabel = "FILE", description = "Write Gradescope's results.json: the score, and a test per check.")
    Path gradescope;

    @Option(names = "--summary-md", paramLabel = "FILE",
            description = "Append a Markdown summary (the score, a row per check) to FILE; also to $GITHUB_STEP_SUMMARY when it is set.")
    Path summaryMd;

    @Option(names = "--points", paramLabel = "FILE",
            description = "What the checks are worth: lines 'GLOB = POINTS' (check ids) and 'lesson N = TOTAL' (default: the catalogue's points).")
    Path points;

    @Option(names = "--min-score", paramLabel = "POINTS|PERCENT%",
            description = "Exit 0 when the score reaches this (e.g. 20 or 80%%), even with checks failed; 1 below it.")
    String minScore;

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
        commandLine.setExecutionExceptionHandler((e, cl, parsed) ->
                ((Conformance) cl.getCommand()).notJudged("error: the suite failed: " + TestRun.describe(e), cl.getErr()));
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
            return notJudged("error: unknown --model '" + model + "'; one of: auto, " + String.join(", ", Model.labels()), err);
        }
        Points grading;
        Threshold threshold;
        try {
            grading = points == null ? Points.DEFAULT : Points.read(points);
            threshold = minScore == null ? null : Threshold.parse(minScore);
        } catch (IOException | IllegalArgumentException e) {
            return notJudged("error: " + (e instanceof java.nio.file.NoSuchFileException ? "--points: there is no file " + points
                    : e.getMessage()), err);
        }
        var timeouts = Target.Timeouts.of(timeout).withReady(readyTimeout);
        var settings = new Target.Settings(host, port == null ? 0 : port, prefix, raw, maxLine, workers, idleTimeout,
                claimed.orElse(null));
        Launch launched = null;
        Session session = null;
        try {
            if (launch != null) {
                launched = Launch.start(launch, settings.launchOptions(launch), timeouts.ready());
                if (launched.ready() == null) {
                    return notJudged(launched.whyNotReady(), err);
                }
            } else if (port == null) {
                return notJudged("error: give the server's --port, or --launch 'COMMAND' to start one (--help)", err);
            }
            var target = Target.resolve(settings, launched, pid, timeouts, verbose);
            var unreachable = target.reachable();
            if (unreachable.isPresent()) {
                return notJudged("error: " + unreachable.get() + (launched == null ? "" : lastLines(launched)), err);
            }
            var falsePid = launched == null ? java.util.Optional.<String>empty() : launched.falseReadyPid(target.port());
            if (falsePid.isPresent()) {
                return notJudged("error: " + falsePid.get(), err);
            }
            session = new Session(target, settings, launch, pid, verbose);
            out.println(target.describe());
            if (target.claimed() == null) {
                out.println("observed  " + target.observe().describe());
            }
            var outcomes = Suite.run(session, new Probe.Options(soak), TestRun.selection(only, skip), out);
            var held = target.claimed() != null ? target.claimed() : session.target().observe().model();
            var card = Scorecard.of(outcomes, held, grading, Scorecard.kit(), Duration.between(started, Instant.now()).toMillis());
            writeReports(card, server(session, target), started);
            out.println();
            out.println(card.scoreLine() + (threshold == null ? "" : " (" + threshold.describe(card) + ")"));
            out.println(TestRun.summary(outcomes));
            if (threshold != null) {
                return threshold.reachedBy(card) ? 0 : 1;
            }
            return card.status() == Scorecard.Status.PASSED ? 0 : 1;
        } finally {
            if (session != null) {
                session.stop();
            }
            if (launched != null) {
                launched.stop();
            }
        }
    }

    private final Instant started = Instant.now();

    /** Nothing could be judged: says why, writes every report asked for with status error, and exits 2. */
    int notJudged(String why, PrintWriter err) {
        err.println(why);
        var held = Model.of(model == null ? "auto" : model).orElse(null);
        Points grading = Points.DEFAULT;
        try {
            grading = points == null ? Points.DEFAULT : Points.read(points);
        } catch (IOException | IllegalArgumentException e) {
            // The points file is what is wrong, or cannot be read: the error report goes by the catalogue's points.
        }
        var card = Scorecard.error(why.replaceFirst("^error: ", ""), held, grading, Duration.between(started, Instant.now()).toMillis());
        try {
            writeReports(card, Map.of(), started);
        } catch (IOException e) {
            err.println("error: the reports could not be written either: " + e.getMessage());
        }
        return 2;
    }

    // The launched server's last lines of standard error, when it wrote some.
    private static String lastLines(Launch launched) {
        var lines = launched.stderrSince(0, 15);
        return lines.isEmpty() ? "" : "\n  its standard error ended with:\n" + lines.stream().map(l -> "    " + Finding.Sanitize.line(l))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    /** --min-score: points, or a percentage of the maximum. */
    record Threshold(double value, boolean percent) {
        static Threshold parse(String text) {
            try {
                boolean percent = text.endsWith("%");
                return new Threshold(Double.parseDouble(percent ? text.substring(0, text.length() - 1) : text), percent);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--min-score takes points (20) or a percentage (80%), not '" + text + "'");
            }
        }

        boolean reachedBy(Scorecard card) {
            return card.status() != Scorecard.Status.ERROR
                    && card.score() + 1e-9 >= (percent ? card.maxScore() * value / 100 : value);
        }

        String describe(Scorecard card) {
            return (reachedBy(card) ? "reaches" : "is below") + " --min-score " + (percent ? Points.format(value) + "%" : Points.format(value));
        }
    }

    /** What --explain prints: the rule, why it matters, how to fix a failure, where it is taught. */
    static String explanation(Catalogue.Entry entry) {
        return "%s: %s%n%nWhy it matters: %s%nHow to fix a failure: %s%nLesson: %s.%nPoints: %d (--points changes them).%s".formatted(
                entry.id(), entry.rule(), entry.why(), Catalogue.expand(entry.fix()), entry.teachingPlace(), entry.points(),
                entry.reliesOn().isEmpty() ? "" : "%nRelies on: %s.".formatted(String.join(", ", entry.reliesOn())));
    }

    // The server as the run found it first ({@code first}), and how often it had to be launched again.
    private static Map<String, Object> server(Session session, Target first) {
        var server = new LinkedHashMap<String, Object>();
        server.put("address", first.hostPort());
        server.put("pid", first.pid());
        server.put("mode", first.raw() ? "raw" : "line");
        server.put("model", first.claimed() != null ? first.claimed().label : session.target().observe().modelName());
        if (first.launch() != null) {
            server.put("launch", first.launch().command());
            server.put("launched_pid", first.launch().process().pid());
            server.put("relaunches", session.relaunches());
        }
        return server;
    }

    // Every report asked for, from the run's scorecard.
    private void writeReports(Scorecard card, Map<String, Object> server, Instant started) throws IOException {
        if (junitXml != null) {
            var properties = new LinkedHashMap<String, Object>(server);
            properties.put("score", Points.format(card.score()));
            properties.put("max_score", Points.format(card.maxScore()));
            var byOutcome = card.checks().stream().collect(java.util.stream.Collectors.toMap(Scorecard.Scored::outcome, c -> c));
            Reports.writeJUnitXml(junitXml, "conformance", started, card.checks().stream().map(Scorecard.Scored::outcome).toList(),
                    properties, o -> {
                        var c = byOutcome.get(o);
                        var p = new LinkedHashMap<String, Object>();
                        p.put("rule", o.name());
                        p.put("score", Points.format(c.score()));
                        p.put("max_score", Points.format(c.maxScore()));
                        p.put("lesson", c.lesson());
                        p.put("todo", c.todo());
                        return p;
                    }, card.status() == Scorecard.Status.ERROR ? card.message() : null);
        }
        if (json != null) {
            Reports.writeJson(json, card, server.isEmpty() ? Map.of() : Map.of("server", server));
        }
        if (gradescope != null) {
            Reports.writeGradescope(gradescope, card);
        }
        var summaries = new ArrayList<Path>();
        if (summaryMd != null) {
            summaries.add(summaryMd);
        }
        var github = System.getenv("GITHUB_STEP_SUMMARY");
        if (github != null && !github.isBlank()) {
            summaries.add(Path.of(github));
        }
        for (var file : summaries) {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, Reports.markdown(card) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
