import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The texts cannot drift from the kit: the exercises are what their solutions make, the README's
 * check list is the catalogue's, and every figure a lesson promises is the catalogue's count or one
 * the full tier holds against a run (WorkbookTests).
 */
@Order(2)
@DisplayName("the texts: exercises, hints, the README's check list, the figures lessons promise")
class LessonTextTests {

    /** "Lesson 4 passes: 27 checks." */
    static final Pattern PASSES = Pattern.compile("Lesson\\s+(\\d+)\\s+passes:\\s+(\\d+)\\s+checks");
    /** "27 checks pass, 8 are skipped": the solved lesson. */
    static final Pattern SOLVED = Pattern.compile("(\\d+)\\s+checks\\s+pass,\\s+(\\d+)\\s+are\\s+skipped");
    /** "21 checks pass, 3 fail, 3 are not judged and 8 are skipped": the lesson as shipped (as {@link Lessons#counts} says it). */
    static final Pattern SHIPPED = Pattern.compile("(\\d+)\\s+checks?\\s+pass(?:es)?,\\s+(\\d+)\\s+fails?,\\s+(\\d+)\\s+(?:is|are)\\s+"
            + "not\\s+judged\\s+and\\s+(\\d+)\\s+(?:is|are)\\s+skipped");
    /** Any count of checks: each must be one of the forms above. */
    static final Pattern ANY_COUNT = Pattern.compile("\\b(\\d+|[Ff]ive|[Ss]ix|[Tt]hree|[Tt]wo|[Oo]ne)\\s+checks?\\b");
    /** "`echo.basic`": a check id in a text. */
    static final Pattern CHECK_ID = Pattern.compile("`([a-z]+\\.[a-z0-9-]+)`");
    /** "`robust.flood` says "...": a message the lesson quotes, held to the shipped run by the full tier. */
    static final Pattern PLACEHOLDER = Pattern.compile("\\[\\.\\.\\.]|\\.\\.\\.|\\b(N|PID|PORT)\\b");

    static final Pattern SAYS = Pattern.compile("`([a-z]+\\.[a-z0-9-]+)`\\s+says\\s+\"([^\"]+)\"");

    static int solvedCount(Lessons.Lesson lesson) {
        return Catalogue.applicable(lesson.checkedRun()).size();
    }

    @Test
    @DisplayName("workbook: every exercise file is what its solution's marked regions make (./jbang tests/MakeExercises.java)")
    void exercisesMatchSolutions() throws Exception {
        for (var lesson : Lessons.ALL) {
            for (var file : Lessons.generate(Kit.ROOT, lesson).entrySet()) {
                var path = lesson.folder(Kit.ROOT).resolve(file.getKey());
                assertThat(path).as("lesson %d's %s", lesson.number(), file.getKey()).exists();
                assertThat(Files.readString(path))
                        .as("%s differs from what its solution makes: edit the solution's marked regions, then run "
                                + "./jbang tests/MakeExercises.java", Kit.ROOT.relativize(path))
                        .isEqualTo(file.getValue());
            }
        }
    }

    @Test
    @DisplayName("workbook: every lesson has its text, a hint for each TODO, and hints that name real checks")
    void lessonTextsAndHints() throws Exception {
        for (var lesson : Lessons.ALL) {
            var text = lesson.folder(Kit.ROOT).resolve("README.md");
            assertThat(text).as("lesson %d's text", lesson.number()).exists();
            assertThat(Files.readString(text)).as("lesson %d's text", lesson.number())
                    .contains("./jbang check " + lesson.number(), "## Questions");
            var todos = Lessons.todos(Kit.ROOT, lesson).stream().map(Lessons.Todo::number).distinct().sorted().toList();
            var hints = Lessons.hints(lesson.hints(Kit.ROOT));
            assertThat(todos).as("lesson %d's TODOs", lesson.number()).isNotEmpty();
            assertThat(hints).extracting(Lessons.Hint::todo).as("lesson %d's hints", lesson.number())
                    .containsExactlyElementsOf(todos);
            for (var hint : hints) {
                assertThat(hint.checks()).as("%s, TODO(%d): its Checks line", Kit.ROOT.relativize(lesson.hints(Kit.ROOT)), hint.todo())
                        .isNotEmpty().allMatch(id -> Catalogue.entry(id).isPresent());
                assertThat(hint.text()).as("lesson %d, hint %d", lesson.number(), hint.todo()).isNotBlank();
            }
        }
    }

    @Test
    @DisplayName("README: its check list and its lesson points are the catalogue's, between their markers")
    void readmeCheckList() throws IOException {
        var readme = Files.readString(Kit.ROOT.resolve("README.md"));
        assertThat(readme).as("README.md: the markers of its check list and lesson points")
                .contains(Catalogue.IDS_BEGIN, Catalogue.IDS_END, Catalogue.POINTS_BEGIN, Catalogue.POINTS_END);
        assertThat(readme).as("README.md's lesson points are not the catalogue's: run ./jbang tests/MakeExercises.java")
                .isEqualTo(Catalogue.withIdSummary(readme));
        var block = Pattern.compile(Pattern.quote(Catalogue.IDS_BEGIN) + "(.*?)" + Pattern.quote(Catalogue.IDS_END), Pattern.DOTALL);
        var now = block.matcher(readme).results().map(r -> r.group(1).strip()).findFirst().orElse("");
        var made = block.matcher(Catalogue.withIdSummary(readme)).results().map(r -> r.group(1).strip()).findFirst().orElse("");
        assertThat(now).as("README.md's check list is not the catalogue's: run ./jbang tests/MakeExercises.java").isEqualTo(made);
    }

    @Test
    @DisplayName("texts: every check id a text names (README, lessons, hints) is in the catalogue")
    void namedChecksExist() throws IOException {
        var problems = new ArrayList<String>();
        var files = new ArrayList<Path>(List.of(Kit.ROOT.resolve("README.md")));
        for (var lesson : Lessons.ALL) {
            files.add(lesson.folder(Kit.ROOT).resolve("README.md"));
            files.add(lesson.hints(Kit.ROOT));
        }
        for (var file : files) {
            var lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                var m = CHECK_ID.matcher(lines.get(i));
                while (m.find()) {
                    var id = m.group(1);
                    // Only a name in a group of checks is a check's id; `client.output` is code.
                    boolean group = java.util.Arrays.stream(CheckGroup.values()).anyMatch(g -> id.startsWith(g.id + "."));
                    if (group && Catalogue.entry(id).isEmpty()) {
                        problems.add("%s:%d: `%s` is no check of the catalogue".formatted(Kit.ROOT.relativize(file), i + 1, id));
                    }
                }
            }
        }
        assertThat(problems).as("check ids named in the texts").isEmpty();
    }

    @Test
    @DisplayName("lessons: every count of checks a lesson promises is the catalogue's, or adds up to every check")
    void promisedFigures() throws IOException {
        var problems = new ArrayList<String>();
        int total = Catalogue.ALL.size();
        for (var lesson : Lessons.ALL) {
            var file = lesson.folder(Kit.ROOT).resolve("README.md");
            var where = Kit.ROOT.relativize(file);
            int passes = solvedCount(lesson);
            var text = Files.readString(file);
            var held = new java.util.HashSet<Integer>();
            for (var m = PASSES.matcher(text); m.find(); held.add(m.start(2))) {
                if (Integer.parseInt(m.group(1)) != lesson.number() || Integer.parseInt(m.group(2)) != passes) {
                    problems.add(at(where, text, m.start()) + "\"" + m.group() + "\": lesson " + lesson.number() + " passes with "
                            + passes + " checks");
                }
            }
            for (var m = SHIPPED.matcher(text); m.find(); held.add(m.start())) {
                int sum = Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)) + Integer.parseInt(m.group(3))
                        + Integer.parseInt(m.group(4));
                if (sum != total) {
                    problems.add(at(where, text, m.start()) + "\"" + m.group() + "\" adds up to " + sum + ", not the " + total
                            + " checks of the suite");
                }
            }
            for (var m = SOLVED.matcher(text); m.find(); held.add(m.start())) {
                if (Integer.parseInt(m.group(1)) != passes || Integer.parseInt(m.group(2)) != total - passes) {
                    problems.add(at(where, text, m.start()) + "\"" + m.group() + "\": solved, lesson " + lesson.number() + " has "
                            + passes + " checks pass, " + (total - passes) + " are skipped");
                }
            }
            for (var m = ANY_COUNT.matcher(text); m.find(); ) {
                if (!held.contains(m.start())) {
                    problems.add(at(where, text, m.start()) + "\"" + m.group() + "\" is a count of checks the self-test cannot hold: "
                            + "write it as \"Lesson N passes: X checks\", \"X checks pass, K are skipped\" or \"P checks pass, F fail, "
                            + "B are not judged and K are skipped\"");
                }
            }
            for (var m = SAYS.matcher(text); m.find(); ) {
                if (Catalogue.entry(m.group(1)).isEmpty()) {
                    problems.add(at(where, text, m.start()) + "quotes " + m.group(1) + ", which is no check");
                }
                // The run is searched for the quote as it stands: a placeholder in it can never be found.
                if (PLACEHOLDER.matcher(m.group(2)).find()) {
                    problems.add(at(where, text, m.start()) + "quotes " + m.group(1) + " with a placeholder (N, PID, [...]): \""
                            + m.group(2) + "\"; quote only the words the check prints");
                }
            }
        }
        assertThat(problems).as("figures of the lesson texts").isEmpty();
    }

    // "exercises/04-thread-pool/README.md:98: ", for the offset at in text.
    private static String at(Path where, String text, int at) {
        return "%s:%d: ".formatted(where, text.substring(0, at).split("\n", -1).length);
    }
}
