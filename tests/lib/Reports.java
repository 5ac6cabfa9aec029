import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;

/** The report files of a run (SPEC §4.2): JUnit XML as CI systems read it, and the kit's JSON. */
final class Reports {

    private Reports() {
    }

    /** JUnit XML: one testcase per test, {@code name} its id, {@code classname} "SUITE.GROUP". */
    static void writeJUnitXml(Path file, String suiteName, Instant started, List<TestRun.Outcome> all, Map<String, ?> properties)
            throws IOException {
        writeJUnitXml(file, suiteName, started, all, properties, o -> Map.of("rule", o.name()), null);
    }

    /**
     * JUnit XML with {@code caseProperties} on each testcase; when {@code error} is given (nothing could be judged),
     * one errored testcase that says it.
     */
    static void writeJUnitXml(Path file, String suiteName, Instant started, List<TestRun.Outcome> all, Map<String, ?> properties,
                              Function<TestRun.Outcome, Map<String, ?>> caseProperties, String error) throws IOException {
        createParent(file);
        try (var out = Files.newBufferedWriter(file)) {
            var xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("testsuite");
            xml.writeAttribute("name", suiteName);
            xml.writeAttribute("tests", Integer.toString(all.size() + (error == null ? 0 : 1)));
            xml.writeAttribute("failures", Long.toString(TestRun.count(all, TestRun.Status.FAILED)));
            xml.writeAttribute("errors", error == null ? "0" : "1");
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
            if (error != null) {
                xml.writeCharacters("\n  ");
                xml.writeStartElement("testcase");
                xml.writeAttribute("classname", suiteName);
                xml.writeAttribute("name", "server");
                xml.writeAttribute("time", "0");
                xml.writeStartElement("error");
                xml.writeAttribute("message", xmlSafe(error.lines().findFirst().orElse("nothing could be judged")));
                xml.writeAttribute("type", "NOT_JUDGED");
                xml.writeCharacters(xmlSafe(error));
                xml.writeEndElement();
                xml.writeEndElement();
            }
            for (var o : all) {
                xml.writeCharacters("\n  ");
                xml.writeStartElement("testcase");
                xml.writeAttribute("classname", suiteName + (o.group().id().isEmpty() ? "" : "." + o.group().id()));
                xml.writeAttribute("name", o.id());
                xml.writeAttribute("time", seconds(o.millis()));
                var own = new LinkedHashMap<String, Object>(caseProperties.apply(o));
                own.values().removeIf(v -> v.equals(o.id()));
                if (!own.isEmpty()) {
                    xml.writeStartElement("properties");
                    for (var p : own.entrySet()) {
                        xml.writeEmptyElement("property");
                        xml.writeAttribute("name", p.getKey());
                        xml.writeAttribute("value", xmlSafe(String.valueOf(p.getValue())));
                    }
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

    /** The kit's JSON report (SPEC §4.2, version 2): the grade, the counts, and per check its verdict, points, lesson and TODO. */
    static void writeJson(Path file, Scorecard card, Map<String, Object> extra) throws IOException {
        var all = card.checks().stream().map(Scorecard.Scored::outcome).toList();
        var report = new LinkedHashMap<String, Object>();
        report.put("version", 2);
        report.put("status", card.status().name().toLowerCase());
        report.put("message", card.message());
        report.put("score", round(card.score()));
        report.put("max_score", round(card.maxScore()));
        report.put("passed", TestRun.count(all, TestRun.Status.PASSED));
        report.put("failed", TestRun.count(all, TestRun.Status.FAILED));
        report.put("blocked", TestRun.count(all, TestRun.Status.BLOCKED));
        report.put("skipped", TestRun.count(all, TestRun.Status.SKIPPED));
        report.put("model", card.model());
        report.put("lesson", card.lesson());
        report.put("checks", card.checks().stream().map(c -> {
            var o = c.outcome();
            var check = new LinkedHashMap<String, Object>();
            check.put("id", o.id());
            check.put("name", o.name());
            check.put("group", o.group().id());
            check.put("status", o.status().name().toLowerCase());
            if (o.status() == TestRun.Status.BLOCKED) {
                check.put("blocked_by", o.blockedBy());
            }
            check.put("message", o.message());
            check.put("observed", c.observed());
            check.put("cause", o.cause());
            check.put("lesson", c.lesson());
            check.put("todo", c.todo());
            check.put("score", round(c.score()));
            check.put("max_score", round(c.maxScore()));
            check.put("millis", o.millis());
            return check;
        }).toList());
        report.putAll(extra);
        write(file, report);
    }

    /**
     * Gradescope's results.json (its autograder specification): the score, the summary above the tests, and a test
     * per check that applies, with the whole explanation of a failure.
     */
    static void writeGradescope(Path file, Scorecard card) throws IOException {
        var report = new LinkedHashMap<String, Object>();
        report.put("score", round(card.score()));
        report.put("execution_time", Math.max(1, Math.round(card.millis() / 1000.0)));
        report.put("output", markdown(card));
        report.put("output_format", "md");
        report.put("visibility", "visible");
        var tests = new ArrayList<Map<String, Object>>();
        if (card.status() == Scorecard.Status.ERROR) {
            tests.add(gradescopeTest("server: the server starts and can be reached", "1.1", 0, card.maxScore(), "failed",
                    card.message(), List.of("setup")));
        }
        var groups = new ArrayList<String>();
        var inGroup = new HashMap<String, Integer>();
        for (var c : card.checks()) {
            var o = c.outcome();
            if (!c.counts()) {
                continue;
            }
            if (!groups.contains(o.group().id())) {
                groups.add(o.group().id());
            }
            int number = inGroup.merge(o.group().id(), 1, Integer::sum);
            boolean passed = o.status() == TestRun.Status.PASSED;
            tests.add(gradescopeTest(o.id() + ": " + o.name(), (groups.indexOf(o.group().id()) + 1) + "." + number, c.score(),
                    c.maxScore(), passed ? "passed" : "failed", passed ? "passed" : o.message() + "\n" + teaching(c),
                    List.of(o.group().id(), "lesson " + c.lesson())));
        }
        report.put("tests", tests);
        write(file, report);
    }

    private static Map<String, Object> gradescopeTest(String name, String number, double score, double max, String status,
                                                      String output, List<String> tags) {
        var test = new LinkedHashMap<String, Object>();
        test.put("name", name);
        test.put("number", number);
        test.put("score", round(score));
        test.put("max_score", round(max));
        test.put("status", status);
        test.put("output", output);
        test.put("output_format", "text");
        test.put("tags", tags);
        test.put("visibility", "visible");
        return test;
    }

    /** "lesson 4, TODO(2)": where a check's code is taught. */
    static String teaching(Scorecard.Scored c) {
        return "lesson " + c.lesson() + (c.todo() > 0 ? ", TODO(" + c.todo() + ")" : "");
    }

    /** The summary a CI page or Gradescope shows: the score, then a row per check that applies (verdict, points, one-line cause). */
    static String markdown(Scorecard card) {
        var s = new StringBuilder("### Echo Kit: %s of %s points".formatted(Points.format(card.score()), Points.format(card.maxScore())));
        if (!card.model().isEmpty()) {
            s.append(" (lesson %d, %s)".formatted(card.lesson(), card.model()));
        }
        s.append("\n\n");
        if (card.status() == Scorecard.Status.ERROR) {
            // Indented, so that nothing the server wrote is read as Markdown.
            s.append("**Nothing could be judged.**\n\n");
            card.message().lines().forEach(l -> s.append("    ").append(Finding.Sanitize.line(l)).append('\n'));
            return s.toString();
        }
        s.append(markdownCell(card.message().lines().reduce((first, last) -> last).orElse(""))).append("\n\n");
        s.append("| | check | points | what was seen | where to look |\n|---|---|---|---|---|\n");
        for (var c : card.checks()) {
            var o = c.outcome();
            if (!c.counts()) {
                continue;
            }
            var mark = switch (o.status()) {
                case PASSED -> "✅";
                case FAILED -> "❌";
                case BLOCKED, SKIPPED -> "⏸️ not judged";
            };
            boolean passed = o.status() == TestRun.Status.PASSED;
            s.append("| %s | `%s` | %s / %s | %s | %s |\n".formatted(mark, o.id(), Points.format(c.score()), Points.format(c.maxScore()),
                    passed ? "" : markdownCell(c.observed()), passed ? "" : teaching(c)));
        }
        long skipped = card.checks().stream().filter(c -> !c.counts()).count();
        if (skipped > 0) {
            s.append("\n%d checks do not apply to this server and are not counted.\n".formatted(skipped));
        }
        return s.toString();
    }

    /** A table cell: one line, at most 200 characters, with no pipe, markup or HTML that would end it or run. */
    static String markdownCell(String text) {
        var one = text.replaceAll("[\r\n]+", " ");
        one = one.length() > 200 ? one.substring(0, 199) + "…" : one;
        var s = new StringBuilder();
        for (char ch : one.toCharArray()) {
            if (ch < 0x20 || ch == 0x7f) {
                s.append('?');
            } else if ("\\`*_[]<>|~&".indexOf(ch) >= 0) {
                s.append('\\').append(ch);
            } else {
                s.append(ch);
            }
        }
        return s.toString();
    }

    private static double round(double points) {
        return Math.round(points * 100) / 100.0;
    }

    private static void write(Path file, Map<String, Object> report) throws IOException {
        createParent(file);
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
