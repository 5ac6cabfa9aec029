import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A broken server of tests/faults and what its header says of it:
 * <pre>
 *   // Fault: the defect, in a sentence
 *   // Must fail: check ids it must fail
 *   // May fail: id (reason) ...      checks it may fail as well, each with the reason ("nothing": none)
 *   // Cause: KEY [KEY...]            the likely cause the first of them names (tests/lib/Cause.java); one of
 *                                     these when how the defect shows depends on timing
 *   // Wrong step: lesson N, TODO(k)  a student's mistake in that TODO: its first Must fail is filed there
 *   // Suite: --flags                 what the suite needs to be given
 *   // In-process: no, because ...    left out of the quick tier's in-process runs
 *   // Launch: COMMAND, Build: COMMAND  for a fault in another language than Java (run from the kit's root)
 * </pre>
 */
record Fault(Path file, String defect, List<String> mustFail, List<String> mayFail, List<String> causes, List<String> suite,
             String notInProcess, String launch, String build, Step step) {

    /** A student's wrong step in lesson {@code lesson}'s TODO({@code todo}). */
    record Step(int lesson, int todo) {

        private static final java.util.regex.Pattern HEADER = java.util.regex.Pattern.compile("lesson (\\d+), TODO\\((\\d+)\\)");

        static Step parse(String text) {
            var m = HEADER.matcher(text.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("a 'Wrong step:' header reads 'lesson N, TODO(k)', not '" + text.strip() + "'");
            }
            return new Step(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }

        @Override
        public String toString() {
            return "lesson %d, TODO(%d)".formatted(lesson, todo);
        }
    }

    /** Every fault of tests/faults: a file whose header has a Fault: line, in any language. */
    static List<Fault> all() throws IOException {
        try (var files = Files.list(Kit.ROOT.resolve("tests/faults"))) {
            var faults = new ArrayList<Fault>();
            for (var file : files.sorted().toList()) {
                var fault = read(file);
                if (!fault.defect().isEmpty()) {
                    faults.add(fault);
                }
            }
            return faults;
        }
    }

    /** "id (reason)", one for each check a fault may fail: the reason may hold parentheses of its own, one level deep. */
    static final java.util.regex.Pattern MAY = java.util.regex.Pattern.compile("([a-z]+\\.[a-z0-9-]+)\\s*\\((?:[^()]|\\([^()]*\\))*\\)");

    /** A header line's text without its comment marker (//, #, /*, *). */
    static String uncommented(String line) {
        return line.replaceFirst("^\\s*(//|#|/\\*|\\*)\\s?", "");
    }

    static Fault read(Path file) throws IOException {
        String defect = "";
        List<String> causes = List.of();
        String notInProcess = "";
        List<String> mustFail = List.of();
        List<String> mayFail = List.of();
        List<String> suite = List.of();
        String launch = "";
        String build = "";
        Step step = null;
        for (var raw : Files.readAllLines(file).stream().limit(40).toList()) {
            var line = uncommented(raw);
            if (line.startsWith("Fault: ")) {
                defect = line.substring(7).strip();
            } else if (line.startsWith("Must fail: ")) {
                mustFail = List.of(line.substring(11).strip().split("\\s+"));
            } else if (line.startsWith("May fail: ")) {
                mayFail = MAY.matcher(line.substring(10)).results().map(m -> m.group(1)).toList();
            } else if (line.startsWith("Cause: ")) {
                causes = List.of(line.substring(7).strip().split("\\s+"));
            } else if (line.startsWith("Suite: ")) {
                suite = List.of(line.substring(7).strip().split("\\s+"));
            } else if (line.startsWith("In-process: no")) {
                notInProcess = line.substring("In-process: no".length()).replaceFirst("^[,:]\\s*", "").strip();
            } else if (line.startsWith("Launch: ")) {
                launch = line.substring(8).strip();
            } else if (line.startsWith("Build: ")) {
                build = line.substring(7).strip();
            } else if (line.startsWith("Wrong step: ")) {
                step = Step.parse(line.substring(12));
            }
        }
        return new Fault(file, defect, mustFail, mayFail, causes, suite, notInProcess, launch, build, step);
    }

    /** A Java fault is compiled into the self-test: it runs from its class path, and in the quick tier in this JVM. */
    boolean java() {
        return file.toString().endsWith(".java");
    }

    String name() {
        return file.getFileName().toString().replaceFirst("\\.java$", "");
    }

    /** The 1-based line of the header line that starts with {@code prefix}, for messages that name it. */
    Optional<Integer> lineOf(String prefix) throws IOException {
        var lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return Optional.of(i + 1);
            }
        }
        return Optional.empty();
    }

    /** The file's name: PrefixPerRead.java, fork_no_cap.py. */
    @Override
    public String toString() {
        return file.getFileName().toString();
    }
}
