import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What each check is worth (SPEC §4.2): the catalogue's points, unless an instructor's --points file
 * says otherwise. The file has one rule a line, {@code #} starts a comment:
 * <pre>
 * echo.*       = 3     every check whose id matches the glob is worth 3 points (the last matching line wins)
 * robust.flood = 0     not graded
 * lesson 4     = 50    lesson 4's checks are scaled to 50 points in all
 * </pre>
 */
record Points(List<Rule> rules, Map<Integer, Double> lessonTotals) {

    /** Checks whose id matches {@code glob} are worth {@code points}. */
    record Rule(String glob, Predicate<String> matches, double points) {
    }

    /** The catalogue's points, as they are. */
    static final Points DEFAULT = new Points(List.of(), Map.of());

    private static final Pattern RULE = Pattern.compile("^\\s*(?:lesson\\s+(\\d+)|([a-z0-9.*?-]+))\\s*=\\s*(\\d+(?:\\.\\d+)?)\\s*$");

    /** Reads a --points file; a line it cannot read is an error that names it. */
    static Points read(Path file) throws IOException {
        return parse(Files.readAllLines(file), file.toString());
    }

    static Points parse(List<String> lines, String source) {
        var rules = new ArrayList<Rule>();
        var totals = new TreeMap<Integer, Double>();
        for (int i = 0; i < lines.size(); i++) {
            var line = lines.get(i).replaceFirst("#.*", "");
            if (line.isBlank()) {
                continue;
            }
            var m = RULE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("%s:%d: '%s' is neither 'GLOB = POINTS' nor 'lesson N = POINTS'"
                        .formatted(source, i + 1, lines.get(i).strip()));
            }
            double points = Double.parseDouble(m.group(3));
            if (m.group(1) != null) {
                int lesson = Integer.parseInt(m.group(1));
                if (Lessons.lesson(lesson).isEmpty()) {
                    throw new IllegalArgumentException("%s:%d: there is no lesson %d; they are 1 to %d"
                            .formatted(source, i + 1, lesson, Lessons.ALL.size()));
                }
                totals.put(lesson, points);
            } else {
                var glob = TestRun.glob(m.group(2));
                if (Catalogue.ALL.stream().noneMatch(e -> glob.test(e.id()))) {
                    throw new IllegalArgumentException("%s:%d: '%s' matches no check's id (--list shows them)"
                            .formatted(source, i + 1, m.group(2)));
                }
                rules.add(new Rule(m.group(2), glob, points));
            }
        }
        return new Points(List.copyOf(rules), Map.copyOf(totals));
    }

    /** What {@code entry} is worth before any lesson's scaling: the last rule that matches it, else the catalogue's. */
    double of(Catalogue.Entry entry) {
        return rules.reversed().stream().filter(r -> r.matches().test(entry.id())).findFirst().map(Rule::points)
                .orElse((double) entry.points());
    }

    /** What {@code entry} is worth in a run of {@code lesson}'s checks (0: not a lesson's run), scaled to the lesson's total when one is set. */
    double of(Catalogue.Entry entry, int lesson) {
        var total = lessonTotals.get(lesson);
        if (total == null) {
            return of(entry);
        }
        double unscaled = Catalogue.applicable(Lessons.lesson(lesson).orElseThrow().checkedRun()).stream().mapToDouble(this::of).sum();
        return unscaled == 0 ? 0 : of(entry) * total / unscaled;
    }

    /** Lesson {@code lesson}'s total: what its checks are worth, as ./jbang check N runs them. */
    double lessonTotal(int lesson) {
        return Catalogue.applicable(Lessons.lesson(lesson).orElseThrow().checkedRun()).stream()
                .mapToDouble(e -> of(e, lesson)).sum();
    }

    /** The README's table: each lesson's checks, as ./jbang check N runs them, and what they are worth. */
    String lessonTable() {
        var s = new StringBuilder("| lesson | model | checks | points |\n|---|---|---|---|");
        for (var lesson : Lessons.ALL) {
            s.append("\n| %d | %s | %d | %s |".formatted(lesson.number(), lesson.model(),
                    Catalogue.applicable(lesson.checkedRun()).size(), format(lessonTotal(lesson.number()))));
        }
        return s.toString();
    }

    /** "2", "2.5", "33.33": points as a grader shows them. */
    static String format(double points) {
        double rounded = Math.round(points * 100) / 100.0;
        return rounded == Math.rint(rounded) ? Long.toString((long) rounded) : Double.toString(rounded);
    }
}
