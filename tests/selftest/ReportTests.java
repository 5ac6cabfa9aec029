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
@DisplayName("the report writers: JUnit XML and JSON (tests/lib/Reports.java)")
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
    @DisplayName("JSON: counts, the model, and per check its id, rule, group, status, message, cause key and time")
    void json() throws Exception {
        var file = Files.createTempFile("echo-kit-report", ".json");
        try {
            Reports.writeJson(file, outcomes(), "thread-pool", Map.of("server", Map.of("pid", 42)));
            var report = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            assertThat(report.get("passed").getAsInt()).isEqualTo(1);
            assertThat(report.get("failed").getAsInt()).isEqualTo(1);
            assertThat(report.get("skipped").getAsInt()).isEqualTo(1);
            assertThat(report.get("model").getAsString()).isEqualTo("thread-pool");
            var crlf = report.getAsJsonArray("checks").get(1).getAsJsonObject();
            assertThat(crlf.get("id").getAsString()).isEqualTo("echo.crlf");
            assertThat(crlf.get("group").getAsString()).isEqualTo("echo");
            assertThat(crlf.get("status").getAsString()).isEqualTo("failed");
            assertThat(crlf.get("cause").getAsString()).isEqualTo("CR_LOST");
            assertThat(crlf.get("name").getAsString()).isEqualTo(Catalogue.of("echo.crlf").rule());
            assertThat(report.getAsJsonObject("server").get("pid").getAsInt()).isEqualTo(42);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    @DisplayName("summary: \"N passed, M failed\", and \", K skipped\" when some were")
    void summary() {
        assertThat(TestRun.summary(outcomes())).isEqualTo("1 passed, 1 failed, 1 skipped");
        assertThat(TestRun.summary(outcomes().subList(0, 2))).isEqualTo("1 passed, 1 failed");
    }
}
