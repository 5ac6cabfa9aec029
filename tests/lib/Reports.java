import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;

/** The report files of a run (SPEC §4.2): JUnit XML as CI systems read it, and the kit's JSON. */
final class Reports {

    private Reports() {
    }

    /** JUnit XML: one testcase per test, {@code name} its id, {@code classname} "SUITE.GROUP". */
    static void writeJUnitXml(Path file, String suiteName, Instant started, List<TestRun.Outcome> all, Map<String, ?> properties)
            throws IOException {
        createParent(file);
        try (var out = Files.newBufferedWriter(file)) {
            var xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("testsuite");
            xml.writeAttribute("name", suiteName);
            xml.writeAttribute("tests", Integer.toString(all.size()));
            xml.writeAttribute("failures", Long.toString(TestRun.count(all, TestRun.Status.FAILED)));
            xml.writeAttribute("errors", "0");
            xml.writeAttribute("skipped", Long.toString(TestRun.count(all, TestRun.Status.SKIPPED)
                    + TestRun.count(all, TestRun.Status.BLOCKED)));
            xml.writeAttribute("time", seconds(all.stream().mapToLong(TestRun.Outcome::millis).sum()));
            xml.writeAttribute("timestamp", started.truncatedTo(ChronoUnit.SECONDS).toString());
            xml.writeAttribute("hostname", hostname());
            xml.writeCharacters("\n  ");
            xml.writeStartElement("properties");
            for (var p : properties.entrySet()) {
                xml.writeCharacters("\n    ");
                xml.writeEmptyElement("property");
                xml.writeAttribute("name", p.getKey());
                xml.writeAttribute("value", xmlSafe(String.valueOf(p.getValue())));
            }
            xml.writeCharacters("\n  ");
            xml.writeEndElement();
            for (var o : all) {
                xml.writeCharacters("\n  ");
                xml.writeStartElement("testcase");
                xml.writeAttribute("classname", suiteName + (o.group().id().isEmpty() ? "" : "." + o.group().id()));
                xml.writeAttribute("name", o.id());
                xml.writeAttribute("time", seconds(o.millis()));
                if (!o.name().equals(o.id())) {
                    xml.writeStartElement("properties");
                    xml.writeEmptyElement("property");
                    xml.writeAttribute("name", "rule");
                    xml.writeAttribute("value", xmlSafe(o.name()));
                    xml.writeEndElement();
                }
                switch (o.status()) {
                    case FAILED -> {
                        xml.writeStartElement("failure");
                        xml.writeAttribute("message", xmlSafe(o.message().lines().findFirst().orElse("failed")));
                        xml.writeAttribute("type", o.cause().isEmpty() ? "AssertionError" : o.cause());
                        xml.writeCharacters(xmlSafe(o.message()));
                        xml.writeEndElement();
                    }
                    case SKIPPED, BLOCKED -> {
                        xml.writeEmptyElement("skipped");
                        xml.writeAttribute("message", xmlSafe(o.message()));
                    }
                    case PASSED -> { }
                }
                xml.writeEndElement();
            }
            xml.writeCharacters("\n");
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IOException("writing " + file + ": " + e.getMessage(), e);
        }
    }

    /** The JSON report: counts, the model, every check with its status, message, cause and time, and {@code extra}. */
    static void writeJson(Path file, List<TestRun.Outcome> all, String model, Map<String, Object> extra) throws IOException {
        createParent(file);
        var report = new LinkedHashMap<String, Object>();
        report.put("passed", TestRun.count(all, TestRun.Status.PASSED));
        report.put("failed", TestRun.count(all, TestRun.Status.FAILED));
        report.put("blocked", TestRun.count(all, TestRun.Status.BLOCKED));
        report.put("skipped", TestRun.count(all, TestRun.Status.SKIPPED));
        report.put("model", model);
        report.put("checks", all.stream().map(o -> {
            var check = new LinkedHashMap<String, Object>();
            check.put("id", o.id());
            check.put("name", o.name());
            check.put("group", o.group().id());
            check.put("status", o.status().name().toLowerCase());
            if (o.status() == TestRun.Status.BLOCKED) {
                check.put("blocked_by", o.blockedBy());
            }
            check.put("message", o.message());
            check.put("cause", o.cause());
            check.put("millis", o.millis());
            return check;
        }).toList());
        report.putAll(extra);
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
                .create().toJson(report) + "\n");
    }

    private static void createParent(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
    }

    private static String seconds(long millis) {
        return "%.3f".formatted(millis / 1000.0);
    }

    // XML 1.0 has no way to write most control characters, even escaped.
    static String xmlSafe(String s) {
        return s.codePoints().map(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t' ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
