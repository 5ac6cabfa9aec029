//JAVA 25+
//DEPS org.assertj:assertj-core:3.27.7
//SOURCES Conformance.java lib/Lessons.java selftest/*.java faults/*.java grade/*.java
//SOURCES ../solutions/shared/Framing.java

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The kit's own tests, in two tiers. The quick one (--quick) needs no server but those it starts in
 * its own JVM: the catalogue and its keys, the diagnosis on recorded observations, the framing, the
 * /proc readers, the report writers, the lesson texts, and the byte-level faults. The full one adds
 * everything that launches servers: every solution, lesson, tool, correct server and fault.
 */
@Command(name = "selftest", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Runs Echo Kit's own tests. Ends with the line 'N passed, M failed'.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every test passed", "1:a test failed", "2:bad usage"})
public class SelfTest implements Callable<Integer> {

    /** The quick tier: no server but in-process ones; minutes at most. */
    static final List<Class<?>> QUICK = List.of(CatalogueTests.class, LessonTextTests.class, DiagnosisTests.class,
            FramingTests.class, ProcFsTests.class, ReportTests.class, InProcessFaultTests.class, SuiteCliTests.class,
            ServerTests.class);

    /** What the full tier adds: servers launched as a user launches them. */
    static final List<Class<?>> FULL = List.of(ScriptTests.class, SolutionTests.class, WorkbookTests.class,
            LoadTests.class, ToolTests.class, CorrectServerTests.class, FaultTests.class, GradingTests.class, GradeTests.class);

    /** How the tests run: each within 15 minutes, groups in order, in parallel only what asks for it. */
    static final Map<String, String> CONFIGURATION = Map.of(
            "junit.jupiter.execution.timeout.default", "15 m",
            "junit.jupiter.execution.timeout.thread.mode.default", "SEPARATE_THREAD",
            "junit.jupiter.testclass.order.default", "org.junit.jupiter.api.ClassOrderer$OrderAnnotation",
            // Only what asks for it (@Execution(CONCURRENT): the in-process faults) runs in parallel.
            "junit.jupiter.execution.parallel.enabled", "true",
            "junit.jupiter.execution.parallel.mode.default", "same_thread",
            "junit.jupiter.execution.parallel.config.strategy", "fixed",
            "junit.jupiter.execution.parallel.config.fixed.parallelism", "4",
            "junit.jupiter.execution.parallel.config.executor-service", "FORK_JOIN_POOL");

    @Option(names = "--quick", description = "Run the quick tier only (at most 2 minutes).")
    boolean quick;

    @Option(names = "--only", split = ",", paramLabel = "GLOB", description = "Run only the tests whose name matches, e.g. '*ThreadPool*'.")
    List<String> only = new ArrayList<>();

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Write a JUnit XML report.")
    Path junitXml;

    @Option(names = "--soak", paramLabel = "SECONDS", defaultValue = "15",
            description = "How long each solution's soak runs (default: ${DEFAULT-VALUE}; 0 skips the soaks).")
    int soak;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "Run the selected tests N times (to hunt flaky checks); the summary counts every run.")
    int repeat;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SelfTest()).execute(args));
    }

    /** The self-test's tests are named by their display names, grouped by their classes. */
    static final TestRun.Labels LABELS = new TestRun.Labels() {
        @Override
        public Optional<String> id(Method method) {
            return Optional.empty();
        }

        @Override
        public String name(String id, String displayName) {
            return displayName;
        }

        @Override
        public TestRun.Group group(Class<?> testClass, String displayName) {
            return new TestRun.Group(testClass.getSimpleName(), displayName);
        }
    };

    @Override
    public Integer call() throws Exception {
        // The full run holds every fault to every check (FaultTests): the quick tier's in-process subset adds nothing to it.
        var classes = quick ? QUICK : Stream.concat(QUICK.stream().filter(c -> c != InProcessFaultTests.class), FULL.stream()).toList();
        var run = new TestRun(LABELS, new java.io.PrintWriter(System.out, true));
        System.out.println("Echo Kit self-test" + (quick ? " (quick tier)" : "") + ", in " + Kit.ROOT);
        var started = Instant.now();
        var outcomes = new ArrayList<TestRun.Outcome>();
        try (var background = new Kit.Background()) {
            for (int i = 1; i <= repeat; i++) {
                if (repeat > 1) {
                    System.out.printf("%nrun %d of %d%n", i, repeat);
                }
                outcomes.addAll(run.run(classes, CONFIGURATION, TestRun.selection(only, List.of()),
                        List.of(new Kit.Options(soak, background))));
            }
        }
        if (junitXml != null) {
            Reports.writeJUnitXml(junitXml, "selftest", started, outcomes, Map.of("root", Kit.ROOT.toString()));
        }
        System.out.println();
        System.out.printf("%s in %d s%n", quick ? "quick tier" : "full run", java.time.Duration.between(started, Instant.now()).toSeconds());
        System.out.println(TestRun.summary(outcomes).replaceFirst(", \\d+ skipped$", ""));
        return TestRun.count(outcomes, TestRun.Status.FAILED) > 0 ? 1 : 0;
    }
}
