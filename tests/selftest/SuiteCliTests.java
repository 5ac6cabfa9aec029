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
                    .contains(entry.rule(), "Why it matters:", "How to fix a failure:", "Lesson:")
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
    @DisplayName("suite: the JSON and JUnit XML of a run hold every selected check by id (classname conformance.<group>), the summary line last")
    void reports() throws Exception {
        var json = Files.createTempFile("echo-kit", ".json");
        var xml = Files.createTempFile("echo-kit", ".xml");
        try (var server = InProcessServer.start("SingleThreaded", List.of())) {
            var run = conformance("--port", Integer.toString(server.ready().port()), "--only", "echo.*,framing.split",
                    "--json", json.toString(), "--junit-xml", xml.toString());
            assertThat(run.status()).as(run.all()).isZero();
            assertThat(run.out().strip().lines().reduce((a, b) -> b).orElse("")).isEqualTo("7 passed, 0 failed");
            var report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            assertThat(report.get("passed").getAsInt()).isEqualTo(7);
            assertThat(report.get("model").getAsString()).as("the model, observed").isEqualTo("single-threaded");
            var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
            var cases = doc.getElementsByTagName("testcase");
            assertThat(cases.getLength()).isEqualTo(7);
            assertThat(cases.item(0).getAttributes().getNamedItem("name").getNodeValue()).isEqualTo("echo.basic");
            assertThat(cases.item(0).getAttributes().getNamedItem("classname").getNodeValue()).isEqualTo("conformance.echo");
            assertThat(cases.item(6).getAttributes().getNamedItem("classname").getNodeValue()).isEqualTo("conformance.framing");
        } finally {
            Files.deleteIfExists(json);
            Files.deleteIfExists(xml);
        }
    }
}
