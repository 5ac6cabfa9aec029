import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A class's submissions (SPEC §10): one folder per student, either any server with a {@code launch}
 * file, or the kit's layout (the files of a lesson's folder, found by name). Each becomes the jobs
 * that grade it: one per lesson it is graded on.
 */
final class Submissions {

    private Submissions() {
    }

    /** One grading: a student's server for one lesson (0: the lesson its ready line claims). */
    record Job(String student, Path folder, int lesson, Optional<Path> launchFile, List<Path> files) {

        /** The reports' base name in the student's output folder. */
        String reportName() {
            return lesson == 0 ? "server" : "lesson-" + lesson;
        }
    }

    /** The student folders of {@code classDir}, by name. */
    static List<Path> students(Path classDir) throws IOException {
        try (var entries = Files.list(classDir)) {
            return entries.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(d -> d.getFileName().toString())).toList();
        }
    }

    /** Share {@code index} (1-based) of {@code count}: every count-th student, by name; the shares cover the class once. */
    static List<Path> shard(List<Path> students, int index, int count) {
        var share = new ArrayList<Path>();
        for (int i = 0; i < students.size(); i++) {
            if (i % count == index - 1) {
                share.add(students.get(i));
            }
        }
        return share;
    }

    /**
     * The jobs of one student: a launch file is graded on {@code lesson} (0: the model its ready line claims); the
     * kit's layout on {@code lesson}, or on every lesson whose files it has that differ from the kit's as shipped.
     */
    static List<Job> jobs(Path folder, int lesson, Path kit) throws IOException {
        var student = folder.getFileName().toString();
        var launch = folder.resolve("launch");
        if (Files.isRegularFile(launch)) {
            return List.of(new Job(student, folder, lesson, Optional.of(launch), List.of()));
        }
        var jobs = new ArrayList<Job>();
        for (var l : Lessons.ALL) {
            if (lesson != 0 && l.number() != lesson) {
                continue;
            }
            var files = new ArrayList<Path>();
            boolean changed = false;
            for (var shipped : l.files(kit)) {
                var mine = find(folder, l, shipped.getFileName().toString());
                if (mine.isPresent()) {
                    files.add(mine.get());
                    changed |= Files.mismatch(mine.get(), shipped) >= 0;
                }
            }
            if (lesson != 0 || changed) {
                jobs.add(new Job(student, folder, l.number(), Optional.empty(), List.copyOf(files)));
            }
        }
        return jobs;
    }

    // The student's copy of a lesson's file: in the lesson's folder of a copy of the kit, else anywhere by its name.
    private static Optional<Path> find(Path folder, Lessons.Lesson lesson, String name) throws IOException {
        var inLayout = lesson.folder(folder).resolve(name);
        if (Files.isRegularFile(inLayout)) {
            return Optional.of(inLayout);
        }
        // A lesson 1 file (EchoServer.java) must not be taken from another lesson's folder of a whole copy of the kit.
        try (var found = Files.find(folder, 4, (p, a) -> a.isRegularFile() && p.getFileName().toString().equals(name)
                && !folder.relativize(p).startsWith("solutions") && !folder.relativize(p).startsWith("exercises"))) {
            return found.findFirst();
        }
    }

    /**
     * Makes the folder a kit-layout job runs in: {@code work}/exercises/NN-name/ with the student's files over the
     * shipped ones, and solutions/ (the shared code the exercise's sources name) beside it.
     */
    static Path workFolder(Job job, Path kit, Path work) throws IOException {
        var lesson = Lessons.lesson(job.lesson()).orElseThrow();
        var folder = lesson.folder(work);
        Files.createDirectories(folder);
        for (var shipped : lesson.files(kit)) {
            Files.copy(shipped, folder.resolve(shipped.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (var mine : job.files()) {
            Files.copy(mine, folder.resolve(mine.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        var solutions = work.resolve("solutions");
        if (!Files.exists(solutions, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(solutions, kit.resolve("solutions"));
        }
        return lesson.exercise(work);
    }
}
