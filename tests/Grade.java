//JAVA 25+
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/*.java grade/*.java

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Grades a class (SPEC §10): every submission of a folder through the suite, each contained, several
 * at once; each student's reports, then the class's gradebook and summaries. Shards of a class can
 * be graded on several machines and merged.
 */
@Command(name = "grade", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        version = "Echo Kit grade 1",
        description = {"Grades every submission of SUBMISSIONS_DIR (one folder per student: the kit's layout, or any server "
                + "with a 'launch' file), each contained, and writes each student's reports, gradebook.csv, summary.md and summary.html."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every submission was graded (whatever the grades)", "2:bad usage, or a submission could not be graded"},
        footerHeading = "%nExamples:%n",
        footer = {"  ./jbang grade class/ --lesson 4", "  ./jbang grade class/ --shard 2/3 --out build/shard-2",
                "  ./jbang grade --merge build/shard-1 build/shard-2 build/shard-3 --out build/class"})
public class Grade implements Callable<Integer> {

    /** How many submissions at once by default: measured on this 2-core machine (README: "Grading a class"). */
    static final int DEFAULT_JOBS = 2;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SUBMISSIONS_DIR", description = "One folder per student.")
    Path submissions;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "build/grade", description = "Where the reports go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--lesson", paramLabel = "N", defaultValue = "0",
            description = "Grade lesson N (kit layout: that lesson's files; launch file: that lesson's model). Default: every lesson a "
                    + "submission changed, or the model a launched server claims.")
    int lesson;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "" + DEFAULT_JOBS, description = "Submissions graded at once (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--shard", paramLabel = "I/N", description = "Grade share I of N (every N-th student by name, from the I-th).")
    String shard;

    @Option(names = "--points", paramLabel = "FILE", description = "What the checks are worth (README: Grading).")
    Path points;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "90",
            description = "How long a server may take to print its ready line, compiling included (default: ${DEFAULT-VALUE}).")
    int readyTimeout;

    @Option(names = "--force", description = "Grade again what already has a report newer than its submission.")
    boolean force;

    @Option(names = "--merge", arity = "1..*", paramLabel = "DIR", description = "Join the outputs of shards into one gradebook and summary in --out.")
    List<Path> merge;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Grade()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        var console = System.out;
        if (merge != null) {
            var all = Gradebook.read(merge);
            Gradebook.write(out, all);
            console.printf("merged %d reports of %d folders into %s%n", all.size(), merge.size(), out);
            return 0;
        }
        if (submissions == null || !Files.isDirectory(submissions)) {
            System.err.println("error: give the folder of submissions (one folder per student), or --merge DIR... (--help)");
            return 2;
        }
        if (lesson != 0 && Lessons.lesson(lesson).isEmpty()) {
            System.err.println("error: there is no lesson " + lesson + "; they are 1 to " + Lessons.ALL.size());
            return 2;
        }
        var students = Submissions.students(submissions);
        if (shard != null) {
            var m = java.util.regex.Pattern.compile("(\\d+)/(\\d+)").matcher(shard);
            if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(1)) > Integer.parseInt(m.group(2))) {
                System.err.println("error: --shard takes I/N with 1 <= I <= N, not '" + shard + "'");
                return 2;
            }
            students = Submissions.shard(students, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
        var kit = kit();
        var grader = Grader.of(kit, Containment.probe(), out.toAbsolutePath(), points == null ? null : points.toAbsolutePath(),
                newMark(), readyTimeout);
        grader.containment().missing().forEach(m -> console.println("containment: " + m));
        var all = new ArrayList<Submissions.Job>();
        var nothing = new ArrayList<Path>();
        for (var student : students) {
            var found = Submissions.jobs(student, lesson, kit);
            if (found.isEmpty()) {
                nothing.add(student);
            }
            all.addAll(found);
        }
        var progress = new Progress(all.size() + nothing.size(), console, System.console() != null);
        int failed = 0;
        for (var student : nothing) {
            failed += grader.nothingToGrade(student, lesson) ? 0 : 1;
            progress.done(student.getFileName().toString(), "nothing to grade");
        }
        var ungraded = new AtomicInteger();
        try (var pool = Executors.newFixedThreadPool(Math.max(1, jobs))) {
            for (var job : all) {
                pool.submit(() -> {
                    try {
                        var result = grader.grade(job, force);
                        progress.done(job.student(), result);
                    } catch (Exception e) {
                        ungraded.incrementAndGet();
                        progress.done(job.student(), "not graded: " + e);
                    }
                    return null;
                });
            }
        }
        var graded = Gradebook.read(List.of(out));
        Gradebook.write(out, graded);
        console.printf("%d submissions, %d reports in %s: %s; gradebook.csv, summary.md, summary.html%n", students.size(),
                graded.size(), out, Gradebook.statusCounts(graded));
        return failed + ungraded.get() > 0 ? 2 : 0;
    }

    private static String newMark() {
        return "g" + Long.toHexString(System.nanoTime()) + Long.toHexString(ProcessHandle.current().pid());
    }

    // The kit this script belongs to: the first folder up from here with tests/Conformance.java and exercises/.
    private static Path kit() {
        return Scorecard.kit().orElseThrow(() -> new CommandLine.ParameterException(new CommandLine(new Grade()),
                "run it from the kit's folder: ./jbang grade SUBMISSIONS_DIR"));
    }

    /** The count done and the time left: a bar on a terminal, a line per submission otherwise. */
    static final class Progress {
        private final int total;
        private final PrintStream console;
        private final boolean terminal;
        private final Instant started = Instant.now();
        private int done;

        Progress(int total, PrintStream console, boolean terminal) {
            this.total = total;
            this.console = console;
            this.terminal = terminal;
        }

        synchronized void done(String student, String result) {
            done++;
            var elapsed = Duration.between(started, Instant.now());
            var left = Duration.ofMillis(elapsed.toMillis() * (total - done) / Math.max(1, done));
            var safe = Finding.Sanitize.line(student);
            if (terminal) {
                int width = 30;
                int filled = width * done / Math.max(1, total);
                console.printf("\r[%s%s] %d/%d, %s left  %-40.40s", "#".repeat(filled), " ".repeat(width - filled), done, total,
                        minutes(left), safe + ": " + result);
                if (done == total) {
                    console.println();
                }
            } else {
                console.printf("graded %d/%d (%s left): %s: %s%n", done, total, minutes(left), safe, result);
            }
            console.flush();
        }

        private static String minutes(Duration d) {
            return "%d:%02d".formatted(d.toMinutes(), d.toSecondsPart());
        }
    }
}
