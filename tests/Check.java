//JAVA 25+
//SOURCES Conformance.java lib/Lessons.java

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Checks a lesson's exercise (SPEC §5): starts it, runs the conformance suite with the lesson's
 * model, sends each failure to the TODO it points to, and says what to do next.
 */
@Command(name = "check", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, version = "Echo Kit check 1",
        description = {"Checks lesson N's exercise (exercises/NN-name/): starts it, runs the conformance suite, and says what to do next."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every check passes", "1:some checks fail", "2:bad usage, or the exercise did not start"},
        footerHeading = "%nExamples:%n",
        footer = {"  ./jbang check 1            check lesson 1's exercise", "  ./jbang check 1 --hint 2   a hint for TODO(2): the idea first, then the API, then the code",
                "  ./jbang check 1 --reset    start lesson 1 again (your files are kept beside it)",
                "  ./jbang check 1 --watch    check again each time a file of the lesson is saved",
                "  ./jbang check 3 --solution the same checks against the reference solution", "  ./jbang check --list       the lessons, and how far you are"})
public class Check implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "N", description = "The lesson, 1 to 6.")
    Integer number;

    @Option(names = "--solution", description = "Check the reference solution instead of the exercise.")
    boolean solution;

    @Option(names = "--hint", paramLabel = "TODO[.LEVEL]",
            description = "Show a hint for this TODO, and exit: each time the next level (the idea, the API, the code), or LEVEL.")
    String hint;

    @Option(names = "--reset", description = "Restore the lesson's exercise as shipped; each file you changed is kept beside it first.")
    boolean reset;

    @Option(names = "--watch", description = "Check again each time a file of the lesson changes (Ctrl-C to stop).")
    boolean watch;

    @Option(names = "--list", description = "List the lessons: TODOs left, and the last check of each.")
    boolean list;

    @Option(names = "--max-clients", paramLabel = "N",
            description = "Passed to the server: clients served at once (fewer child JVMs of lesson 2 on a small grading machine).")
    Integer maxClients;

    @Option(names = "--only", split = ",", paramLabel = "GLOB", description = "Passed to the suite: run only the checks whose id matches.")
    List<String> only = new ArrayList<>();

    @Option(names = "--verbose", description = "Passed to the suite: add the byte trace of the exchange to each failure.")
    boolean verbose;

    @Option(names = "--json", paramLabel = "FILE", description = "Passed to the suite: keep its JSON report in FILE.")
    Path json;

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Passed to the suite: write a JUnit XML report.")
    Path junitXml;

    @Option(names = "--gradescope", paramLabel = "FILE", description = "Passed to the suite: write Gradescope's results.json.")
    Path gradescope;

    @Option(names = "--summary-md", paramLabel = "FILE", description = "Passed to the suite: append a Markdown summary to FILE.")
    Path summaryMd;

    @Option(names = "--points", paramLabel = "FILE", description = "Passed to the suite: what the checks are worth (README: grading).")
    Path points;

    @Option(names = "--min-score", paramLabel = "POINTS|PERCENT%",
            description = "Passed to the suite: exit 0 when the score reaches this, 1 below it (for CI jobs).")
    String minScore;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Check()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        var root = root();
        if (list) {
            return list(root);
        }
        if (number == null) {
            System.err.println("error: which lesson? ./jbang check N, N from 1 to " + Lessons.ALL.size() + " (--list shows them)");
            return 2;
        }
        var lesson = Lessons.lesson(number).orElse(null);
        if (lesson == null) {
            System.err.println("error: there is no lesson " + number + "; they are 1 to " + Lessons.ALL.size());
            return 2;
        }
        if (hint != null) {
            return hint(root, lesson, hint);
        }
        if (reset) {
            return reset(root, lesson);
        }
        int status = check(root, lesson);
        while (watch) {
            System.out.printf("%nWatching %s for changes (Ctrl-C to stop)...%n", root.relativize(lesson.folder(root)));
            awaitChange(root, lesson);
            status = check(root, lesson);
        }
        return status;
    }

    private int check(Path root, Lessons.Lesson lesson) throws Exception {
        var file = solution ? lesson.solution(root) : lesson.exercise(root);
        var report = json != null ? json : Files.createTempFile("echo-kit-check", ".json");
        try {
            var args = new ArrayList<>(List.of("--launch", Launch.shellQuote(root.resolve("jbang").toString()) + " "
                    + Launch.shellQuote(file.toString()) + (maxClients == null ? "" : " --max-clients " + maxClients),
                    "--model", lesson.model(), "--json", report.toString()));
            passed(args);
            System.out.printf("Lesson %d (%s): checking %s%n%n", lesson.number(), lesson.model(), root.relativize(file));
            int status = Conformance.commandLine().execute(args.toArray(String[]::new));
            if (status == 2 || !Files.exists(report) || Files.size(report) == 0) {
                System.out.printf("%nThe %s did not start, or could not be reached (above: why). Fix that first: a compile error, "
                        + "or an exception before the ready line.%n", solution ? "solution" : "exercise");
                return 2;
            }
            // Each failed check with its cause's key and where that is taught; the counts of the others.
            var parsed = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
            var failed = new java.util.LinkedHashMap<String, Failed>();
            for (var check : parsed.getAsJsonArray("checks")) {
                var c = check.getAsJsonObject();
                if (c.get("status").getAsString().equals("failed")) {
                    failed.put(c.get("id").getAsString(), new Failed(c.get("cause").getAsString(), c.get("lesson").getAsInt(),
                            c.get("todo").getAsInt()));
                }
            }
            int passed = parsed.get("passed").getAsInt();
            int blocked = parsed.get("blocked").getAsInt();
            int skipped = parsed.get("skipped").getAsInt();
            remember(root, lesson, passed, passed + failed.size() + blocked);
            int advised = advise(root, lesson, passed, failed, blocked, skipped);
            // With --min-score the suite's status says whether the score reached it.
            return minScore != null ? status : advised;
        } finally {
            if (json == null) {
                Files.deleteIfExists(report);
            }
        }
    }

    // The options the suite takes as they are.
    private void passed(List<String> args) {
        only.forEach(glob -> args.addAll(List.of("--only", glob)));
        if (verbose) {
            args.add("--verbose");
        }
        var reports = new java.util.LinkedHashMap<String, Object>();
        reports.put("--junit-xml", junitXml);
        reports.put("--gradescope", gradescope);
        reports.put("--summary-md", summaryMd);
        reports.put("--points", points);
        reports.put("--min-score", minScore);
        reports.forEach((name, value) -> {
            if (value != null) {
                args.addAll(List.of(name, value.toString()));
            }
        });
    }

    /** A failed check as the report gives it: the key of its likely cause, and the lesson and TODO that teach that code. */
    record Failed(String cause, int lesson, int todo) {
    }

    // Each failure under the TODO it points to, then the next step.
    private int advise(Path root, Lessons.Lesson lesson, int passed, Map<String, Failed> failed, int blocked, int skipped)
            throws IOException {
        var todos = solution ? List.<Lessons.Todo>of() : Lessons.todos(root, lesson);
        var hints = Lessons.hints(lesson.hints(root));
        System.out.println();
        if (failed.isEmpty() && blocked == 0 && !only.isEmpty()) {
            // Some checks passing is not the lesson passing: no pointer to its finished code, no next lesson.
            System.out.printf("%s of --only %s: %s. The lesson passes once ./jbang check %d passes them all.%n",
                    passed == 1 ? "The check" : "The " + passed + " checks", String.join(",", only),
                    passed == 1 ? "it passes" : "they pass", lesson.number());
            return 0;
        }
        if (failed.isEmpty() && blocked == 0) {
            System.out.printf("Lesson %d passes: %d checks.%n", lesson.number(), passed);
            if (Files.exists(lesson.done(root))) {
                System.out.printf("What changed since the lesson before, and where the finished code is: %s%n",
                        root.relativize(lesson.done(root)));
            }
            var next = Lessons.lesson(lesson.number() + 1);
            System.out.println(next.map(n -> "Next: lesson %d, %s (./jbang check %d)".formatted(n.number(),
                            root.relativize(n.folder(root).resolve("README.md")), n.number()))
                    .orElse("That was the last lesson: ./jbang check --list shows them all."));
            return 0;
        }
        System.out.printf("Lesson %d: %s.%n", lesson.number(), Lessons.counts(passed, failed.size(), blocked, skipped));
        // Each failed check goes to the TODO whose hint names its likely cause; else to the first open TODO
        // that names the check; else to the first open TODO (an unfinished step breaks later checks); when
        // none is open, to the TODOs that name it most closely.
        var open = todos.stream().map(Lessons.Todo::number).distinct().sorted().toList();
        var groups = new java.util.TreeMap<List<Integer>, List<String>>(java.util.Comparator.comparing(List::toString));
        var unplaced = new ArrayList<String>();
        for (var id : failed.keySet()) {
            var cause = failed.get(id).cause();
            var byCause = Lessons.todoOfCause(hints, cause);
            if (byCause.isPresent()) {
                groups.computeIfAbsent(List.of(byCause.get()), k -> new ArrayList<>()).add(id);
                continue;
            }
            var naming = hints.stream().filter(h -> h.checks().contains(id)).sorted(java.util.Comparator.comparingInt(Lessons.Hint::todo)).toList();
            var openNaming = naming.stream().map(Lessons.Hint::todo).filter(open::contains).findFirst();
            List<Integer> key;
            if (openNaming.isPresent()) {
                key = List.of(openNaming.get());
            } else if (!open.isEmpty()) {
                key = List.of(open.getFirst());
            } else if (!naming.isEmpty()) {
                int closest = naming.stream().mapToInt(h -> h.checks().size()).min().orElseThrow();
                key = naming.stream().filter(h -> h.checks().size() <= closest + 1).map(Lessons.Hint::todo).limit(2).toList();
            } else {
                unplaced.add(id);
                continue;
            }
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(id);
        }
        groups.entrySet().stream().sorted(java.util.Comparator.comparing(e -> e.getKey().getFirst())).forEach(e -> {
            var numbers = e.getKey();
            var names = numbers.stream().map(t -> "TODO(" + t + ")").collect(java.util.stream.Collectors.joining(" or "));
            var titles = numbers.stream().map(t -> hints.stream().filter(h -> h.todo() == t).findFirst().map(Lessons.Hint::title).orElse(""))
                    .collect(java.util.stream.Collectors.joining("; "));
            var where = numbers.stream().map(t -> todos.stream().filter(o -> o.number() == t).findFirst()
                    .map(o -> root.relativize(o.file()) + ":" + o.line()).orElse("done, but these fail: reread it"))
                    .distinct().collect(java.util.stream.Collectors.joining("; "));
            var hintCommands = numbers.stream().map(t -> "./jbang check " + lesson.number() + " --hint " + t)
                    .collect(java.util.stream.Collectors.joining(", "));
            // A check whose cause is taught in another lesson says where.
            var fails = e.getValue().stream().map(id -> failed.get(id).lesson() == lesson.number() ? id
                    : "%s (taught in lesson %d%s)".formatted(id, failed.get(id).lesson(),
                            failed.get(id).todo() > 0 ? ", TODO(" + failed.get(id).todo() + ")" : "")).toList();
            System.out.printf("%n  %s %s (%s)%n    fails: %s%n    hint: %s%n", names, titles, where, String.join(", ", fails), hintCommands);
        });
        if (!unplaced.isEmpty()) {
            System.out.printf("%n  No TODO names these: %s. Their messages above say what was seen and what usually causes it.%n",
                    String.join(", ", unplaced));
        }
        System.out.println();
        if (solution) {
            System.out.println("The reference solution fails: that is a bug of the kit, not yours.");
        } else if (!todos.isEmpty()) {
            var next = todos.getFirst();
            System.out.printf("Next: TODO(%d) in %s, line %d: %s%n(When a TODO is done, delete its comment: the check goes by the TODOs left.)%n",
                    next.number(), root.relativize(next.file()), next.line(), next.text());
        } else {
            var first = groups.keySet().stream().map(List::getFirst).sorted().findFirst();
            System.out.println(first.map(t -> "Next: no TODO is left, but TODO(%d)'s checks fail: read their messages above, then ./jbang check %d --hint %d"
                            .formatted(t, lesson.number(), t))
                    .orElse("Next: read the failures above."));
        }
        return 1;
    }

    private int hint(Path root, Lessons.Lesson lesson, String asked) throws IOException {
        var m = java.util.regex.Pattern.compile("(\\d+)(?:\\.(\\d+))?").matcher(asked);
        var hints = Lessons.hints(lesson.hints(root));
        var found = m.matches() ? hints.stream().filter(h -> h.todo() == Integer.parseInt(m.group(1))).findFirst() : Optional.<Lessons.Hint>empty();
        if (found.isEmpty()) {
            System.err.printf("error: lesson %d has hints for TODO %s, not %s (--hint N, or N.LEVEL)%n", lesson.number(),
                    hints.stream().map(h -> Integer.toString(h.todo())).toList(), asked);
            return 2;
        }
        var h = found.get();
        var levels = h.levels();
        // Without a level, the next one each time: what was shown last is kept per TODO.
        var seen = root.resolve("build").resolve("check").resolve("lesson-%d-hint-%d.txt".formatted(lesson.number(), h.todo()));
        int level;
        if (m.group(2) != null) {
            level = Integer.parseInt(m.group(2));
            if (level < 1 || level > levels.size()) {
                System.err.printf("error: TODO(%d)'s hint has levels 1 to %d, not %d%n", h.todo(), levels.size(), level);
                return 2;
            }
        } else {
            int last = Files.exists(seen) ? Integer.parseInt(Files.readString(seen).strip()) : 0;
            level = Math.min(levels.size(), last + 1);
        }
        Files.createDirectories(seen.getParent());
        Files.writeString(seen, Integer.toString(level));
        var names = List.of("the idea", "the API", "the code");
        System.out.printf("Lesson %d, TODO(%d): %s, hint %d of %d%s%n%n%s%n", lesson.number(), h.todo(), h.title(), level, levels.size(),
                levels.size() == names.size() ? " (" + names.get(level - 1) + ")" : "", levels.get(level - 1));
        if (level < levels.size()) {
            System.out.printf("%nMore: ./jbang check %d --hint %d (hint %d of %d)%n", lesson.number(), h.todo(), level + 1, levels.size());
        }
        return 0;
    }

    // The exercise as shipped, from its solution; a file the student changed is kept beside it, with the time.
    private int reset(Path root, Lessons.Lesson lesson) throws IOException {
        var stamp = java.time.LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "");
        int restored = 0;
        for (var file : Lessons.generate(root, lesson).entrySet()) {
            var path = lesson.folder(root).resolve(file.getKey());
            if (Files.exists(path) && Files.readString(path).equals(file.getValue())) {
                continue;
            }
            if (Files.exists(path)) {
                var kept = path.resolveSibling(path.getFileName() + ".saved-" + stamp);
                Files.move(path, kept);
                System.out.printf("kept your %s as %s%n", root.relativize(path), root.relativize(kept));
            }
            Files.writeString(path, file.getValue());
            System.out.printf("restored %s as shipped%n", root.relativize(path));
            restored++;
        }
        Files.deleteIfExists(results(root, lesson));
        for (var h : Lessons.hints(lesson.hints(root))) {
            Files.deleteIfExists(root.resolve("build").resolve("check").resolve("lesson-%d-hint-%d.txt".formatted(lesson.number(), h.todo())));
        }
        System.out.println(restored == 0 ? "Lesson " + lesson.number() + " is as shipped already." : "Next: ./jbang check " + lesson.number());
        return 0;
    }

    private int list(Path root) throws IOException {
        System.out.printf("%-3s %-17s %-7s %-22s %s%n", "", "lesson", "TODOs", "checks passing", "last check");
        for (var lesson : Lessons.ALL) {
            int total = Lessons.shippedTodos(root, lesson);
            int left = (int) Lessons.todos(root, lesson).stream().mapToInt(Lessons.Todo::number).distinct().count();
            var last = results(root, lesson);
            var fields = Files.exists(last) ? Files.readString(last).strip().split(" ") : new String[0];
            String checks;
            String when;
            if (fields.length == 3) {
                int passed = Integer.parseInt(fields[0]);
                int applicable = Integer.parseInt(fields[1]);
                int filled = applicable == 0 ? 0 : Math.round(10f * passed / applicable);
                checks = "%2d/%-2d %s".formatted(passed, applicable, "#".repeat(filled) + ".".repeat(10 - filled));
                when = (passed == applicable ? "passes" : "fails") + ", at " + fields[2];
            } else {
                checks = "";
                when = "not checked yet (./jbang check " + lesson.number() + ")";
            }
            System.out.printf("%-3d %-17s %-7s %-22s %s%n", lesson.number(), lesson.model(), (total - left) + "/" + total + " done",
                    checks, when);
        }
        return 0;
    }

    // The last whole check of the exercise, for --list: checks passed, checks that apply, and when (a run of some
    // checks, --only, says nothing of the others).
    private void remember(Path root, Lessons.Lesson lesson, int passed, int applicable) throws IOException {
        if (solution || !only.isEmpty()) {
            return;
        }
        var file = results(root, lesson);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "%d %d %s%n".formatted(passed, applicable, LocalTime.now().truncatedTo(ChronoUnit.SECONDS)));
    }

    private static Path results(Path root, Lessons.Lesson lesson) {
        return root.resolve("build").resolve("check").resolve("lesson-" + lesson.number() + ".txt");
    }

    // Polls the lesson's files once a second (inotify does not see every filesystem).
    private static void awaitChange(Path root, Lessons.Lesson lesson) throws IOException, InterruptedException {
        var before = signature(root, lesson);
        while (signature(root, lesson).equals(before)) {
            Thread.sleep(1000);
        }
    }

    private static String signature(Path root, Lessons.Lesson lesson) throws IOException {
        var s = new StringBuilder();
        try (var files = Files.list(lesson.folder(root))) {
            for (var f : files.sorted().toList()) {
                s.append(f).append(Files.getLastModifiedTime(f)).append(Files.size(f));
            }
        }
        return s.toString();
    }

    private static Path root() {
        for (var dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("jbang")) && Files.isDirectory(dir.resolve("exercises"))) {
                return dir;
            }
        }
        throw new CommandLine.ParameterException(new CommandLine(new Check()), "run it from the kit's folder: ./jbang check N");
    }
}
