import com.google.gson.JsonParser;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The suite's command line (tests/Conformance.java), run in this JVM: --list, --explain, usage errors, reports. */
@Order(8)
@DisplayName("the suite's command line and reports, in this JVM (tests/Conformance.java)")
class SuiteCliTests {

    static Kit.Ran conformance(String... args) {
        return Kit.conformance(args);
    }

    @Test
    @DisplayName("suite: --list shows every check of the catalogue, in order, with its rule; --help the exit codes")
    void listAndHelp() {
        var list = conformance("--list");
        assertThat(list.status()).as(list.all()).isZero();
        assertThat(Kit.listedIds(list.out())).containsExactlyElementsOf(Catalogue.ALL.stream().map(Catalogue.Entry::id).toList());
        assertThat(list.out()).contains(Catalogue.of("echo.basic").rule());
        var help = conformance("--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("Exit status:", "0   every selected check passed", "2   bad usage");
    }

    @Test
    @DisplayName("suite: --explain says of every check why it matters, how to fix it, where it is taught; an unknown id exits 2")
    void explain() {
        for (var entry : Catalogue.ALL) {
            var explained = conformance("--explain", entry.id());
            assertThat(explained.status()).as("--explain %s: %s", entry.id(), explained.all()).isZero();
            assertThat(explained.out()).as("--explain %s", entry.id())
                    .contains(entry.rule(), "Why it matters:", "How to fix a failure:", "Lesson:", "Points: " + entry.points())
                    .doesNotContainPattern("\\{[A-Z_]+}");
        }
        assertThat(conformance("--explain", "echo.nothing").status()).isEqualTo(2);
    }

    @Test
    @DisplayName("suite: bad usage, no server on the port, and a launch that fails each exit with 2 and say why")
    void usageErrors() throws Exception {
        assertThat(conformance("--bogus").status()).isEqualTo(2);
        var model = conformance("--port", "1", "--model", "fork-bomb");
        assertThat(model.status()).as(model.all()).isEqualTo(2);
        assertThat(model.err()).contains("unknown --model");
        int free;
        try (var socket = new ServerSocket(0)) {
            free = socket.getLocalPort();
        }
        var nobody = conformance("--port", Integer.toString(free));
        assertThat(nobody.status()).as(nobody.all()).isEqualTo(2);
        assertThat(nobody.err()).contains("no server could be reached");
        var failing = conformance("--launch", "bash -c 'echo starting; exit 3' server");
        assertThat(failing.status()).as(failing.all()).isEqualTo(2);
        assertThat(failing.err()).contains("exited with status 3 before printing its ready line", "starting");
    }

    @Test
    @DisplayName("suite: a second server slow to start with --short-lived leaves stream.short-lived not judged, not failed")
    void shortLivedSlowStart() {
        // With --short-lived this server sleeps (at most 30 s, stopped by its pid) before any ready line.
        var launch = "bash -c 'case \" $* \" in *\" --short-lived \"*) exec sleep 30;; esac; exec python3 "
                + Kit.ROOT.resolve("tests/correct/threaded_server.py") + " \"$@\"' server";
        var run = conformance("--launch", launch, "--only", "echo.basic,framing.coalesced,stream.short-lived", "--ready-timeout", "4");
        assertThat(run.out()).as(run.all()).contains("BLOCKED stream.short-lived", "not judged: launched a second time, with "
                + "--short-lived, the server printed no ready line", "a slow start, not a defect of this rule", "2 passed, 0 failed");
    }

    @Test
    @DisplayName("suite: a server that dies of the suite's first connection, and ends slowly, is shown with its exception since it started")
    void deathBeforeFirstCheck() {
        // SlowToDie's trace comes at the suite's reachability connection, before echo.basic begins; it exits a second later.
        var run = conformance("--launch", Kit.javaCommand("SlowToDie", Kit.newMark()), "--only", "echo.basic");
        assertThat(run.out()).as(run.all()).contains("FAIL echo.basic", Cause.CHANNEL_BLOCKING.template(),
                "the server threw since it started:", "at ChannelLeftBlocking.accept(ChannelLeftBlocking.java:")
                .doesNotContain("it wrote nothing to its standard error");
    }

    @Test
    @DisplayName("suite: a second server that closes its standard output without a ready line and runs on fails stream.short-lived as such")
    void shortLivedNoReady() {
        // With --short-lived this server closes its standard output and sleeps (at most 30 s, stopped by its pid).
        var launch = "bash -c 'case \" $* \" in *\" --short-lived \"*) exec sleep 30 >&-;; esac; exec python3 "
                + Kit.ROOT.resolve("tests/correct/threaded_server.py") + " \"$@\"' server";
        var run = conformance("--launch", launch, "--only", "echo.basic,framing.coalesced,stream.short-lived");
        assertThat(run.out()).as(run.all()).contains("FAIL stream.short-lived", "closed its standard output before printing "
                + "its ready line", Cause.SHORT_LIVED_NO_READY.template(), "2 passed, 1 failed").doesNotContain("died");
    }

    @Test
    @DisplayName("suite: a broken server's JSON, JUnit XML and Gradescope file carry the same score: its passed checks' points")
    void brokenServerScore() throws Exception {
        var dir = Files.createTempDirectory("echo-kit-reports");
        try (var server = InProcessServer.start("SkipsEmptyLines", List.of())) {
            var run = conformance("--port", Integer.toString(server.ready().port()), "--only", "echo.*,framing.split",
                    "--json", dir.resolve("r.json").toString(), "--junit-xml", dir.resolve("r.xml").toString(),
                    "--gradescope", dir.resolve("results.json").toString());
            assertThat(run.status()).as(run.all()).isEqualTo(1);
            // echo.basic is worth 2, the other five echo.* checks and framing.split 1 each; echo.empty-line fails.
            assertThat(run.out()).contains("score: 7 of 8 points");
            var report = JsonParser.parseString(Files.readString(dir.resolve("r.json"))).getAsJsonObject();
            assertThat(report.get("status").getAsString()).isEqualTo("failed");
            assertThat(report.get("score").getAsDouble()).isEqualTo(7);
            var suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("r.xml").toFile()).getDocumentElement();
            assertThat(Kit.suiteProperty(suite, "score")).isEqualTo("7");
            var results = JsonParser.parseString(Files.readString(dir.resolve("results.json"))).getAsJsonObject();
            GradingTests.assertValidGradescope(results);
            assertThat(results.get("score").getAsDouble()).isEqualTo(7);
        } finally {
            Kit.deleteTree(dir);
        }
    }

    @Test
    @DisplayName("suite: when nothing can be judged, every report asked for is still written, with status error and why")
    void reportsWhenNothingJudged() throws Exception {
        var dir = Files.createTempDirectory("echo-kit-reports");
        try {
            var failing = conformance("--launch", "bash -c 'echo the port is taken >&2; exit 3' server", "--model", "thread-pool",
                    "--json", dir.resolve("r.json").toString(), "--junit-xml", dir.resolve("r.xml").toString(),
                    "--gradescope", dir.resolve("results.json").toString(), "--summary-md", dir.resolve("summary.md").toString());
            assertThat(failing.status()).as(failing.all()).isEqualTo(2);
            var report = JsonParser.parseString(Files.readString(dir.resolve("r.json"))).getAsJsonObject();
            assertThat(report.get("status").getAsString()).isEqualTo("error");
            assertThat(report.get("message").getAsString()).contains("exited with status 3", "the port is taken");
            assertThat(report.get("max_score").getAsDouble()).isEqualTo(Points.DEFAULT.lessonTotal(4));
            var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("r.xml").toFile());
            assertThat(doc.getDocumentElement().getAttribute("errors")).isEqualTo("1");
            var results = JsonParser.parseString(Files.readString(dir.resolve("results.json"))).getAsJsonObject();
            GradingTests.assertValidGradescope(results);
            assertThat(results.get("score").getAsDouble()).isZero();
            assertThat(Files.readString(dir.resolve("summary.md"))).contains("Nothing could be judged", "the port is taken");
            var badPoints = conformance("--port", "1", "--points", dir.resolve("none").toString(), "--json", dir.resolve("p.json").toString());
            assertThat(badPoints.status()).isEqualTo(2);
            assertThat(badPoints.err()).contains("--points: there is no file");
            assertThat(Files.readString(dir.resolve("p.json"))).contains("\"status\": \"error\"");
        } finally {
            Kit.deleteTree(dir);
        }
    }

    @Test
    @DisplayName("suite: the JSON and JUnit XML of a run hold every selected check by id (classname conformance.<group>), the summary line last")
    void reports() throws Exception {
        var json = Files.createTempFile("echo-kit", ".json");
        var xml = Files.createTempFile("echo-kit", ".xml");
        try (var server = InProcessServer.start("SingleThreaded", List.of())) {
            var points = Files.createTempFile("echo-kit-points", ".txt");
            Files.writeString(points, "echo.* = 3\n");
            var run = conformance("--port", Integer.toString(server.ready().port()), "--only", "echo.*,framing.split",
                    "--json", json.toString(), "--junit-xml", xml.toString(), "--points", points.toString(), "--min-score", "19");
            Files.delete(points);
            assertThat(run.status()).as(run.all()).isZero();
            assertThat(run.out().strip().lines().reduce((a, b) -> b).orElse("")).isEqualTo("7 passed, 0 failed");
            assertThat(run.out()).as("six echo.* checks of 3 points and framing.split's 1").contains("score: 19 of 19 points (reaches --min-score 19)");
            var report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            assertThat(report.get("passed").getAsInt()).isEqualTo(7);
            assertThat(report.get("model").getAsString()).as("the model, observed").isEqualTo("single-threaded");
            var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
            var cases = doc.getElementsByTagName("testcase");
            assertThat(cases.getLength()).isEqualTo(7);
            assertThat(cases.item(0).getAttributes().getNamedItem("name").getNodeValue()).isEqualTo("echo.basic");
            assertThat(cases.item(0).getAttributes().getNamedItem("classname").getNodeValue()).isEqualTo("conformance.echo");
            assertThat(cases.item(6).getAttributes().getNamedItem("classname").getNodeValue()).isEqualTo("conformance.framing");
            var first = (org.w3c.dom.Element) cases.item(0);
            var caseProperties = first.getElementsByTagName("property");
            var names = new java.util.HashMap<String, String>();
            for (int i = 0; i < caseProperties.getLength(); i++) {
                var p = (org.w3c.dom.Element) caseProperties.item(i);
                names.put(p.getAttribute("name"), p.getAttribute("value"));
            }
            assertThat(names).containsEntry("score", "3").containsEntry("max_score", "3").containsEntry("lesson", "1").containsKey("todo");
        } finally {
            Files.deleteIfExists(json);
            Files.deleteIfExists(xml);
        }
    }
}
