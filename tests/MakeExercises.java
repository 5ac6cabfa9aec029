//JAVA 25+
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/Lessons.java lib/Catalogue.java lib/Cause.java lib/CheckGroup.java lib/Need.java lib/Model.java lib/Points.java lib/TestRun.java

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes what the kit makes from its sources (for maintainers; students never run it): each lesson's
 * exercise from its solution's marked regions, and the README's check list from the catalogue.
 */
@Command(name = "MakeExercises", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Makes exercises/NN-name/*.java from the solutions: each region marked //> N ... //< becomes TODO(N).",
                "Run it after changing a solution; the self-test fails while an exercise differs from what this makes."},
        exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:written (or, with --check, up to date)", "1:--check: some differ", "2:bad usage"})
public class MakeExercises implements Callable<Integer> {

    @Option(names = "--check", description = "Write nothing; list the exercise files that differ from what the solutions make.")
    boolean check;

    public static void main(String[] args) {
        System.exit(new CommandLine(new MakeExercises()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        var root = Path.of("").toAbsolutePath();
        int differ = 0;
        for (var lesson : Lessons.ALL) {
            for (var file : Lessons.generate(root, lesson).entrySet()) {
                var path = lesson.folder(root).resolve(file.getKey());
                boolean same = Files.exists(path) && Files.readString(path).equals(file.getValue());
                if (check) {
                    if (!same) {
                        System.out.println("differs: " + root.relativize(path));
                        differ++;
                    }
                } else if (!same) {
                    Files.createDirectories(path.getParent());
                    Files.writeString(path, file.getValue());
                    System.out.println("wrote " + root.relativize(path));
                }
            }
        }
        var readme = root.resolve("README.md");
        var text = Files.readString(readme);
        var made = Catalogue.withIdSummary(text);
        if (!made.equals(text)) {
            if (check) {
                System.out.println("differs: README.md (its check list)");
                differ++;
            } else {
                Files.writeString(readme, made);
                System.out.println("wrote README.md (its check list)");
            }
        }
        return check && differ > 0 ? 1 : 0;
    }
}
