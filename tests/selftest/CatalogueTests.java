import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalogue is the one place a check's facts live: every entry has its method and every method
 * its entry, and every key named anywhere (hints.md, the faults' headers, the catalogue's own texts)
 * is a cause the suite defines and produces. A failure names the file and line to fix.
 */
@Order(1)
@DisplayName("the catalogue of checks and the cause keys (tests/lib/Catalogue.java, tests/lib/Cause.java)")
class CatalogueTests {

    @Test
    @DisplayName("catalogue: every entry has one method in its group's file, and every check method has an entry")
    void entriesAndMethods() {
        var problems = new ArrayList<String>();
        var methods = new HashSet<String>();
        for (var group : Suite.groupClasses()) {
            for (var method : group.getDeclaredMethods()) {
                var id = Suite.idOf(method);
                if (id.isEmpty()) {
                    continue;
                }
                var where = "tests/checks/" + group.getSimpleName() + ".java, method " + method.getName();
                if (!methods.add(id.get())) {
                    problems.add(where + ": a second method for " + id.get());
                }
                var entry = Catalogue.entry(id.get());
                if (entry.isEmpty()) {
                    problems.add(where + ": @CheckId(\"" + id.get() + "\") has no entry in tests/lib/Catalogue.java");
                } else if (!entry.get().group().className().equals(group.getSimpleName())) {
                    problems.add(where + ": " + id.get() + " belongs in tests/checks/" + entry.get().group().className() + ".java");
                }
            }
        }
        for (var entry : Catalogue.ALL) {
            if (!methods.contains(entry.id())) {
                problems.add("tests/lib/Catalogue.java: " + entry.id() + " has no method with @CheckId(\"" + entry.id()
                        + "\") in tests/checks/" + entry.group().className() + ".java");
            }
        }
        assertThat(problems).as("entries and methods").isEmpty();
    }

    @Test
    @DisplayName("catalogue: ids are unique and in their group, with a rule, why, fix, points, and rules relied on that run before")
    void entriesAreWhole() {
        var problems = new ArrayList<String>();
        var ids = new HashSet<String>();
        for (var e : Catalogue.ALL) {
            var at = "tests/lib/Catalogue.java, " + e.id() + ": ";
            if (!ids.add(e.id())) {
                problems.add(at + "the id comes twice");
            }
            if (!e.id().startsWith(e.group().id + ".")) {
                problems.add(at + "its id does not start with its group, " + e.group().id + ".");
            }
            if (e.rule().isBlank() || e.why().isBlank() || e.fix().isBlank()) {
                problems.add(at + "a rule, why it matters, and how to fix a failure are all needed");
            }
            if (e.points() < 1) {
                problems.add(at + "points must be 1 or more");
            }
            if (e.lesson() < Catalogue.MODEL_LESSON || e.lesson() > Lessons.ALL.size()) {
                problems.add(at + "lesson " + e.lesson() + " does not exist");
            }
            e.reliesOn().stream().filter(r -> Catalogue.entry(r).isEmpty())
                    .forEach(r -> problems.add(at + "relies on " + r + ", which is no check"));
            // A verdict is known only once its check has run.
            e.reliesOn().stream().filter(r -> Catalogue.order(r) >= Catalogue.order(e.id()))
                    .forEach(r -> problems.add(at + "relies on " + r + ", which runs after it"));
        }
        assertThat(problems).as("catalogue entries").isEmpty();
        assertThat(Catalogue.ALL).extracting(Catalogue.Entry::group).as("groups in the order they run")
                .isSortedAccordingTo(java.util.Comparator.naturalOrder());
    }

    @Test
    @DisplayName("catalogue: an entry's TODO is one its lesson's solution marks (//> N)")
    void todosExist() throws IOException {
        var problems = new ArrayList<String>();
        for (var e : Catalogue.ALL) {
            if (e.todo() > 0 && e.lesson() != Catalogue.MODEL_LESSON) {
                var lesson = Lessons.lesson(e.lesson()).orElseThrow();
                var todos = Lessons.todos(Kit.ROOT, lesson).stream().map(Lessons.Todo::number).toList();
                if (!todos.contains(e.todo())) {
                    problems.add("tests/lib/Catalogue.java, " + e.id() + ": lesson " + e.lesson() + " has no TODO(" + e.todo()
                            + "); it has " + todos.stream().distinct().sorted().toList());
                }
            }
        }
        assertThat(problems).as("TODOs named by the catalogue").isEmpty();
    }

    @Test
    @DisplayName("keys: every cause key named in hints.md, a fault's header or the catalogue's texts is defined")
    void namedKeysAreDefined() throws IOException {
        var problems = new ArrayList<String>();
        for (var lesson : Lessons.ALL) {
            checkKeys(lesson.hints(Kit.ROOT), "Causes: ", problems);
        }
        for (var fault : Fault.all()) {
            checkKeys(fault.file(), "Cause: ", problems);
            var ids = new java.util.ArrayList<>(fault.mustFail());
            ids.addAll(fault.mayFail());
            ids.stream().filter(id -> Catalogue.entry(id).isEmpty()).forEach(id -> problems.add(
                    Kit.ROOT.relativize(fault.file()) + ": " + id + ", in its Must fail or May fail, is no check of the catalogue"));
            for (var line : Files.readAllLines(fault.file())) {
                var text = Fault.uncommented(line);
                if (text.startsWith("May fail: ") && !text.strip().equals("May fail: nothing") && !Fault.MAY.matcher(text.substring(10)).replaceAll("").replaceAll("[,\\s]", "").isEmpty()) {
                    problems.add(Kit.ROOT.relativize(fault.file()) + ": its May fail lists each check with its reason: id (reason), ...");
                }
            }
            if (fault.mustFail().isEmpty() || fault.causes().isEmpty()) {
                problems.add(Kit.ROOT.relativize(fault.file()) + ": a fault declares the checks it must fail and the cause of the first");
            }
        }
        for (var e : Catalogue.ALL) {
            var m = Pattern.compile("\\{([A-Za-z0-9_]+)}").matcher(e.why() + " " + e.fix());
            while (m.find()) {
                if (Cause.named(m.group(1)).isEmpty()) {
                    problems.add("tests/lib/Catalogue.java, " + e.id() + ": {" + m.group(1) + "} is no cause key of tests/lib/Cause.java");
                }
            }
        }
        assertThat(problems).as("cause keys named but not defined").isEmpty();
    }

    // Every word of the lines of {@code file} that start with {@code prefix} must be a cause key.
    private static void checkKeys(Path file, String prefix, List<String> problems) throws IOException {
        var lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            var line = Fault.uncommented(lines.get(i));
            if (line.startsWith(prefix)) {
                for (var key : line.substring(prefix.length()).trim().split("\\s+")) {
                    if (Cause.named(key).isEmpty()) {
                        problems.add("%s:%d: %s is no cause key of tests/lib/Cause.java".formatted(Kit.ROOT.relativize(file), i + 1, key));
                    }
                }
            }
        }
    }

    @Test
    @DisplayName("keys: every cause defined is produced by the suite's code (tests/checks, tests/lib)")
    void definedKeysAreProduced() throws IOException {
        var code = new StringBuilder();
        try (var files = Stream.concat(Files.list(Kit.ROOT.resolve("tests/checks")), Files.list(Kit.ROOT.resolve("tests/lib")))) {
            for (var file : files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("Cause.java")).toList()) {
                code.append(Files.readString(file));
            }
        }
        // A cause named by the exception a server dies of is produced by Cause.ofDeath, which Suite and ShutdownChecks call.
        assertThat(code).as("the code that tells a death's cause by its exception").contains("Cause.ofDeath(");
        var unused = Arrays.stream(Cause.values()).filter(c -> !code.toString().contains("Cause." + c.name()) && !c.namedByDeath())
                .map(c -> "tests/lib/Cause.java: " + c.name() + " is defined but no check produces it").toList();
        assertThat(unused).as("causes no check produces").isEmpty();
    }

    @Test
    @DisplayName("keys: a cause's sentence takes its measures as %s only, and reads whole once they are filled in")
    void sentences() {
        for (var cause : Cause.values()) {
            assertThat(cause.template().replace("%s", "")).as("%s's sentence", cause).doesNotContain("%");
            int holes = cause.template().split("%s", -1).length - 1;
            var filled = cause.with((Object[]) java.util.Collections.nCopies(holes, "7").toArray()).sentence();
            assertThat(filled).as("%s's sentence", cause).doesNotContain("%s").matches("^[a-zA-Z0-9].*[^ .]$");
        }
    }
}
