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
 *   // May fail: id (reason) ...      checks it may fail as well, each with the reason
 *   // Cause: KEY [KEY...]            the likely cause the first of them names (tests/lib/Cause.java); one of
 *                                     these when how the defect shows depends on timing
 *   // Suite: --flags                 what the suite needs to be given
 *   // In-process: no, because ...    left out of the quick tier's in-process runs
 * </pre>
 */
record Fault(Path file, String defect, List<String> mustFail, List<String> mayFail, List<String> causes, List<String> suite,
             String notInProcess) {

    static List<Fault> all() throws IOException {
        try (var files = Files.list(Kit.ROOT.resolve("tests/faults"))) {
            var faults = new ArrayList<Fault>();
            for (var file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                faults.add(read(file));
            }
            return faults;
        }
    }

    static Fault read(Path file) throws IOException {
        String defect = "";
        List<String> causes = List.of();
        String notInProcess = "";
        List<String> mustFail = List.of();
        List<String> mayFail = List.of();
        List<String> suite = List.of();
        for (var line : Files.readAllLines(file)) {
            if (line.startsWith("// Fault: ")) {
                defect = line.substring(10).strip();
            } else if (line.startsWith("// Must fail: ")) {
                mustFail = List.of(line.substring(14).strip().split("\\s+"));
            } else if (line.startsWith("// May fail: ")) {
                mayFail = List.of(line.substring(13).replaceAll("\\([^)]*\\)", " ").strip().split("\\s+"));
            } else if (line.startsWith("// Cause: ")) {
                causes = List.of(line.substring(10).strip().split("\\s+"));
            } else if (line.startsWith("// Suite: ")) {
                suite = List.of(line.substring(10).strip().split("\\s+"));
            } else if (line.startsWith("// In-process: no")) {
                notInProcess = line.substring("// In-process: no".length()).replaceFirst("^[,:]\\s*", "").strip();
            }
        }
        return new Fault(file, defect, mustFail, mayFail, causes, suite, notInProcess);
    }

    String name() {
        return file.getFileName().toString().replace(".java", "");
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

    @Override
    public String toString() {
        return name();
    }
}
