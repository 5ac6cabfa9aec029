import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an instructor copies from grading/, run as its host runs it: the Gradescope autograder on a
 * simulated /autograder with no network, and the script of the GitHub Actions and GitLab CI jobs.
 */
@Order(17)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("grading: the Gradescope autograder and the CI job of grading/, as Gradescope and a CI runner run them")
class GradingTests {

    static final Duration BOUND = Duration.ofMinutes(4);

    /** The autograder as Gradescope unpacks it and setup.sh leaves it: source/ holds the zip's files, kit/ the kit. */
    private Path built;

    @BeforeAll
    void buildAutograder(@TempDir Path dir) throws Exception {
        var zip = dir.resolve("autograder.zip");
        var made = Kit.run(BOUND, Map.of(), List.of("bash", "grading/gradescope/make-zip", zip.toString()));
        assertThat(made.status()).as(made.output()).isZero();
        built = dir.resolve("autograder");
        unzip(zip, built.resolve("source"));
        assertThat(built.resolve("source/run_autograder")).as("run_autograder sits at the zip's root").exists();
        var setup = Kit.run(BOUND, Map.of(), List.of("bash", built.resolve("source/setup.sh").toString()));
        assertThat(setup.status()).as(setup.output()).isZero();
        assertThat(built.resolve("source/run_autograder")).as("setup.sh makes it runnable, whatever the zip kept").isExecutable();
    }

    @Test
    @DisplayName("gradescope: a correct submission (lesson 4's solution) gets every point of the lesson's total")
    void correct(@TempDir Path dir) throws Exception {
        var root = autograder(dir, 4);
        Files.writeString(root.resolve("submission/ThreadPool.java"), solved(Lessons.lesson(4).orElseThrow()));
        var results = grade(root);
        assertThat(results.get("score").getAsDouble()).as(results.toString()).isEqualTo(Points.DEFAULT.lessonTotal(4));
        assertThat(tests(results)).allMatch(t -> t.get("status").getAsString().equals("passed"));
    }

    @Test
    @DisplayName("gradescope: lesson 4 as shipped gets part of the points, each failure explained with its lesson and TODO")
    void broken(@TempDir Path dir) throws Exception {
        var root = autograder(dir, 4);
        Files.copy(Kit.ROOT.resolve("exercises/04-thread-pool/ThreadPool.java"), root.resolve("submission/ThreadPool.java"));
        var results = grade(root);
        assertThat(results.get("score").getAsDouble()).as(results.toString()).isGreaterThan(0).isLessThan(Points.DEFAULT.lessonTotal(4));
        var failed = tests(results).stream().filter(t -> t.get("status").getAsString().equals("failed")).toList();
        assertThat(failed).isNotEmpty();
        assertThat(failed).anySatisfy(t -> assertThat(t.get("output").getAsString()).contains("observed:", "rule:", "likely cause:", "lesson 4, TODO("));
    }

    @Test
    @DisplayName("gradescope: a submission that does not compile gets a valid results.json: score 0 and the compiler's words")
    void notStarting(@TempDir Path dir) throws Exception {
        var root = autograder(dir, 4);
        Files.writeString(root.resolve("submission/ThreadPool.java"), "class ThreadPool { void broken( }\n");
        var results = grade(root);
        assertThat(results.get("score").getAsDouble()).isZero();
        var first = tests(results).getFirst();
        assertThat(first.get("status").getAsString()).isEqualTo("failed");
        assertThat(first.get("max_score").getAsDouble()).isEqualTo(Points.DEFAULT.lessonTotal(4));
        assertThat(first.get("output").getAsString()).contains("could not launch the server", "ThreadPool.java");
        assertThat(results.get("output").getAsString()).contains("Nothing could be judged");
    }

    @Test
    @DisplayName("gradescope: a server in another language, given by a launch file, is graded on the lesson of its model")
    void launchFile(@TempDir Path dir) throws Exception {
        var root = autograder(dir, 3);
        Files.copy(Kit.ROOT.resolve("tests/correct/threaded_server.py"), root.resolve("submission/threaded_server.py"));
        Files.writeString(root.resolve("submission/launch"), "#!/bin/sh\nexec python3 threaded_server.py \"$@\"\n");
        var results = grade(root);
        assertThat(results.get("score").getAsDouble()).as(results.toString()).isEqualTo(Points.DEFAULT.lessonTotal(3));
    }

    @Test
    @DisplayName("ci: the script the GitHub and GitLab jobs run writes the reports and the job summary, and fails below the threshold")
    void ciJob(@TempDir Path dir) throws Exception {
        var command = "bash grading/ci-grade.sh \"$LESSON\" \"$MIN_SCORE\"";
        for (var file : List.of("grading/github/echo-kit.yml", "grading/gitlab/.gitlab-ci.yml")) {
            assertThat(Files.readString(Kit.ROOT.resolve(file))).as(file).contains(command, "build/grade/report.xml");
        }
        var summary = dir.resolve("step-summary.md");
        var environment = Map.of("ECHO_KIT_GRADE_OUT", dir.toString(), "GITHUB_STEP_SUMMARY", summary.toString());
        var below = Kit.run(BOUND, environment, List.of("bash", "grading/ci-grade.sh", "4", "100%"));
        assertThat(below.status()).as(below.output()).isEqualTo(1);
        assertThat(below.output()).contains("is below --min-score 100%");
        var suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("report.xml").toFile()).getDocumentElement();
        assertThat(Kit.suiteProperty(suite, "max_score")).isEqualTo(Points.format(Points.DEFAULT.lessonTotal(4)));
        assertThat(Files.readString(summary)).contains("### Echo Kit:", "| ❌ |", "lesson 4, TODO(");
        assertThat(Files.readString(dir.resolve("summary.md"))).isEqualTo(Files.readString(summary));
        var reached = Kit.run(BOUND, environment, List.of("bash", "grading/ci-grade.sh", "4", "1"));
        assertThat(reached.status()).as(reached.output()).isZero();
    }

    // A student's finished exercise: the solution, its sources found from the lesson's folder as the exercise finds them.
    static String solved(Lessons.Lesson lesson) throws IOException {
        var sources = Files.readAllLines(lesson.exercise(Kit.ROOT)).stream().filter(l -> l.startsWith("//SOURCES ")).toList();
        var solution = Files.readAllLines(lesson.solution(Kit.ROOT)).stream().filter(l -> !l.startsWith("//SOURCES ")).toList();
        var text = new java.util.ArrayList<>(solution);
        text.addAll(1, sources);
        return String.join("\n", text) + "\n";
    }

    // A fresh copy of the built autograder, set to grade lesson {@code lesson}, with an empty submission/.
    private Path autograder(Path dir, int lesson) throws IOException {
        var root = dir.resolve("autograder");
        Kit.copyTree(built, root);
        var config = root.resolve("source/config");
        Files.writeString(config, Files.readString(config).replaceFirst("(?m)^LESSON=\\d+", "LESSON=" + lesson));
        Files.createDirectories(root.resolve("submission"));
        return root;
    }

    // Runs run_autograder as Gradescope does, in a network namespace with only the loopback; returns a valid results.json.
    private static JsonObject grade(Path root) throws Exception {
        var ran = Kit.run(BOUND, Map.of("ECHO_KIT_AUTOGRADER_ROOT", root.toString()), List.of("unshare", "-n", "sh", "-c",
                "ip link set lo up && exec \"$0\"", root.resolve("source/run_autograder").toString()));
        assertThat(ran.status()).as("run_autograder ends with 0 once results.json is written: %s", ran.tail(40)).isZero();
        var results = JsonParser.parseString(Files.readString(root.resolve("results/results.json"))).getAsJsonObject();
        assertValidGradescope(results);
        return results;
    }

    /** results.json as Gradescope's autograder specification describes it: the fields, their types, their values. */
    static void assertValidGradescope(JsonObject results) {
        assertThat(results.get("score").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(results.get("execution_time").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(results.get("output").getAsJsonPrimitive().isString()).isTrue();
        assertThat(results.get("output_format").getAsString()).isIn("text", "html", "simple_format", "md", "ansi");
        assertThat(results.get("visibility").getAsString()).isIn(VISIBILITIES);
        double sum = 0;
        for (var test : tests(results)) {
            assertThat(test.keySet()).as(test.toString()).containsAll(List.of("score", "max_score", "name", "number", "output"))
                    .isSubsetOf(Set.of("score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                            "tags", "visibility", "extra_data"));
            assertThat(test.get("score").getAsDouble()).isBetween(0.0, test.get("max_score").getAsDouble());
            assertThat(test.get("status").getAsString()).isIn("passed", "failed");
            assertThat(test.get("number").getAsString()).matches("\\d+\\.\\d+");
            assertThat(test.get("visibility").getAsString()).isIn(VISIBILITIES);
            assertThat(test.getAsJsonArray("tags").asList()).allMatch(t -> t.getAsJsonPrimitive().isString());
            sum += test.get("score").getAsDouble();
        }
        assertThat(results.get("score").getAsDouble()).as("the score is the sum of the tests'").isCloseTo(sum, org.assertj.core.data.Offset.offset(0.01));
    }

    static final Set<String> VISIBILITIES = Set.of("hidden", "after_due_date", "after_published", "visible");

    static List<JsonObject> tests(JsonObject results) {
        return results.getAsJsonArray("tests").asList().stream().map(JsonElement::getAsJsonObject).toList();
    }

    // Unpacks as Gradescope's upload does; file modes are not kept (setup.sh must not need them).
    private static void unzip(Path zip, Path into) throws IOException {
        try (var file = new ZipFile(zip.toFile())) {
            for (var entry : java.util.Collections.list(file.entries())) {
                var to = into.resolve(entry.getName()).normalize();
                assertThat(to).startsWithRaw(into);
                if (entry.isDirectory()) {
                    Files.createDirectories(to);
                } else {
                    Files.createDirectories(to.getParent());
                    try (var in = file.getInputStream(entry)) {
                        Files.copy(in, to);
                    }
                }
            }
        }
    }
}
