import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

import static org.assertj.core.api.Assertions.assertThat;

/** The report writers (tests/lib/Reports.java) on outcomes made here: what a CI system and a grader read. */
@Order(6)
@DisplayName("the report writers and the grade: JUnit XML, JSON, Gradescope, Markdown, points (tests/lib/Reports.java, Scorecard.java, Points.java)")
class ReportTests {

    static final TestRun.Group ECHO = new TestRun.Group(CheckGroup.ECHO.id, CheckGroup.ECHO.heading());
    static final TestRun.Group RAW = new TestRun.Group(CheckGroup.RAW.id, CheckGroup.RAW.heading());

    static List<TestRun.Outcome> outcomes() {
        return List.of(
                new TestRun.Outcome("echo.basic", Catalogue.of("echo.basic").rule(), ECHO, TestRun.Status.PASSED, "", "", "", 12),
                new TestRun.Outcome("echo.crlf", Catalogue.of("echo.crlf").rule(), ECHO, TestRun.Status.FAILED,
                        "observed: \u001b[2J a reply without its CR\nlikely cause: the CR was lost", "CR_LOST", "", 40),
                new TestRun.Outcome("raw.basic", Catalogue.of("raw.basic").rule(), RAW, TestRun.Status.SKIPPED,
                        Need.RAW_MODE.missing, "", "", 0));
    }

    /** The outcomes above, and a check blocked by the failed one. */
    static List<TestRun.Outcome> withBlocked() {
        var all = new java.util.ArrayList<>(outcomes());
        all.add(new TestRun.Outcome("echo.binary", Catalogue.of("echo.binary").rule(), ECHO, TestRun.Status.BLOCKED,
                "not judged, blocked by echo.crlf", "", "echo.crlf", 3));
        return all;
    }

    @Test
    @DisplayName("JUnit XML: a testcase per check, name = id, classname = conformance.<group>, the cause as the failure's type")
    void junitXml() throws Exception {
        var file = Files.createTempFile("echo-kit-report", ".xml");
        try {
            Reports.writeJUnitXml(file, "conformance", Instant.now(), outcomes(), Map.of("model", "thread-pool"));
            var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
            var suite = doc.getDocumentElement();
            assertThat(suite.getAttribute("tests")).isEqualTo("3");
            assertThat(suite.getAttribute("failures")).isEqualTo("1");
            assertThat(suite.getAttribute("skipped")).isEqualTo("1");
            var cases = doc.getElementsByTagName("testcase");
            assertThat(cases.getLength()).isEqualTo(3);
            var crlf = (Element) cases.item(1);
            assertThat(crlf.getAttribute("name")).isEqualTo("echo.crlf");
            assertThat(crlf.getAttribute("classname")).isEqualTo("conformance.echo");
            var failure = (Element) crlf.getElementsByTagName("failure").item(0);
            assertThat(failure.getAttribute("type")).isEqualTo("CR_LOST");
            assertThat(failure.getTextContent()).as("control characters cannot be written in XML").contains("observed: ?[2J a reply without its CR");
            assertThat(((Element) cases.item(2)).getAttribute("classname")).isEqualTo("conformance.raw");
            assertThat(((Element) ((Element) cases.item(2)).getElementsByTagName("skipped").item(0)).getAttribute("message"))
                    .isEqualTo(Need.RAW_MODE.missing);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    @DisplayName("JSON v2: version, status, score and max_score, counts, the model; per check its verdict, cause key, observed, lesson, TODO and points")
    void json() throws Exception {
        var file = Files.createTempFile("echo-kit-report", ".json");
        try {
            var card = Scorecard.of(withBlocked(), Model.THREAD_POOL, Points.DEFAULT, java.util.Optional.of(Kit.ROOT), 1500);
            Reports.writeJson(file, card, Map.of("server", Map.of("pid", 42)));
            var report = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            assertThat(report.get("version").getAsInt()).isEqualTo(2);
            assertThat(report.get("status").getAsString()).isEqualTo("failed");
            assertThat(report.get("passed").getAsInt()).isEqualTo(1);
            assertThat(report.get("failed").getAsInt()).isEqualTo(1);
            assertThat(report.get("blocked").getAsInt()).isEqualTo(1);
            assertThat(report.get("skipped").getAsInt()).isEqualTo(1);
            assertThat(report.get("model").getAsString()).isEqualTo("thread-pool");
            assertThat(report.get("lesson").getAsInt()).isEqualTo(4);
            // echo.basic 2 points, passed; echo.crlf 1, failed; echo.binary 1, blocked; raw.basic does not apply.
            assertThat(report.get("score").getAsDouble()).isEqualTo(2);
            assertThat(report.get("max_score").getAsDouble()).isEqualTo(4);
            var checks = report.getAsJsonArray("checks");
            var crlf = checks.get(1).getAsJsonObject();
            assertThat(crlf.get("id").getAsString()).isEqualTo("echo.crlf");
            assertThat(crlf.get("group").getAsString()).isEqualTo("echo");
            assertThat(crlf.get("status").getAsString()).isEqualTo("failed");
            assertThat(crlf.get("cause").getAsString()).isEqualTo("CR_LOST");
            assertThat(crlf.get("observed").getAsString()).isEqualTo("\u001b[2J a reply without its CR");
            assertThat(crlf.get("lesson").getAsInt()).as("CR_LOST is the echo loop's: lesson 1").isEqualTo(1);
            assertThat(crlf.get("todo").getAsInt()).as("lesson 1's hints.md names CR_LOST under TODO(3)")
                    .isEqualTo(Lessons.todoOfCause(Lessons.hints(Lessons.lesson(1).orElseThrow().hints(Kit.ROOT)), "CR_LOST").orElseThrow());
            assertThat(crlf.get("score").getAsDouble()).isZero();
            assertThat(crlf.get("max_score").getAsDouble()).isEqualTo(1);
            assertThat(crlf.get("name").getAsString()).isEqualTo(Catalogue.of("echo.crlf").rule());
            var raw = checks.get(2).getAsJsonObject();
            assertThat(raw.get("max_score").getAsDouble()).as("a check that does not apply is outside max_score").isZero();
            var binary = checks.get(3).getAsJsonObject();
            assertThat(binary.get("blocked_by").getAsString()).isEqualTo("echo.crlf");
            assertThat(binary.get("todo").getAsInt()).as("a check not judged points where its blocker does").isEqualTo(crlf.get("todo").getAsInt());
            assertThat(report.getAsJsonObject("server").get("pid").getAsInt()).isEqualTo(42);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    @DisplayName("points: globs and lesson totals as written, the last matching rule wins; a bad line is named by its number")
    void points() {
        var points = Points.parse(List.of("# a comment", "echo.* = 3", "echo.crlf = 0.5  # less", "", "lesson 4 = 100"), "points");
        assertThat(points.of(Catalogue.of("echo.basic"))).isEqualTo(3);
        assertThat(points.of(Catalogue.of("echo.crlf"))).isEqualTo(0.5);
        assertThat(points.of(Catalogue.of("framing.split"))).isEqualTo(Catalogue.of("framing.split").points());
        assertThat(points.lessonTotal(4)).isCloseTo(100, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(points.lessonTotal(3)).as("lesson 3 has no total of its own")
                .isEqualTo(Catalogue.applicable(Lessons.lesson(3).orElseThrow().checkedRun()).stream().mapToDouble(points::of).sum());
        assertThat(points.of(Catalogue.of("echo.basic"), 4) / points.of(Catalogue.of("echo.crlf"), 4)).as("scaling keeps the ratios")
                .isCloseTo(6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Points.DEFAULT.lessonTotal(4)).isEqualTo(Catalogue.applicable(Lessons.lesson(4).orElseThrow().checkedRun())
                .stream().mapToInt(Catalogue.Entry::points).sum());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Points.parse(List.of("echo.* = 1", "echo.basic: 2"), "f"))
                .hasMessageContaining("f:2:");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Points.parse(List.of("echo.nothing = 1"), "f"))
                .hasMessageContaining("matches no check");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Points.parse(List.of("lesson 9 = 1"), "f"))
                .hasMessageContaining("no lesson 9");
        assertThat(Points.format(2)).isEqualTo("2");
        assertThat(Points.format(100.0 / 3)).isEqualTo("33.33");
    }

    @Test
    @DisplayName("Gradescope: the score, a test per check that applies (name, number, points, status, the whole explanation, tags)")
    void gradescope() throws Exception {
        var file = Files.createTempFile("echo-kit-results", ".json");
        try {
            Reports.writeGradescope(file, Scorecard.of(withBlocked(), Model.THREAD_POOL, Points.DEFAULT, java.util.Optional.of(Kit.ROOT), 1500));
            var results = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            GradingTests.assertValidGradescope(results);
            assertThat(results.get("score").getAsDouble()).isEqualTo(2);
            var tests = GradingTests.tests(results);
            assertThat(tests).extracting(t -> t.get("name").getAsString())
                    .containsExactly("echo.basic: " + Catalogue.of("echo.basic").rule(), "echo.crlf: " + Catalogue.of("echo.crlf").rule(),
                            "echo.binary: " + Catalogue.of("echo.binary").rule());
            assertThat(tests).extracting(t -> t.get("number").getAsString()).containsExactly("1.1", "1.2", "1.3");
            assertThat(tests.get(1).get("output").getAsString()).contains("observed:", "likely cause: the CR was lost", "lesson 1, TODO(");
            assertThat(tests.get(2).get("output").getAsString()).contains("not judged, blocked by echo.crlf");
            assertThat(tests.get(1).getAsJsonArray("tags").asList()).extracting(e -> e.getAsString()).containsExactly("echo", "lesson 1");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    @DisplayName("Markdown: the score and a row per check; a server's bytes cannot end a cell, add markup or run as HTML")
    void markdown() {
        var hostile = new TestRun.Outcome("echo.crlf", Catalogue.of("echo.crlf").rule(), ECHO, TestRun.Status.FAILED,
                "observed: <script>alert(1)</script> | [x](http://evil) `code`\nmore", "CR_LOST", "", 40);
        var text = Reports.markdown(Scorecard.of(List.of(outcomes().getFirst(), hostile), Model.THREAD_POOL, Points.DEFAULT,
                java.util.Optional.empty(), 1));
        assertThat(text).startsWith("### Echo Kit: 2 of 3 points (lesson 4, thread-pool)");
        var row = text.lines().filter(l -> l.contains("echo.crlf")).findFirst().orElseThrow();
        assertThat(row.split("(?<!\\\\)\\|")).as("a row of five cells: " + row).hasSize(6);
        assertThat(row).doesNotContain("<script>").doesNotContainPattern("(?<!\\\\)]\\(").contains("\\<script\\>", "\\|", "\\`code\\`");
        assertThat(Reports.markdownCell("a\u001b[2Jb\r\nc")).isEqualTo("a?\\[2Jb c");
    }

    @Test
    @DisplayName("nothing judged: JSON status error with why, an errored JUnit testcase, Gradescope score 0; the lesson's total stays the maximum")
    void notJudged() throws Exception {
        var card = Scorecard.error("could not launch the server: it exited with status 3\n  its standard error ended with:\n    <b>boom</b>",
                Model.THREAD_POOL, Points.DEFAULT, 900);
        var json = Files.createTempFile("echo-kit-report", ".json");
        var xml = Files.createTempFile("echo-kit-report", ".xml");
        var gradescope = Files.createTempFile("echo-kit-results", ".json");
        try {
            Reports.writeJson(json, card, Map.of());
            var report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            assertThat(report.get("status").getAsString()).isEqualTo("error");
            assertThat(report.get("message").getAsString()).contains("exited with status 3", "<b>boom</b>");
            assertThat(report.get("max_score").getAsDouble()).isEqualTo(Points.DEFAULT.lessonTotal(4));
            Reports.writeJUnitXml(xml, "conformance", Instant.now(), List.of(), Map.of(), o -> Map.of(), card.message());
            var suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile()).getDocumentElement();
            assertThat(suite.getAttribute("errors")).isEqualTo("1");
            assertThat(suite.getElementsByTagName("error").item(0).getTextContent()).contains("boom");
            Reports.writeGradescope(gradescope, card);
            var results = JsonParser.parseString(Files.readString(gradescope)).getAsJsonObject();
            GradingTests.assertValidGradescope(results);
            assertThat(results.get("score").getAsDouble()).isZero();
            assertThat(results.get("output").getAsString()).contains("Nothing could be judged").doesNotContain("\n<b>");
        } finally {
            Files.deleteIfExists(json);
            Files.deleteIfExists(xml);
            Files.deleteIfExists(gradescope);
        }
    }

    @Test
    @DisplayName("summary: \"N passed, M failed\", and \", K skipped\" when some were")
    void summary() {
        assertThat(TestRun.summary(outcomes())).isEqualTo("1 passed, 1 failed, 1 skipped");
        assertThat(TestRun.summary(outcomes().subList(0, 2))).isEqualTo("1 passed, 1 failed");
    }

    @Test
    @DisplayName("class gradebook: CSV fields quoted and never a formula, HTML escaped, control bytes shown; shards cover a class once")
    void gradebookEscapes() {
        assertThat(Gradebook.csvCell("plain")).isEqualTo("plain");
        assertThat(Gradebook.csvCell("a,\"b\"")).isEqualTo("\"a,\"\"b\"\"\"");
        assertThat(Gradebook.csvCell("=HYPERLINK(1)")).isEqualTo("'=HYPERLINK(1)");
        assertThat(Gradebook.csvCell("x\u001b[31m\ny")).isEqualTo("x?[31m?y");
        assertThat(Gradebook.html("<b a=\"1\">&'\u001b")).isEqualTo("&lt;b a=&quot;1&quot;&gt;&amp;&#39;\\x1b");
        var students = java.util.stream.IntStream.range(0, 10).mapToObj(i -> java.nio.file.Path.of("s" + i)).toList();
        var shares = java.util.stream.IntStream.rangeClosed(1, 3).mapToObj(i -> Submissions.shard(students, i, 3)).toList();
        assertThat(shares.stream().flatMap(List::stream).sorted().toList()).isEqualTo(students);
        assertThat(shares).extracting(List::size).containsExactly(4, 3, 3);
    }

    @Test
    @DisplayName("server output: a line without an end is cut at 4096 characters, and says how much was cut")
    void boundedLines() throws Exception {
        var text = "ok\r\n" + "x".repeat(10_000) + "\nlast";
        var reader = new java.io.StringReader(text);
        assertThat(Launch.boundedLine(reader, Launch.MAX_LINE)).isEqualTo("ok");
        assertThat(Launch.boundedLine(reader, Launch.MAX_LINE)).hasSize(Launch.MAX_LINE + " [... 5904 more characters]".length())
                .endsWith(" [... 5904 more characters]");
        assertThat(Launch.boundedLine(reader, Launch.MAX_LINE)).isEqualTo("last");
        assertThat(Launch.boundedLine(reader, Launch.MAX_LINE)).isNull();
    }
}
