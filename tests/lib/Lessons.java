import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The six lessons (SPEC §5), and their exercises made from the solutions. A solution marks what
 * its lesson teaches:
 * <pre>
 *   //> 1 What the student is to write (more lines: //>   ...)
 *   ...the solution's code...
 *   //< shipped: code the exercise has instead (none, one or more lines)
 * </pre>
 * and the exercise is the solution with each such region turned into a {@code // TODO(1): ...}.
 * Exercises are never edited by hand: the self-test fails when one differs from what its solution makes.
 */
final class Lessons {

    /** A lesson: its number, its model, its solution file, and shared files whose regions it teaches (copied into its folder). */
    record Lesson(int number, String model, String file, List<String> copies) {

        String folderName() {
            return "%02d-%s".formatted(number, model);
        }

        Path folder(Path root) {
            return root.resolve("exercises").resolve(folderName());
        }

        Path exercise(Path root) {
            return folder(root).resolve(file);
        }

        Path solution(Path root) {
            return root.resolve("solutions").resolve(file);
        }

        Path hints(Path root) {
            return folder(root).resolve("hints.md");
        }

        /** What the lesson shows once it passes: the diff against the previous lesson, where the finished code is. */
        Path done(Path root) {
            return folder(root).resolve("done.md");
        }

        /** What the checks of this lesson are, as ./jbang check N runs them: line mode, launched, the lesson's model. */
        Need.Run checkedRun() {
            var held = Model.of(model).orElseThrow();
            return new Need.Run(false, true, true, () -> held, 16, 0, 0);
        }

        /** The files the student edits: the exercise and its copies of shared files. */
        List<Path> files(Path root) {
            var files = new ArrayList<Path>(List.of(exercise(root)));
            copies.forEach(c -> files.add(folder(root).resolve(Path.of(c).getFileName())));
            return files;
        }
    }

    static final List<Lesson> ALL = List.of(
            new Lesson(1, "single-threaded", "SingleThreaded.java", List.of("shared/EchoServer.java", "shared/Lines.java")),
            new Lesson(2, "multi-process", "MultiProcess.java", List.of()),
            new Lesson(3, "multi-threaded", "MultiThreaded.java", List.of()),
            new Lesson(4, "thread-pool", "ThreadPool.java", List.of()),
            new Lesson(5, "event-loop", "EventLoop.java", List.of()),
            new Lesson(6, "virtual-threads", "VirtualThreads.java", List.of()));

    /** "21 checks pass, 1 fails, 3 are not judged and 9 are skipped": a run's counts as check and the lesson texts say them. */
    static String counts(int passed, int failed, int blocked, int skipped) {
        return "%d %s, %d %s, %d %s not judged and %d %s skipped".formatted(passed, passed == 1 ? "check passes" : "checks pass",
                failed, failed == 1 ? "fails" : "fail", blocked, blocked == 1 ? "is" : "are", skipped, skipped == 1 ? "is" : "are");
    }

    static Optional<Lesson> lesson(int number) {
        return ALL.stream().filter(l -> l.number() == number).findFirst();
    }

    private static final Pattern BEGIN = Pattern.compile("^(\\s*)//> (\\d+) (.*)$");
    private static final Pattern MORE = Pattern.compile("^\\s*//>\\s(.*)$");
    private static final Pattern END = Pattern.compile("^(\\s*)//<(?: shipped: (.*))?$");
    private static final Pattern TODO = Pattern.compile("^\\s*// TODO\\((\\d+)\\): (.*)$");

    private Lessons() {
    }

    /** The generated files of a lesson's folder: file name, then text. */
    static Map<String, String> generate(Path root, Lesson lesson) throws IOException {
        var folder = lesson.folder(root);
        var copied = lesson.copies().stream().map(c -> root.resolve("solutions").resolve(c).normalize())
                .collect(Collectors.toSet());
        var files = new LinkedHashMap<String, String>();
        var main = lesson.solution(root);
        files.put(lesson.file(), "// Lesson %d's exercise: complete its TODOs, then run ./jbang check %d (the lesson: README.md here).\n"
                .formatted(lesson.number(), lesson.number()) + exercise(Files.readString(main), main, folder, copied));
        for (var copy : copied) {
            var name = copy.getFileName().toString();
            files.put(name, "// Lesson %d's copy of solutions/%s, with the TODOs of this lesson; later lessons use the whole one.\n"
                    .formatted(lesson.number(), root.resolve("solutions").relativize(copy)) + exercise(Files.readString(copy), copy, folder, copied));
        }
        return files;
    }

    /**
     * A solution's text with every marked region turned into its TODO and the code shipped
     * instead, and its //SOURCES pointing from the exercise folder: at the folder's copies, or
     * at the solutions.
     */
    static String exercise(String solution, Path solutionFile, Path folder, Set<Path> copied) {
        var out = new StringBuilder();
        var lines = solution.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            var line = lines.get(i);
            var begin = BEGIN.matcher(line);
            if (line.startsWith("//SOURCES ")) {
                out.append(sources(line, solutionFile, folder, copied)).append('\n');
            } else if (begin.matches()) {
                var indent = begin.group(1);
                out.append(indent).append("// TODO(").append(begin.group(2)).append("): ").append(begin.group(3)).append('\n');
                var more = i + 1 < lines.size() ? MORE.matcher(lines.get(i + 1)) : null;
                while (more != null && more.matches()) {
                    out.append(indent).append("//   ").append(more.group(1).strip()).append('\n');
                    i++;
                    more = i + 1 < lines.size() ? MORE.matcher(lines.get(i + 1)) : null;
                }
                // Skip the solution's code, then write what the exercise ships with.
                while (++i < lines.size() && !END.matcher(lines.get(i)).matches()) {
                    if (BEGIN.matcher(lines.get(i)).matches()) {
                        throw new IllegalStateException(solutionFile + ":" + (i + 1) + ": a region begins inside another");
                    }
                }
                if (i == lines.size()) {
                    throw new IllegalStateException(solutionFile + ": the region of TODO(" + begin.group(2) + ") never ends (//<)");
                }
                for (; i < lines.size(); i++) {
                    var end = END.matcher(lines.get(i));
                    if (!end.matches()) {
                        i--;
                        break;
                    }
                    if (end.group(2) != null) {
                        out.append(end.group(1)).append(end.group(2)).append('\n');
                    }
                }
            } else if (END.matcher(line).matches() || MORE.matcher(line).matches()) {
                throw new IllegalStateException(solutionFile + ":" + (i + 1) + ": a region marker outside a region");
            } else {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    private static String sources(String line, Path solutionFile, Path folder, Set<Path> copied) {
        var paths = line.substring("//SOURCES ".length()).trim().split("\\s+");
        var rewritten = new ArrayList<String>();
        for (var path : paths) {
            var target = solutionFile.getParent().resolve(path).normalize();
            rewritten.add(copied.contains(target) ? target.getFileName().toString() : folder.relativize(target).toString());
        }
        return "//SOURCES " + String.join(" ", rewritten);
    }

    /** A TODO still in an exercise file: its number, where, and what to write. */
    record Todo(int number, Path file, int line, String text) {
    }

    /** How many TODOs the lesson's exercise has as shipped. */
    static int shippedTodos(Path root, Lesson lesson) throws IOException {
        return (int) generate(root, lesson).values().stream().flatMap(String::lines).map(TODO::matcher).filter(Matcher::matches)
                .map(m -> m.group(1)).distinct().count();
    }

    /** The TODOs left in the lesson's files, by number. */
    static List<Todo> todos(Path root, Lesson lesson) throws IOException {
        var todos = new ArrayList<Todo>();
        for (var file : lesson.files(root)) {
            if (!Files.exists(file)) {
                continue;
            }
            var lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                var m = TODO.matcher(lines.get(i));
                if (m.matches()) {
                    var text = new StringBuilder(m.group(2));
                    for (int j = i + 1; j < lines.size() && lines.get(j).matches("^\\s*//   .*"); j++) {
                        text.append(' ').append(lines.get(j).strip().substring(2).strip());
                    }
                    todos.add(new Todo(Integer.parseInt(m.group(1)), file, i + 1, text.toString()));
                }
            }
        }
        todos.sort(java.util.Comparator.comparingInt(Todo::number).thenComparing(t -> t.file().toString()));
        return todos;
    }

    /** A hint of hints.md: the TODO it helps with, a title, the checks that fail while it is not done, its cause keys, and the text. */
    record Hint(int todo, String title, List<String> checks, List<String> causes, String text) {

        /** The hint's levels, from the idea to the code: its text split at lines of {@code ---}. */
        List<String> levels() {
            return java.util.Arrays.stream(text.split("(?m)^---\\s*$")).map(String::strip).filter(l -> !l.isEmpty()).toList();
        }
    }

    /** The TODO whose hint names {@code cause} as one it writes: where a failure of that cause is fixed. */
    static Optional<Integer> todoOfCause(List<Hint> hints, String cause) {
        return hints.stream().filter(h -> h.causes().contains(cause)).map(Hint::todo).sorted().findFirst();
    }

    /**
     * Reads a lesson's hints.md: sections "## TODO(n): title", a line "Checks: id id ..." (the checks
     * that fail while it is not done), a line "Causes: KEY KEY ..." (the likely causes, by their keys
     * in tests/lib/Cause.java, whose code this TODO writes), and the hint's text.
     */
    static List<Hint> hints(Path file) throws IOException {
        var hints = new ArrayList<Hint>();
        if (!Files.exists(file)) {
            return hints;
        }
        var head = Pattern.compile("^## TODO\\((\\d+)\\): (.*)$");
        int todo = -1;
        String title = "";
        List<String> checks = List.of();
        List<String> causes = List.of();
        var text = new StringBuilder();
        for (var line : Files.readAllLines(file)) {
            var m = head.matcher(line);
            if (m.matches()) {
                if (todo >= 0) {
                    hints.add(new Hint(todo, title, checks, causes, text.toString().strip()));
                }
                todo = Integer.parseInt(m.group(1));
                title = m.group(2);
                checks = List.of();
                causes = List.of();
                text.setLength(0);
            } else if (todo >= 0 && line.startsWith("Checks: ")) {
                checks = List.of(line.substring(8).trim().split("\\s+"));
            } else if (todo >= 0 && line.startsWith("Causes: ")) {
                causes = List.of(line.substring(8).trim().split("\\s+"));
            } else if (todo >= 0) {
                text.append(line).append('\n');
            }
        }
        if (todo >= 0) {
            hints.add(new Hint(todo, title, checks, causes, text.toString().strip()));
        }
        return hints;
    }
}
