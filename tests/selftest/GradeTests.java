import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * tests/Grade.java on a class as an instructor has one: correct and broken servers, lessons at
 * several stages, and every hostile submission of tests/hostile/, graded with one command; then the
 * class again in shards, merged, as the CI pipelines of grading/ run it.
 */
@Order(18)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("grading a class: tests/Grade.java, its containment, hostile submissions, shards and the summary page")
class GradeTests {

    static final Duration BOUND = Duration.ofMinutes(10);

    /** The hostile submission graded under a name that holds HTML, CSV and terminal escapes. */
    static final String EVIL_NAME = "<b onmouseover=alert(1)>evil,\"=1+1\";\u001b[31m";

    private Path classDir;
    private Path out;
    private Kit.Result graded;

    @BeforeAll
    void gradeTheClass(@TempDir Path dir) throws Exception {
        classDir = dir.resolve("class");
        var hostile = Kit.ROOT.resolve("tests/hostile");
        try (var folders = Files.list(hostile)) {
            for (var folder : folders.sorted().toList()) {
                var name = folder.getFileName().toString().equals("escapes") ? EVIL_NAME : "hostile-" + folder.getFileName();
                Kit.copyTree(folder, classDir.resolve(name));
            }
        }
        // A student who started: the shipped exercise with a line of their own (a file as shipped is not graded).
        var started = classDir.resolve("lesson4-started/exercises/04-thread-pool/ThreadPool.java");
        Files.createDirectories(started.getParent());
        Files.writeString(started, Files.readString(Kit.ROOT.resolve("exercises/04-thread-pool/ThreadPool.java")) + "// started\n");
        Files.createDirectories(classDir.resolve("lesson4-solved/exercises/04-thread-pool"));
        Files.writeString(classDir.resolve("lesson4-solved/exercises/04-thread-pool/ThreadPool.java"),
                GradingTests.solved(Lessons.lesson(4).orElseThrow()));
        launchFile("python-threads", "exec python3 " + Kit.ROOT.resolve("tests/correct/threaded_server.py") + " \"$@\"");
        launchFile("fault-skips-empty", "exec " + Kit.ROOT.resolve("jbang") + " " + Kit.ROOT.resolve("tests/faults/SkipsEmptyLines.java") + " \"$@\"");
        Files.createDirectories(classDir.resolve("empty"));
        out = dir.resolve("out");
        graded = Kit.run(BOUND, Map.of(), List.of(Kit.ROOT.resolve("jbang").toString(), "tests/Grade.java", classDir.toString(),
                "--out", out.toString(), "--ready-timeout", "40"));
    }

    @Test
    @DisplayName("grade: one command grades the class, exits 0, and every hostile submission fails or errs as its header says")
    void hostileOnesGraded() throws Exception {
        assertThat(graded.status()).as(graded.output()).isZero();
        try (var folders = Files.list(Kit.ROOT.resolve("tests/hostile"))) {
            for (var folder : folders.sorted().toList()) {
                var expect = Pattern.compile("(?m)^# Expect: (\\w+)").matcher(Files.readString(folder.resolve("launch")));
                assertThat(expect.find()).as("%s/launch has an Expect line", folder).isTrue();
                var name = folder.getFileName().toString().equals("escapes") ? EVIL_NAME : "hostile-" + folder.getFileName();
                var report = report(name, "server");
                assertThat(report.get("status").getAsString()).as("%s: %s", name, report.get("message")).isEqualTo(expect.group(1));
                assertThat(report.get("score").getAsDouble()).as(name).isLessThan(Math.max(1, report.get("max_score").getAsDouble()));
            }
        }
        assertThat(report("empty", "server").get("message").getAsString()).contains("no server to grade");
    }

    @Test
    @DisplayName("grade: nothing a submission started runs once the grader has exited (read from /proc, by the grader's mark)")
    void nothingLeft() {
        assertThat(graded.status()).as(graded.output()).isZero();
        assertThat(Containment.markedFrom("")).as("processes that carry %s", Containment.MARK).isEmpty();
    }

    @Test
    @DisplayName("grade: the other submissions get the grades they get in a class without the hostile ones")
    void othersUnchanged(@TempDir Path dir) throws Exception {
        var calm = dir.resolve("calm");
        for (var name : List.of("lesson4-started", "lesson4-solved", "python-threads", "fault-skips-empty")) {
            Kit.copyTree(classDir.resolve(name), calm.resolve(name));
        }
        var alone = Kit.run(BOUND, Map.of(), List.of(Kit.ROOT.resolve("jbang").toString(), "tests/Grade.java", calm.toString(),
                "--out", dir.resolve("out").toString(), "--jobs", "1"));
        assertThat(alone.status()).as(alone.output()).isZero();
        var mixed = rows(out.resolve("gradebook.csv")).entrySet().stream().filter(e -> !e.getKey().startsWith("hostile")
                && !e.getKey().startsWith("\"") && !e.getKey().startsWith("empty")).collect(java.util.stream.Collectors.toMap(
                Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
        assertThat(mixed).isEqualTo(rows(dir.resolve("out/gradebook.csv")));
        assertThat(report("lesson4-solved", "lesson-4").get("score").getAsDouble()).isEqualTo(Points.DEFAULT.lessonTotal(4));
        assertThat(report("python-threads", "server").get("status").getAsString()).isEqualTo("passed");
    }

    @Test
    @DisplayName("grade: the gradebook, Markdown, HTML and XML hold the hostile name and bytes escaped, never as markup or control")
    void escapedEverywhere() throws Exception {
        var csv = Files.readString(out.resolve("gradebook.csv"));
        assertThat(csv).doesNotContain("\u001b").contains("\"<b onmouseover=alert(1)>evil,\"\"=1+1\"\";?[31m\"");
        assertThat(csv.lines().skip(1)).allMatch(l -> !l.startsWith("=") && !l.startsWith("+"));
        var html = Files.readString(out.resolve("summary.html"));
        assertThat(html).doesNotContain("<script>", "<b onmouseover", "\u001b").contains("&lt;b onmouseover=alert(1)&gt;evil", "&lt;script&gt;");
        var md = Files.readString(out.resolve("summary.md"));
        // Markdown shows a character as written when a backslash escapes it.
        assertThat(md).doesNotContain("\u001b").doesNotContainPattern("(?<!\\\\)<(script|b onmouseover)");
        var student = out.resolve(EVIL_NAME);
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(student.resolve("server.xml").toFile());
        GradingTests.assertValidGradescope(JsonParser.parseString(Files.readString(student.resolve("server-gradescope.json"))).getAsJsonObject());
    }

    @Test
    @DisplayName("grade: a second run skips what is graded; --shard 1/3, 2/3, 3/3 then --merge (grading/class-grade.sh) give the one run's gradebook")
    void shardsAndMerge(@TempDir Path dir) throws Exception {
        var again = Kit.run(BOUND, Map.of(), List.of(Kit.ROOT.resolve("jbang").toString(), "tests/Grade.java", classDir.toString(),
                "--out", out.toString()));
        assertThat(again.status()).as(again.output()).isZero();
        // Every submission with a server is skipped; only the empty one is told again that it has none.
        assertThat(again.output().lines().filter(l -> l.startsWith("graded ")))
                .allMatch(l -> l.contains("already graded") || l.contains("nothing to grade"), "skipped");
        for (var file : List.of("grading/github/class.yml", "grading/gitlab/class.gitlab-ci.yml")) {
            assertThat(Files.readString(Kit.ROOT.resolve(file))).as(file).contains("bash grading/class-grade.sh shard", "bash grading/class-grade.sh merge");
        }
        var environment = Map.of("ECHO_KIT_CLASS_OUT", dir.toString());
        for (int i = 1; i <= 3; i++) {
            var shard = Kit.run(BOUND, environment, List.of("bash", "grading/class-grade.sh", "shard", Integer.toString(i), "3", classDir.toString()));
            assertThat(shard.status()).as(shard.output()).isZero();
        }
        var merged = Kit.run(BOUND, environment, List.of("bash", "grading/class-grade.sh", "merge"));
        assertThat(merged.status()).as(merged.output()).isZero();
        assertThat(rows(dir.resolve("all/gradebook.csv"))).isEqualTo(rows(out.resolve("gradebook.csv")));
    }

    @Test
    @DisplayName("grade: the HTML summary, opened in headless Chromium, shows a row per report; a screenshot of it is taken")
    void summaryInABrowser(@TempDir Path dir) throws Exception {
        var chromium = List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + dir.resolve("profile"));
        var page = out.resolve("summary.html").toUri().toString();
        var dom = new ArrayList<>(chromium);
        dom.addAll(List.of("--dump-dom", page));
        var dumped = Kit.run(Duration.ofMinutes(2), Map.of(), dom);
        assertThat(dumped.status()).as(dumped.tail(20)).isZero();
        long rows = Pattern.compile("<tr class=\"student\">").matcher(dumped.output()).results().count();
        assertThat(rows).as("rows of the page's table, as the browser built it").isEqualTo(Gradebook.read(List.of(out)).size());
        var shot = dir.resolve("summary.png");
        var screenshot = new ArrayList<>(chromium);
        screenshot.addAll(List.of("--window-size=1400,900", "--screenshot=" + shot, page));
        var taken = Kit.run(Duration.ofMinutes(2), Map.of(), screenshot);
        assertThat(taken.status()).as(taken.tail(20)).isZero();
        var image = javax.imageio.ImageIO.read(shot.toFile());
        assertThat(image.getWidth()).isEqualTo(1400);
        Files.createDirectories(Kit.ROOT.resolve("build"));
        Files.copy(shot, Kit.ROOT.resolve("build/class-summary.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    // student,lesson,check -> status,score,max_score; the hostile name's quoted form kept as written.
    private static Map<String, String> rows(Path csv) throws IOException {
        var rows = new TreeMap<String, String>();
        var lines = Files.readAllLines(csv);
        assertThat(lines.getFirst()).isEqualTo("student,lesson,check,status,score,max_score");
        for (var line : lines.subList(1, lines.size())) {
            int cut = nthComma(line, 3);
            rows.put(line.substring(0, cut), line.substring(cut + 1));
        }
        return rows;
    }

    // The index of the n-th comma outside quotes.
    private static int nthComma(String line, int n) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted && --n == 0) {
                return i;
            }
        }
        throw new AssertionError("not a gradebook row: " + line);
    }

    private com.google.gson.JsonObject report(String student, String name) throws IOException {
        return JsonParser.parseString(Files.readString(out.resolve(student).resolve(name + ".json"))).getAsJsonObject();
    }

    private void launchFile(String student, String command) throws IOException {
        var launch = classDir.resolve(student).resolve("launch");
        Files.createDirectories(launch.getParent());
        Files.writeString(launch, "#!/bin/sh\n" + command + "\n");
        launch.toFile().setExecutable(true);
    }
}
