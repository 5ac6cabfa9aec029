import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A class's grades, read back from each student's JSON reports (so that one run and the merge of
 * shards give the same files): gradebook.csv, summary.md and summary.html. Every name and text
 * comes from untrusted submissions and is escaped for the format it goes into.
 */
final class Gradebook {

    private Gradebook() {
    }

    /** One student's report for one lesson, as the suite wrote it. */
    record Graded(String student, String file, JsonObject report) {
        int lesson() {
            return report.get("lesson").getAsInt();
        }

        String status() {
            return report.get("status").getAsString();
        }

        List<JsonObject> checks() {
            return report.getAsJsonArray("checks").asList().stream().map(e -> e.getAsJsonObject()).toList();
        }
    }

    /** Every student's reports under {@code outs}: folders of students, each with its lessons' JSON files. */
    static List<Graded> read(List<Path> outs) throws IOException {
        var all = new ArrayList<Graded>();
        for (var out : outs) {
            for (var student : Submissions.students(out)) {
                try (var files = Files.list(student)) {
                    for (var f : files.filter(f -> f.toString().endsWith(".json") && !f.toString().endsWith("-gradescope.json")).sorted().toList()) {
                        all.add(new Graded(student.getFileName().toString(), f.getFileName().toString(),
                                JsonParser.parseString(Files.readString(f)).getAsJsonObject()));
                    }
                }
            }
        }
        all.sort(Comparator.comparing(Graded::student).thenComparing(Graded::file));
        return all;
    }

    /** Writes gradebook.csv, summary.md and summary.html into {@code out}. */
    static void write(Path out, List<Graded> all) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("gradebook.csv"), csv(all));
        Files.writeString(out.resolve("summary.md"), markdown(all));
        Files.writeString(out.resolve("summary.html"), html(all));
    }

    /** {@code student,lesson,check,status,score,max_score}: a row per check, or one row when nothing could be judged. */
    static String csv(List<Graded> all) {
        var s = new StringBuilder("student,lesson,check,status,score,max_score\n");
        for (var g : all) {
            if (g.status().equals("error")) {
                s.append(String.join(",", csvCell(g.student()), Integer.toString(g.lesson()), "", "error", "0",
                        points(g.report(), "max_score"))).append('\n');
            }
            for (var c : g.checks()) {
                s.append(String.join(",", csvCell(g.student()), Integer.toString(g.lesson()), csvCell(c.get("id").getAsString()),
                        c.get("status").getAsString(), points(c, "score"), points(c, "max_score"))).append('\n');
            }
        }
        return s.toString();
    }

    /** The most common causes of failure in the class, most first: key, how many failed checks, how many students. */
    record Common(String cause, long checks, long students) {
    }

    static List<Common> commonCauses(List<Graded> all) {
        var byCause = new TreeMap<String, List<String>>();
        for (var g : all) {
            for (var c : g.checks()) {
                var cause = c.get("cause").getAsString();
                if (c.get("status").getAsString().equals("failed") && !cause.isEmpty()) {
                    byCause.computeIfAbsent(cause, k -> new ArrayList<>()).add(g.student());
                }
            }
        }
        return byCause.entrySet().stream().map(e -> new Common(e.getKey(), e.getValue().size(), e.getValue().stream().distinct().count()))
                .sorted(Comparator.comparingLong(Common::students).reversed().thenComparing(Common::cause)).limit(10).toList();
    }

    static String markdown(List<Graded> all) {
        var s = new StringBuilder("# Echo Kit: the class's grades\n\n");
        long students = all.stream().map(Graded::student).distinct().count();
        long errors = all.stream().filter(g -> g.status().equals("error")).count();
        s.append("%d students, %d reports, %d with nothing judged.\n\n".formatted(students, all.size(), errors));
        var common = commonCauses(all);
        if (!common.isEmpty()) {
            s.append("Most common causes:\n\n| cause | students | checks failed | what it means |\n|---|---|---|---|\n");
            common.forEach(c -> s.append("| `%s` | %d | %d | %s |\n".formatted(c.cause(), c.students(), c.checks(),
                    Reports.markdownCell(sentence(c.cause())))));
            s.append('\n');
        }
        s.append("| student | lesson | score | status | failed or not judged |\n|---|---|---|---|---|\n");
        for (var g : all) {
            var failing = g.status().equals("error") ? Reports.markdownCell(Scorecard.observed(g.report().get("message").getAsString()))
                    : g.checks().stream().filter(c -> c.get("status").getAsString().matches("failed|blocked"))
                    .map(c -> Reports.markdownCell(c.get("id").getAsString())).collect(Collectors.joining(", "));
            s.append("| %s | %d | %s / %s | %s | %s |\n".formatted(Reports.markdownCell(g.student()), g.lesson(),
                    points(g.report(), "score"), points(g.report(), "max_score"), g.status(), failing));
        }
        return s.toString();
    }

    static String html(List<Graded> all) {
        var ids = Catalogue.ALL.stream().map(Catalogue.Entry::id)
                .filter(id -> all.stream().anyMatch(g -> g.checks().stream().anyMatch(c -> c.get("id").getAsString().equals(id)))).toList();
        var s = new StringBuilder("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>Echo Kit: the class's grades</title>
                <style>
                body { font-family: sans-serif; margin: 1em; } table { border-collapse: collapse; }
                td, th { border: 1px solid #ccc; padding: 2px 6px; font-size: 13px; } th.check { writing-mode: vertical-rl; }
                td.passed { background: #c8f0c8; } td.failed { background: #f4b4b4; } td.blocked { background: #f4e2a8; }
                td.skipped { background: #eee; } td.error { background: #d88; } pre { white-space: pre-wrap; background: #f6f6f6; padding: 6px; }
                td a { color: inherit; text-decoration: none; display: block; }
                </style></head><body>
                <h1>Echo Kit: the class's grades</h1>
                """);
        var common = commonCauses(all);
        if (!common.isEmpty()) {
            s.append("<h2>Most common causes</h2>\n<table><tr><th>cause</th><th>students</th><th>checks failed</th><th>what it means</th></tr>\n");
            common.forEach(c -> s.append("<tr><td><code>%s</code></td><td>%d</td><td>%d</td><td>%s</td></tr>\n".formatted(
                    html(c.cause()), c.students(), c.checks(), html(sentence(c.cause())))));
            s.append("</table>\n");
        }
        s.append("<h2>Students</h2>\n<table id=\"grades\"><tr><th>student</th><th>lesson</th><th>score</th>");
        ids.forEach(id -> s.append("<th class=\"check\">").append(html(id)).append("</th>"));
        s.append("</tr>\n");
        var details = new StringBuilder();
        for (int i = 0; i < all.size(); i++) {
            var g = all.get(i);
            s.append("<tr class=\"student\"><td>%s</td><td>%d</td><td>%s / %s</td>".formatted(html(g.student()), g.lesson(),
                    points(g.report(), "score"), points(g.report(), "max_score")));
            if (g.status().equals("error")) {
                s.append("<td class=\"error\" colspan=\"%d\"><a href=\"#r%d\">nothing could be judged</a></td>".formatted(Math.max(1, ids.size()), i));
                details.append("<section id=\"r%d\"><h3>%s, lesson %d: nothing could be judged</h3><pre>%s</pre></section>\n"
                        .formatted(i, html(g.student()), g.lesson(), html(g.report().get("message").getAsString())));
            } else {
                var byId = new LinkedHashMap<String, JsonObject>();
                g.checks().forEach(c -> byId.put(c.get("id").getAsString(), c));
                for (int j = 0; j < ids.size(); j++) {
                    var c = byId.get(ids.get(j));
                    if (c == null) {
                        s.append("<td></td>");
                        continue;
                    }
                    var status = c.get("status").getAsString();
                    var mark = switch (status) {
                        case "passed" -> "✓";
                        case "failed" -> "✗";
                        case "blocked" -> "…";
                        default -> "";
                    };
                    if (status.equals("failed") || status.equals("blocked")) {
                        s.append("<td class=\"%s\"><a href=\"#r%d-%d\" title=\"%s\">%s</a></td>".formatted(status, i, j,
                                html(c.get("observed").getAsString()), mark));
                        details.append("<section id=\"r%d-%d\"><h3>%s, lesson %d: %s %s</h3><pre>%s</pre></section>\n".formatted(i, j,
                                html(g.student()), g.lesson(), html(ids.get(j)), status, html(c.get("message").getAsString())));
                    } else {
                        s.append("<td class=\"%s\">%s</td>".formatted(status, mark));
                    }
                }
            }
            s.append("</tr>\n");
        }
        s.append("</table>\n<h2>Explanations</h2>\n").append(details).append("</body></html>\n");
        return s.toString();
    }

    private static String sentence(String key) {
        return Cause.named(key).map(c -> c.template().replace("%s", "...")).orElse("");
    }

    private static String points(JsonObject o, String field) {
        return Points.format(o.get(field).getAsDouble());
    }

    /** Text as HTML: the five markup characters escaped, control characters (terminal escapes) shown as \xNN. */
    static String html(String text) {
        var s = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> s.append("&amp;");
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '"' -> s.append("&quot;");
                case '\'' -> s.append("&#39;");
                default -> {
                    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
                        s.append("\\x%02x".formatted(c));
                    } else {
                        s.appendCodePoint(c);
                    }
                }
            }
        });
        return s.toString();
    }

    /** A CSV field (RFC 4180): quoted when it must be; a leading = + - @ cannot start a spreadsheet formula; no control characters. */
    static String csvCell(String text) {
        var clean = text.codePoints().map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        if (!clean.isEmpty() && "=+-@".indexOf(clean.charAt(0)) >= 0) {
            clean = "'" + clean;
        }
        return clean.matches(".*[,\"].*") || clean.startsWith(" ") ? "\"" + clean.replace("\"", "\"\"") + "\"" : clean;
    }

    /** What the per-student reports of a folder hold, for a message. */
    static Map<String, Long> statusCounts(List<Graded> all) {
        return all.stream().collect(Collectors.groupingBy(Graded::status, TreeMap::new, Collectors.counting()));
    }
}
