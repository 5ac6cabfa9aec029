import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Grades one submission at a time, contained: the suite and the student's server run together in
 * one containment, so that the suite sees the server's network and processes and nothing else does.
 * When the suite itself cannot write a report (the submission killed it, or the wall-clock bound
 * ran out), the grader writes the error reports in its place.
 */
record Grader(Path kit, Containment containment, Path out, Path points, String mark, int readySeconds, String suiteClassPath,
              AtomicInteger runs) {

    /**
     * {@code readySeconds}: how long a server may take to print its ready line, compiling included. The suite is
     * compiled here, once (two gradings must not compile it at once), and then run by its class path: a student's
     * names and paths never pass through a shell's eval (JBang's launcher has one).
     */
    static Grader of(Path kit, Containment containment, Path out, Path points, String mark, int readySeconds)
            throws IOException, InterruptedException {
        var info = new ProcessBuilder(kit.resolve("jbang").toString(), "info", "classpath", kit.resolve("tests/Conformance.java").toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        var classPath = new String(info.getInputStream().readAllBytes()).strip().lines().reduce((a, b) -> b).orElse("");
        if (!info.waitFor(10, java.util.concurrent.TimeUnit.MINUTES) || info.exitValue() != 0 || classPath.isEmpty()) {
            throw new IOException("the suite could not be compiled: ./jbang info classpath tests/Conformance.java");
        }
        return new Grader(kit, containment, out, points, mark, readySeconds, classPath, new AtomicInteger());
    }

    /** Grades {@code job} unless it has a report newer than its submission (and not {@code force}); says what came of it. */
    String grade(Submissions.Job job, boolean force) throws IOException, InterruptedException {
        var dir = out.resolve(job.student());
        Files.createDirectories(dir);
        var json = dir.resolve(job.reportName() + ".json");
        if (!force && Files.exists(json) && Files.getLastModifiedTime(json).compareTo(newest(job.folder())) > 0) {
            return "already graded (" + summary(json) + ")";
        }
        for (var suffix : List.of(".json", ".xml", "-gradescope.json", ".log")) {
            Files.deleteIfExists(dir.resolve(job.reportName() + suffix));
        }
        // Beside the reports, not in /tmp: nothing of a grading goes where another's could read it.
        // Named by number: a student's name is never part of a command line (the jbang wrapper evals its arguments).
        var work = out.resolve(".work").resolve(Integer.toString(runs.incrementAndGet()));
        deleteTree(work);
        Files.createDirectories(work);
        var started = Instant.now();
        try {
            var java = ProcessHandle.current().info().command().orElse("java");
            var command = new ArrayList<>(List.of(java, "-XX:-UsePerfData", "-cp", suiteClassPath, "Conformance", "--launch", launch(job, work), "--ready-timeout", Integer.toString(readySeconds),
                    "--json", json.toString(), "--junit-xml", dir.resolve(job.reportName() + ".xml").toString(),
                    "--gradescope", dir.resolve(job.reportName() + "-gradescope.json").toString()));
            if (job.lesson() != 0) {
                command.addAll(List.of("--model", Lessons.lesson(job.lesson()).orElseThrow().model()));
            }
            if (points != null) {
                command.addAll(List.of("--points", points.toString()));
            }
            var log = dir.resolve(job.reportName() + ".log");
            var limits = Containment.Limits.DEFAULT;
            var run = containment.start(command, job.folder(), passedEnvironment(), log, work.resolve("tmp"),
                    mark + "-" + work.getFileName(), limits);
            boolean ended = containment.finish(run, limits.wall());
            truncateLog(log, 1 << 20);
            if (!Files.exists(json) || Files.size(json) == 0 || !complete(json)) {
                var why = ended ? "the suite ended with status %d before it wrote its report".formatted(run.process().exitValue())
                        : "the grading ran past its bound of %d s and was ended".formatted(limits.wall().toSeconds());
                writeError(job, dir, why + lastLines(log), Duration.between(started, Instant.now()));
            }
            return summary(json);
        } finally {
            deleteTree(work);
        }
    }

    /** A student whose folder has nothing to grade: an error report that says what was looked for. */
    boolean nothingToGrade(Path folder, int lesson) throws IOException {
        var dir = out.resolve(folder.getFileName().toString());
        Files.createDirectories(dir);
        var job = new Submissions.Job(folder.getFileName().toString(), folder, lesson, java.util.Optional.empty(), List.of());
        var wanted = lesson == 0 ? "any lesson's files changed from the kit's" : "lesson " + lesson + "'s files";
        writeError(job, dir, "the submission has no server to grade: no 'launch' file, and not " + wanted, Duration.ZERO);
        return true;
    }

    // The shell command the suite launches: the student's launch file from its folder, or their lesson file in a work copy.
    private String launch(Submissions.Job job, Path work) throws IOException {
        if (job.launchFile().isPresent()) {
            var file = job.launchFile().get();
            return "cd " + Launch.shellQuote(file.getParent().toString()) + " && " + (Files.isExecutable(file) ? "./launch" : "sh ./launch");
        }
        return compiled(Submissions.workFolder(job, kit, work), work);
    }

    /** One compile at a time: JBang's shared cache is not safe for two at once (its launcher then evals a broken reply). */
    private static final Object COMPILING = new Object();

    /**
     * Compiles a student's lesson file, contained, one at a time, and returns the java command that runs it: the
     * grading itself then starts no JBang (a compile error is told by the suite, as the server's words).
     */
    private String compiled(Path exercise, Path work) throws IOException {
        var info = work.resolve("compiled.json");
        var jbang = Launch.shellQuote(kit.resolve("jbang").toString());
        var file = Launch.shellQuote(exercise.toString());
        var build = List.of("sh", "-c", jbang + " build " + file + " && " + jbang + " info tools " + file + " > " + Launch.shellQuote(info.toString()));
        var log = work.resolve("compile.log");
        try {
            synchronized (COMPILING) {
                var run = containment.start(build, work, passedEnvironment(), log, work.resolve("tmp"), mark + "-" + work.getFileName() + "c",
                        Containment.Limits.DEFAULT);
                containment.finish(run, Duration.ofMinutes(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            var tools = JsonParser.parseString(Files.readString(info)).getAsJsonObject();
            var command = new StringBuilder(Launch.shellQuote(ProcessHandle.current().info().command().orElse("java")));
            // JBang leaves out a list that is empty.
            var empty = new com.google.gson.JsonArray();
            for (var option : tools.has("runtimeOptions") ? tools.getAsJsonArray("runtimeOptions") : empty) {
                command.append(' ').append(Launch.shellQuote(option.getAsString()));
            }
            var classPath = new ArrayList<String>(List.of(tools.get("applicationJar").getAsString()));
            (tools.has("resolvedDependencies") ? tools.getAsJsonArray("resolvedDependencies") : empty).forEach(d -> classPath.add(d.getAsString()));
            return command + " -cp " + Launch.shellQuote(String.join(":", classPath)) + " " + Launch.shellQuote(tools.get("mainClass").getAsString());
        } catch (IOException | RuntimeException e) {
            // It did not compile: the launch prints the compiler's words and fails, and the suite reports them.
            return "sh -c 'cat \"$0\" >&2; exit 1' " + Launch.shellQuote(log.toString());
        }
    }

    private void writeError(Submissions.Job job, Path dir, String why, Duration took) throws IOException {
        var model = job.lesson() == 0 ? null : Model.of(Lessons.lesson(job.lesson()).orElseThrow().model()).orElse(null);
        var grading = points == null ? Points.DEFAULT : Points.read(points);
        var card = Scorecard.error(why, model, grading, took.toMillis());
        Reports.writeJson(dir.resolve(job.reportName() + ".json"), card, Map.of());
        Reports.writeJUnitXml(dir.resolve(job.reportName() + ".xml"), "conformance", Instant.now(), List.of(), Map.of(), o -> Map.of(), why);
        Reports.writeGradescope(dir.resolve(job.reportName() + "-gradescope.json"), card);
    }

    /** Environment every grading gets from the grader's own: the timeouts' scale. */
    static Map<String, String> passedEnvironment() {
        var scale = System.getenv("ECHO_KIT_TIMEOUT_SCALE");
        return scale == null ? Map.of() : Map.of("ECHO_KIT_TIMEOUT_SCALE", scale);
    }

    // A log that grew past {@code keep} bytes keeps its last {@code keep}.
    static void truncateLog(Path log, long keep) throws IOException {
        if (Files.exists(log) && Files.size(log) > keep) {
            try (var file = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.READ)) {
                var tail = java.nio.ByteBuffer.allocate((int) keep);
                file.read(tail, Files.size(log) - keep);
                Files.write(log, java.util.Arrays.copyOf(tail.array(), tail.position()));
            }
        }
    }

    private static boolean complete(Path json) {
        try {
            return JsonParser.parseString(Files.readString(json)).getAsJsonObject().has("status");
        } catch (RuntimeException | IOException e) {
            return false;
        }
    }

    // "21 of 31 points" or "error: why", from a report.
    private static String summary(Path json) throws IOException {
        var report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        var score = Points.format(report.get("score").getAsDouble()) + " of " + Points.format(report.get("max_score").getAsDouble()) + " points";
        return report.get("status").getAsString().equals("error")
                ? "error, " + score + ": " + Finding.Sanitize.line(report.get("message").getAsString().lines().findFirst().orElse(""))
                : score;
    }

    private static String lastLines(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        var lines = Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1);
        var last = lines.subList(Math.max(0, lines.size() - 10), lines.size()).stream()
                .map(l -> "    " + Finding.Sanitize.line(l.length() > 300 ? l.substring(0, 300) + "..." : l)).toList();
        return last.isEmpty() ? "" : "\n  the suite's last lines:\n" + String.join("\n", last);
    }

    private static java.nio.file.attribute.FileTime newest(Path folder) throws IOException {
        try (var files = Files.walk(folder, 6)) {
            return files.map(f -> {
                try {
                    return Files.getLastModifiedTime(f, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    return java.nio.file.attribute.FileTime.fromMillis(Long.MAX_VALUE);
                }
            }).max(java.util.Comparator.naturalOrder()).orElseThrow();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (var f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
