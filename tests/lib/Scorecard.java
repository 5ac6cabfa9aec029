import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A run's grade (SPEC §4.2), what every report is written from: each check with its points, the
 * lesson and TODO that teach it, what was observed, and the score; or, when nothing could be
 * judged, why.
 */
record Scorecard(Status status, String message, double score, double maxScore, String model, int lesson,
                 List<Scored> checks, long millis) {

    /** error: nothing could be judged (the server did not start, or could not be reached). */
    enum Status { PASSED, FAILED, ERROR }

    /**
     * One check's grade: {@code lesson} and {@code todo} are where its code is taught (0: no TODO
     * known); {@code observed} is the first line of what was seen, or why it was not judged.
     */
    record Scored(TestRun.Outcome outcome, double score, double maxScore, int lesson, int todo, String observed) {

        /** A check that does not apply is outside the score. */
        boolean counts() {
            return outcome.status() != TestRun.Status.SKIPPED;
        }
    }

    /** The grade of a run's outcomes, the server held to {@code model} (null: none known), found in the kit at {@code kit}. */
    static Scorecard of(List<TestRun.Outcome> outcomes, Model model, Points points, Optional<Path> kit, long millis) {
        int runLesson = model == null ? 0 : model.lesson;
        var byId = new java.util.HashMap<String, Scored>();
        for (var o : outcomes) {
            var entry = Catalogue.of(o.id());
            double max = o.status() == TestRun.Status.SKIPPED ? 0 : points.of(entry, runLesson);
            // A check not judged points where the check that blocks it does: that is what to fix.
            var blocker = o.status() == TestRun.Status.BLOCKED ? byId.get(o.blockedBy()) : null;
            int lesson = blocker != null ? blocker.lesson() : lessonOf(o, entry, model);
            int todo = blocker != null ? blocker.todo() : todoOf(o, entry, lesson, kit);
            byId.put(o.id(), new Scored(o, o.status() == TestRun.Status.PASSED ? max : 0, max, lesson, todo, observed(o.message())));
        }
        var scored = outcomes.stream().map(o -> byId.get(o.id())).toList();
        boolean failed = outcomes.stream().anyMatch(o -> o.status() == TestRun.Status.FAILED || o.status() == TestRun.Status.BLOCKED);
        return new Scorecard(failed ? Status.FAILED : Status.PASSED, TestRun.summary(outcomes),
                scored.stream().mapToDouble(Scored::score).sum(), scored.stream().mapToDouble(Scored::maxScore).sum(),
                model == null ? "" : model.label, runLesson, scored, millis);
    }

    /** The grade of a run where nothing could be judged: no points of the lesson's total, and {@code why}. */
    static Scorecard error(String why, Model model, Points points, long millis) {
        int lesson = model == null ? 0 : model.lesson;
        return new Scorecard(Status.ERROR, why, 0, lesson == 0 ? 0 : points.lessonTotal(lesson), model == null ? "" : model.label,
                lesson, List.of(), millis);
    }

    /** "12 of 28 points": the console's line above the summary. */
    String scoreLine() {
        return "score: %s of %s points".formatted(Points.format(score), Points.format(maxScore));
    }

    // A failure's lesson is its cause's; any other check's, the catalogue's.
    private static int lessonOf(TestRun.Outcome o, Catalogue.Entry entry, Model model) {
        var cause = Cause.named(o.cause());
        if (o.status() == TestRun.Status.FAILED && cause.isPresent()) {
            return Finding.lessonNumberOf(cause.get().where, model);
        }
        return entry.lesson() != Catalogue.MODEL_LESSON ? entry.lesson() : model == null ? 1 : model.lesson;
    }

    // The TODO of the lesson's hints that writes the failure's cause; else the catalogue's, when it is of this lesson.
    private static int todoOf(TestRun.Outcome o, Catalogue.Entry entry, int lesson, Optional<Path> kit) {
        if (kit.isPresent() && !o.cause().isEmpty()) {
            try {
                var byCause = Lessons.todoOfCause(Lessons.hints(Lessons.lesson(lesson).orElseThrow().hints(kit.get())), o.cause());
                if (byCause.isPresent()) {
                    return byCause.get();
                }
            } catch (IOException e) {
                // No hints to read: the catalogue's TODO, below.
            }
        }
        int entryLesson = entry.lesson() == Catalogue.MODEL_LESSON ? lesson : entry.lesson();
        return entryLesson == lesson ? entry.todo() : 0;
    }

    // "observed: abc\n..." -> "abc": what a one-line column shows.
    static String observed(String message) {
        var first = message.lines().findFirst().orElse("");
        return first.startsWith("observed: ") ? first.substring("observed: ".length()) : first;
    }

    /** The kit this suite runs from, for the lessons' hints: the first folder up from here with exercises/ and tests/Conformance.java. */
    static Optional<Path> kit() {
        for (var dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("exercises")) && Files.exists(dir.resolve("tests/Conformance.java"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }
}
