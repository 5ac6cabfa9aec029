import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Future;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every broken server of tests/faults, launched in a process of its own, against every check:
 * it fails the checks its header names, with its cause. The fault x check table ends the group.
 */
@Order(16)
@DisplayName("each broken server (tests/faults) fails the checks that name its defect")
@ExtendWith({TestRun.SelectInvocations.class, Kit.OptionsResolver.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultTests {

    /** Each fault's status per check, for the table printed after the last one. */
    private final Map<String, Map<String, String>> table = new ConcurrentSkipListMap<>();
    /** Each wrong step's row: lesson and TODO, fault, check, cause, where it was filed; printed after the last fault. */
    private final Map<String, String> steps = new ConcurrentSkipListMap<>();
    /** The runs of the faults of the background lane, started when the group begins. */
    private final Map<String, Future<Kit.SuiteRun>> waiting = new ConcurrentHashMap<>();

    /** The faults, those of the background lane last: the lane runs them meanwhile. */
    static List<Fault> faults() throws Exception {
        var waiting = new ArrayList<Fault>();
        var others = new ArrayList<Fault>();
        for (var fault : Fault.all()) {
            (onTheLane(fault) ? waiting : others).add(fault);
        }
        others.addAll(waiting);
        return others;
    }

    /**
     * A fault of a thread model, built into this JVM, runs on the background lane, beside the others (those that
     * start child JVMs, and those in other languages): two suites at once, as the suite's verdicts do not depend on
     * the machine's load (LoadTests), and the group takes half the time.
     */
    static boolean onTheLane(Fault fault) throws Exception {
        if (!fault.java()) {
            return false;
        }
        var server = (EchoServer) Class.forName(fault.name()).getDeclaredConstructor().newInstance();
        return !server.model().equals(Model.MULTI_PROCESS.label);
    }

    @BeforeAll
    void startWaitingRuns(Kit.Options options, TestRun.Selection selection) throws Exception {
        for (var fault : Fault.all()) {
            if (onTheLane(fault) && (selection.accepts().test(invocationName(fault)) || selection.accepts().test(TEMPLATE))) {
                waiting.put(fault.name(), options.background().submit(() -> run(fault)));
            }
        }
    }

    private static final String TEMPLATE = "faults fail the suite";

    private static String invocationName(Fault fault) {
        return "tests/faults/" + fault.file().getFileName() + " fails";
    }

    // A Java fault from this JVM's class path (it is compiled in; no JBang, no compile), another as its header says;
    // the suite in this JVM.
    private static Kit.SuiteRun run(Fault fault) throws IOException, InterruptedException {
        var mark = Kit.newMark();
        var args = new ArrayList<>(List.of("--launch", launchCommand(fault, mark)));
        args.addAll(fault.suite());
        return Kit.SuiteRun.inProcess(mark, args.toArray(String[]::new));
    }

    // The command that starts the fault, built first when its header says how; its processes carry mark.
    private static String launchCommand(Fault fault, String mark) throws IOException, InterruptedException {
        if (!fault.build().isEmpty()) {
            var build = new ProcessBuilder("sh", "-c", fault.build()).directory(Kit.ROOT.toFile()).redirectErrorStream(true).start();
            var output = new String(build.getInputStream().readAllBytes());
            assertThat(build.waitFor()).as("building %s: %s", fault, output).isZero();
        }
        return fault.java() ? Kit.javaCommand(fault.name(), mark) : Kit.MARK + "=" + mark + " exec " + fault.launch();
    }

    static Map<String, String> statuses(Kit.SuiteRun run) {
        var statuses = new LinkedHashMap<String, String>();
        if (run.report() != null) {
            run.report().getAsJsonArray("checks").forEach(c -> statuses.put(c.getAsJsonObject().get("id").getAsString(),
                    c.getAsJsonObject().get("status").getAsString()));
        }
        return statuses;
    }

    @ParameterizedTest(name = "tests/faults/{0} fails", quoteTextArguments = false)
    @DisplayName(TEMPLATE)
    @MethodSource("faults")
    void fails(Fault fault, TestReporter reporter) throws Exception {
        assertThat(fault.mustFail()).as("the '// Must fail:' header of %s", fault.file()).isNotEmpty();
        var started = waiting.get(fault.name());
        var run = started != null ? started.get() : run(fault);
        table.put(fault.name(), statuses(run));
        assertThat(run.result().status()).as("%s (%s): %s", fault.name(), fault.defect(), run.describe()).isEqualTo(1);
        for (var id : fault.mustFail()) {
            assertThat(run.status(id)).as("%s on %s (%s); failed: %s", fault.name(), id, fault.defect(), run.ids("failed"))
                    .isEqualTo("failed");
            assertThat(run.message(id)).as("the message of %s", id).contains("observed:", "likely cause:", "reread:");
        }
        var first = fault.mustFail().getFirst();
        assertThat(run.cause(first)).as("%s: the cause of %s (its header's '// Cause:'): %s", fault, first, run.message(first))
                .isIn(fault.causes());
        if (fault.step() != null) {
            // A student's wrong step is filed under its TODO, with its cause, and sends the student to that lesson.
            var check = run.report().getAsJsonArray("checks").asList().stream().map(c -> c.getAsJsonObject())
                    .filter(c -> c.get("id").getAsString().equals(first)).findFirst().orElseThrow();
            var filed = new Fault.Step(check.get("lesson").getAsInt(), check.get("todo").getAsInt());
            steps.put(fault.name(), "%-22s %-26s %-22s %-22s %s".formatted(fault.step(), fault.name(), first, run.cause(first),
                    filed.equals(fault.step()) ? "filed there" : "filed under " + filed));
            assertThat(filed).as("%s, a wrong step of %s: where %s's failure (%s) is filed; the lesson's hints.md Causes lines place it",
                    fault, fault.step(), first, run.cause(first)).isEqualTo(fault.step());
        }
        assertThat(unexpected(fault, run)).as("%s (%s): checks outside its header's Must fail and May fail", fault, fault.defect())
                .isEmpty();
        if (fault.causes().contains(Cause.SERVER_DIED.name())) {
            assertThat(run.report().getAsJsonObject("server").get("relaunches").getAsInt())
                    .as("%s died in %s: the JSON's count of relaunches", fault, first).isPositive();
        }
        reporter.publishEntry("failed as it must", String.join(" ", fault.mustFail()));
        var others = new ArrayList<>(run.ids("failed"));
        others.removeAll(fault.mustFail());
        reporter.publishEntry("failed as it may", others.isEmpty() ? "nothing" : String.join(" ", others));
        Kit.assertGone(run);
    }

    /**
     * Given only its port, a server that dies (of SIGPIPE) costs the check during which it died, which says so; the
     * checks before it pass, and every one after it is not judged: the server is gone.
     */
    @org.junit.jupiter.api.Test
    @DisplayName("faults: a server given by its port that dies costs that check; every later one is blocked, the server is gone")
    void portOnlyDeath() throws Exception {
        var fault = Fault.all().stream().filter(f -> f.file().getFileName().toString().equals("dies_on_sigpipe.c")).findFirst().orElseThrow();
        var mark = Kit.newMark();
        try (var server = Kit.Server.start(launchCommand(fault, mark))) {
            var run = Kit.SuiteRun.inProcess(mark, "--port", server.port());
            var died = fault.mustFail().getFirst();
            assertThat(run.status(died)).as("%s: %s", died, run.describe()).isEqualTo("failed");
            assertThat(run.cause(died)).isEqualTo(Cause.SERVER_DIED.name());
            assertThat(run.message(died)).contains("during this check", "the checks after this one are blocked: the server is gone");
            var ids = Catalogue.ALL.stream().map(Catalogue.Entry::id).toList();
            for (var id : ids) {
                var status = run.status(id);
                if (Catalogue.order(id) < Catalogue.order(died)) {
                    assertThat(status).as("%s, before the death: %s", id, run.message(id)).isIn("passed", "skipped");
                } else if (Catalogue.order(id) > Catalogue.order(died) && !status.equals("skipped")) {
                    assertThat(status).as("%s, after the death", id).isEqualTo("blocked");
                    assertThat(run.blockedBy(id)).isEqualTo("the server is gone");
                    assertThat(run.message(id)).startsWith("not judged: the server is gone (");
                }
            }
        }
        Kit.assertNoneLeft(mark, fault.name() + " given by its port");
    }

    /**
     * What the fault did that its header does not allow: a failure outside Must fail and May fail, a check blocked
     * by anything but a check that failed (or was blocked) as allowed, "the server is gone".
     */
    static List<String> unexpected(Fault fault, Kit.SuiteRun run) {
        var allowed = new java.util.HashSet<>(fault.mustFail());
        allowed.addAll(fault.mayFail());
        var problems = new ArrayList<String>();
        for (var id : run.ids("failed")) {
            if (!allowed.contains(id)) {
                problems.add(id + " failed: " + run.message(id).lines().findFirst().orElse(""));
            }
        }
        // Blocked ones, in run order: each by a check allowed to fail, or by one blocked so itself.
        var blockedOk = new java.util.HashSet<String>();
        for (var id : run.ids("blocked")) {
            var by = run.blockedBy(id);
            if ((allowed.contains(by) && run.status(by).equals("failed")) || blockedOk.contains(by)) {
                blockedOk.add(id);
            } else {
                problems.add(id + " was not judged: blocked " + (by.startsWith("the ") ? "(" + by + ")" : "by " + by));
            }
        }
        return problems;
    }

    /**
     * Fault x check: X failed as its Must fail says, m as its May fail allows, b blocked by one of those, . passed,
     * blank skipped; ! should fail and does not, ? failed or blocked against its header.
     */
    @AfterAll
    void printTable() throws IOException {
        if (table.isEmpty()) {
            return;
        }
        var faults = new java.util.HashMap<String, Fault>();
        for (var fault : Fault.all()) {
            faults.put(fault.name(), fault);
        }
        var ids = Catalogue.ALL.stream().map(Catalogue.Entry::id).toList();
        var out = new StringBuilder("\n  fault x check (X: fails as Must fail says, m: fails as May fail allows, b: blocked by "
                + "those, .: passes, blank: skipped, !: should fail and does not, ?: fails or is blocked against its header)\n");
        // Column numbers, tens above units.
        for (var digit : List.<IntUnaryOperator>of(n -> n / 10, n -> n % 10)) {
            out.append("  %-26s".formatted(""));
            for (int i = 1; i <= ids.size(); i++) {
                out.append((char) ('0' + digit.applyAsInt(i)));
            }
            out.append('\n');
        }
        table.forEach((name, statuses) -> {
            out.append("  %-26s".formatted(name));
            var fault = faults.get(name);
            for (var id : ids) {
                var status = statuses.getOrDefault(id, "skipped");
                boolean must = fault.mustFail().contains(id);
                boolean may = fault.mayFail().contains(id);
                out.append(switch (status) {
                    case "failed" -> must ? 'X' : may ? 'm' : '?';
                    case "blocked" -> must ? '!' : 'b';
                    case "passed" -> must ? '!' : '.';
                    default -> must ? '!' : ' ';
                });
            }
            out.append('\n');
        });
        if (!steps.isEmpty()) {
            out.append("\n  wrong steps of the lessons: each fails under its TODO, with its cause\n");
            out.append("  %-22s %-26s %-22s %-22s %s%n".formatted("step", "fault", "first check", "cause", "in the report"));
            steps.values().stream().sorted().forEach(row -> out.append("  ").append(row).append('\n'));
        }
        out.append("  columns: ");
        for (int i = 0; i < ids.size(); i++) {
            out.append(i + 1).append(' ').append(ids.get(i)).append(i + 1 < ids.size() ? ", " : "\n");
        }
        System.out.print(out);
    }
}
