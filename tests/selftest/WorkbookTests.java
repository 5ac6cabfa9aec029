import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ./jbang check N as a student runs it: every shipped exercise fails, on the checks its hints name,
 * with the figures and messages its text promises; every solution passes with the catalogue's count.
 */
@Order(12)
@DisplayName("the workbook: ./jbang check, as shipped and solved, against what the lesson texts promise")
@ExtendWith({TestRun.SelectInvocations.class, Kit.OptionsResolver.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkbookTests {

    /** "Lesson 4: 21 checks pass, 3 fail, 3 are not judged and 8 are skipped." */
    private static final Pattern SHIPPED_SAYS = Pattern.compile("Lesson (\\d+): (" + LessonTextTests.SHIPPED.pattern() + ")\\.");
    /** "    fails: echo.basic, echo.sequence" under a TODO of check's advice. */
    private static final Pattern FAILS = Pattern.compile("^\\s+fails: (.*)$", Pattern.MULTILINE);

    /** The shipped lessons that never answer, checked on the background lane from the group's start. */
    private final Map<Integer, Future<Kit.Result>> waiting = new ConcurrentHashMap<>();

    static Stream<Integer> lessons() {
        return Lessons.ALL.stream().map(Lessons.Lesson::number);
    }

    /** The lessons as shipped, those that wait last: by the time the others are done, the background lane has run them. */
    static Stream<Integer> shippedLessons() throws IOException {
        var waiting = new java.util.ArrayList<Integer>();
        var others = new java.util.ArrayList<Integer>();
        for (var lesson : Lessons.ALL) {
            (waits(lesson) ? waiting : others).add(lesson.number());
        }
        return Stream.concat(others.stream(), waiting.stream());
    }

    private static final String SHIPPED = "shipped exercises fail";

    // A lesson whose exercise as shipped fails the basic echo: every check waits out its timeout.
    private static boolean waits(Lessons.Lesson lesson) throws IOException {
        return Lessons.hints(lesson.hints(Kit.ROOT)).stream().anyMatch(h -> h.checks().contains("echo.basic"));
    }

    @BeforeAll
    void startWaitingRuns(Kit.Options options, TestRun.Selection selection) throws Exception {
        // Built once, here: two JBang builds of one script at once break each other.
        var build = Kit.jbang(Kit.SUITE_BOUND, "build", "tests/Check.java");
        assertThat(build.status()).as("./jbang build tests/Check.java: %s", build.output()).isZero();
        for (var lesson : Lessons.ALL) {
            var name = "./jbang check %d: as shipped, lesson %d fails on its hints' checks, as its text says"
                    .formatted(lesson.number(), lesson.number());
            if (waits(lesson) && (selection.accepts().test(name) || selection.accepts().test(SHIPPED))) {
                waiting.put(lesson.number(), options.background().submit(
                        () -> Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", Integer.toString(lesson.number()))));
            }
        }
    }

    @ParameterizedTest(name = "./jbang check {0}: as shipped, lesson {0} fails on its hints' checks, as its text says", quoteTextArguments = false)
    @DisplayName(SHIPPED)
    @MethodSource("shippedLessons")
    void shippedFails(int number, TestReporter reporter) throws Exception {
        var lesson = Lessons.lesson(number).orElseThrow();
        var started = waiting.get(number);
        var run = started != null ? started.get() : Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", Integer.toString(number));
        assertThat(run.status()).as("%s", run.tail(30)).isEqualTo(1);
        Kit.assertNoneLeft(run.mark(), "./jbang check " + number);
        assertThat(run.output()).as("%s", run.tail(30))
                .contains("listening on", "model=" + lesson.model(), "Next: TODO(1) in exercises/" + lesson.folderName() + "/",
                        "hint: ./jbang check " + lesson.number() + " --hint ");
        var says = SHIPPED_SAYS.matcher(run.output());
        assertThat(says.find()).as("the summary line of check %d: %s", number, run.tail(30)).isTrue();
        reporter.publishEntry("says", says.group());
        var text = Files.readString(lesson.folder(Kit.ROOT).resolve("README.md"));
        var where = "exercises/" + lesson.folderName() + "/README.md";
        for (var m = LessonTextTests.SHIPPED.matcher(text); m.find(); ) {
            assertThat(m.group().replaceAll("\\s+", " ")).as("%s promises \"%s\"; as shipped, check says", where, m.group())
                    .isEqualTo(says.group(2));
        }
        for (var m = LessonTextTests.SAYS.matcher(text); m.find(); ) {
            assertThat(run.output().replaceAll("\\s+", " ")).as("%s quotes %s saying \"%s\"", where, m.group(1), m.group(2))
                    .contains(m.group(2).replaceAll("\\s+", " "));
        }
        var failing = new TreeSet<String>();
        // The ids of each "fails:" line (a check taught in another lesson says where, in parentheses).
        FAILS.matcher(run.output()).results().forEach(r -> failing.addAll(List.of(r.group(1).replaceAll(" \\([^)]*\\)+", "").split(",\\s*"))));
        var named = new TreeSet<String>();
        Lessons.hints(lesson.hints(Kit.ROOT)).forEach(h -> named.addAll(h.checks()));
        assertThat(failing).as("every check that fails as shipped is named by a Checks line of %s (the TODO it goes to)",
                Kit.ROOT.relativize(lesson.hints(Kit.ROOT))).isSubsetOf(named);
    }

    /** Every check that applies passes: the count is the catalogue's, and none fails (the line mode of SolutionTests). */
    @ParameterizedTest(name = "./jbang check {0} --solution: with its TODO regions holding the code of the solution, lesson {0} passes", quoteTextArguments = false)
    @DisplayName("solutions pass their lesson")
    @MethodSource("lessons")
    void solutionPasses(int number) throws Exception {
        var lesson = Lessons.lesson(number).orElseThrow();
        var run = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", Integer.toString(lesson.number()), "--solution");
        assertThat(run.status()).as("%s", run.tail(40)).isZero();
        Kit.assertNoneLeft(run.mark(), "./jbang check " + number + " --solution");
        assertThat(run.output()).contains("Lesson " + lesson.number() + " passes: " + LessonTextTests.solvedCount(lesson) + " checks.",
                lesson.number() < Lessons.ALL.size() ? "Next: lesson " + (lesson.number() + 1) : "last lesson");
    }

    @Test
    @DisplayName("check: --hint gives the idea, then the API, then the code (or the level asked); --list the lessons; bad lessons and hints exit 2")
    void checkOptions() throws Exception {
        var seen = Kit.ROOT.resolve("build/check/lesson-1-hint-3.txt");
        Files.deleteIfExists(seen);
        try {
            var levels = List.of("hint 1 of 3 (the idea)", "hint 2 of 3 (the API)", "hint 3 of 3 (the code)", "hint 3 of 3 (the code)");
            for (var level : levels) {
                var hint = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "1", "--hint", "3");
                assertThat(hint.status()).as(hint.output()).isZero();
                assertThat(hint.output()).contains("Lesson 1, TODO(3): split the bytes into lines, " + level);
            }
            var code = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "1", "--hint", "3.3");
            assertThat(code.output()).contains("hint 3 of 3", "keep(").doesNotContain("More:");
            var idea = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "1", "--hint", "3.1");
            assertThat(idea.output()).contains("hint 1 of 3", "More: ./jbang check 1 --hint 3").doesNotContain("keep(");
        } finally {
            Files.deleteIfExists(seen);
        }
        var list = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "--list");
        assertThat(list.status()).as(list.output()).isZero();
        assertThat(list.output()).contains("single-threaded", "multi-process", "virtual-threads", "TODOs", "checks passing");
        assertThat(Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "9").status()).isEqualTo(2);
        assertThat(Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "1", "--hint", "9").status()).isEqualTo(2);
        assertThat(Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "1", "--hint", "3.4").status()).isEqualTo(2);
    }

    @Test
    @DisplayName("workbook: every lesson has at least three wrong steps (tests/faults), each a TODO of the lesson whose hints name its cause")
    void wrongSteps() throws Exception {
        var steps = Fault.all().stream().filter(f -> f.step() != null).toList();
        for (var lesson : Lessons.ALL) {
            var mine = steps.stream().filter(f -> f.step().lesson() == lesson.number()).toList();
            assertThat(mine).as("the wrong steps of lesson %d (a '// Wrong step: lesson %d, TODO(k)' header)", lesson.number(), lesson.number())
                    .hasSizeGreaterThanOrEqualTo(3);
            var hints = Lessons.hints(lesson.hints(Kit.ROOT));
            for (var fault : mine) {
                var hint = hints.stream().filter(h -> h.todo() == fault.step().todo()).findFirst();
                assertThat(hint).as("%s: %s has a hint", fault, fault.step()).isPresent();
                assertThat(Lessons.todoOfCause(hints, fault.causes().getFirst())).as("%s (%s): the TODO whose Causes line names %s",
                        fault, fault.step(), fault.causes().getFirst()).contains(fault.step().todo());
            }
        }
    }

    @Test
    @DisplayName("check: --reset restores the exercise as shipped and keeps the student's file beside it; --list counts its TODOs done")
    void reset() throws Exception {
        var lesson = Lessons.lesson(4).orElseThrow();
        var file = lesson.exercise(Kit.ROOT);
        var shipped = Lessons.generate(Kit.ROOT, lesson).get(file.getFileName().toString());
        assertThat(Files.readString(file)).as("%s as shipped before the test", file).isEqualTo(shipped);
        try {
            // The student did TODO(1): its comment is gone.
            var mine = shipped.replaceFirst("(?m)^\\s*// TODO\\(1\\):.*\\n(\\s*//   .*\\n)*", "        // my pool goes here\n");
            Files.writeString(file, mine);
            var list = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "--list");
            assertThat(list.output().lines().filter(l -> l.startsWith("4 ")).findFirst().orElse("")).as(list.output()).contains("1/2 done");
            var reset = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "4", "--reset");
            assertThat(reset.status()).as(reset.output()).isZero();
            assertThat(Files.readString(file)).as("%s after --reset", file).isEqualTo(shipped);
            try (var files = Files.list(file.getParent())) {
                var kept = files.filter(f -> f.getFileName().toString().startsWith(file.getFileName() + ".saved-")).toList();
                assertThat(kept).as("the student's file kept beside it").hasSize(1);
                assertThat(Files.readString(kept.getFirst())).isEqualTo(mine);
                assertThat(reset.output()).contains("kept your", kept.getFirst().getFileName().toString(), "restored");
                Files.delete(kept.getFirst());
            }
            var again = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "4", "--reset");
            assertThat(again.output()).contains("is as shipped already");
            // A run of one check is no progress of the lesson: --list still has no last check of it.
            var some = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "4", "--only", "echo.basic");
            assertThat(some.output()).as(some.output()).contains("The check of --only echo.basic: it passes.")
                    .doesNotContain("Lesson 4 passes", "Next: lesson 5");
            var after = Kit.jbang(Kit.SUITE_BOUND, "tests/Check.java", "--list");
            assertThat(after.output().lines().filter(l -> l.startsWith("4 ")).findFirst().orElse("")).as(after.output())
                    .contains("not checked yet");
        } finally {
            Files.writeString(file, shipped);
        }
    }
}
