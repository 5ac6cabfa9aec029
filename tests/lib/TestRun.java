//DEPS org.junit.jupiter:junit-jupiter:6.1.3
//DEPS org.junit.platform:junit-platform-launcher:6.1.3
//DEPS com.google.code.gson:gson:2.13.2

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.engine.support.store.Namespace;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs JUnit test classes from a script's main, as the kit reports them: one console line per
 * test as it ends (the failure message under it), and the outcomes for the report writers. What a
 * run's tests need (the server under test, say) is handed to them through the launcher session's
 * store, never through static fields.
 */
final class TestRun {

    /** A test's end. BLOCKED: not judged, as something another test judges keeps it from judging its own rule. */
    enum Status { PASSED, FAILED, BLOCKED, SKIPPED }

    /** A group of tests: its short id (for report names) and the heading the console prints. */
    record Group(String id, String heading) {
    }

    /**
     * One test's result: the id reports key on, the rule it states, its group, what happened, the cause's key, and
     * for a blocked one what blocks it.
     */
    record Outcome(String id, String name, Group group, Status status, String message, String cause, String blockedBy,
                   long millis) {
    }

    /** A failure that names its cause by key, for the reports. */
    interface Keyed {
        String cause();
    }

    /** An abort that is a block: the test was not judged because of what {@link #by()} names. */
    interface BlockedBy {
        String by();
    }

    /** How a run names its tests. */
    interface Labels {
        /** The id of the test of {@code method}, when it has one of its own; else its display name is its id. */
        Optional<String> id(Method method);

        /** The rule a test states, for the console and the reports. */
        String name(String id, String displayName);

        /** The group of the tests of {@code testClass}. */
        Group group(Class<?> testClass, String displayName);
    }

    /** The session store's namespace for what the run hands to its tests. */
    static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create("echo-kit");

    /** What a test of the run takes from the session: the value of {@code type} handed to {@link #run}. */
    static <T> T session(ExtensionContext context, Class<T> type) {
        return context.getStore(ExtensionContext.StoreScope.LAUNCHER_SESSION, NAMESPACE).get(type, type);
    }

    /** The selection of a run, for the invocations of parameterized tests: they exist only once they run. */
    record Selection(Predicate<String> accepts) {
    }

    private final Labels labels;
    private final PrintWriter console;
    private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());

    TestRun(Labels labels, PrintWriter console) {
        this.labels = labels;
        this.console = console;
    }

    /**
     * Runs the tests of {@code classes} whose id {@code selected} accepts, with {@code session} (by type) in the
     * launcher session's store; returns their outcomes.
     */
    List<Outcome> run(List<Class<?>> classes, Map<String, String> configuration, Predicate<String> selected,
                      List<Object> session) {
        outcomes.clear();
        var request = LauncherDiscoveryRequestBuilder.request()
                .selectors(classes.stream().map(c -> selectClass(c)).toList())
                .configurationParameters(configuration)
                .filters((PostDiscoveryFilter) descriptor -> descriptor.getSource()
                        .filter(MethodSource.class::isInstance)
                        .filter(source -> !descriptor.isContainer())
                        .map(source -> labels.id(((MethodSource) source).getJavaMethod()).orElse(descriptor.getDisplayName()))
                        .map(id -> FilterResult.includedIf(selected.test(id), () -> "selected", () -> NOT_SELECTED))
                        .orElse(FilterResult.included("container: SelectInvocations selects what it holds")))
                .build();
        try (var launcherSession = LauncherFactory.openSession()) {
            var store = launcherSession.getStore();
            var namespace = Namespace.create(NAMESPACE.getParts().toArray());
            store.put(namespace, Selection.class, new Selection(selected));
            for (var value : session) {
                store.put(namespace, value.getClass(), value);
            }
            var launcher = launcherSession.getLauncher();
            var plan = launcher.discover(request);
            launcher.execute(plan, new Console(plan));
        }
        return List.copyOf(outcomes);
    }

    private static final String NOT_SELECTED = "not selected";

    /**
     * On a class with parameterized tests: an invocation runs when the selection accepts its own
     * display name or its method's.
     */
    static final class SelectInvocations implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            var template = context.getParent().filter(parent -> parent.getTestMethod().isPresent());
            var selection = session(context, Selection.class);
            if (context.getTestMethod().isEmpty() || template.isEmpty() || selection == null
                    || selection.accepts().test(context.getDisplayName()) || selection.accepts().test(template.get().getDisplayName())) {
                return ConditionEvaluationResult.enabled("selected");
            }
            return ConditionEvaluationResult.disabled(NOT_SELECTED);
        }
    }

    /** Prints each test as it ends, and records its outcome. */
    private final class Console implements TestExecutionListener {
        private final TestPlan plan;
        private final Map<TestIdentifier, Long> starts = new ConcurrentHashMap<>();
        private final Map<TestIdentifier, List<String>> notes = new ConcurrentHashMap<>();
        private Group lastGroup;
        private String lastSkipReason = "";

        Console(TestPlan plan) {
            this.plan = plan;
        }

        @Override
        public void executionStarted(TestIdentifier test) {
            starts.put(test, System.nanoTime());
        }

        // What a test published with TestReporter: printed under its line.
        @Override
        public void reportingEntryPublished(TestIdentifier test, ReportEntry entry) {
            entry.getKeyValuePairs().forEach((key, value) ->
                    notes.computeIfAbsent(test, t -> new ArrayList<>()).add(key + ": " + value));
        }

        @Override
        public void executionSkipped(TestIdentifier test, String reason) {
            if (NOT_SELECTED.equals(reason)) {
                return;
            }
            if (test.isTest()) {
                record(test, Status.SKIPPED, reason, "", "", 0);
            } else {
                plan.getDescendants(test).stream().filter(TestIdentifier::isTest)
                        .forEach(t -> record(t, Status.SKIPPED, reason, "", "", 0));
            }
        }

        @Override
        public void executionFinished(TestIdentifier test, TestExecutionResult result) {
            long millis = (System.nanoTime() - starts.getOrDefault(test, System.nanoTime())) / 1_000_000;
            var error = result.getThrowable().map(TestRun::describe).orElse("");
            var cause = result.getThrowable().filter(Keyed.class::isInstance).map(t -> ((Keyed) t).cause()).orElse("");
            var blockedBy = result.getThrowable().filter(BlockedBy.class::isInstance).map(t -> ((BlockedBy) t).by());
            var status = switch (result.getStatus()) {
                case SUCCESSFUL -> Status.PASSED;
                case ABORTED -> blockedBy.isPresent() ? Status.BLOCKED : Status.SKIPPED;
                case FAILED -> Status.FAILED;
            };
            // A group that failed as a whole (set-up, say) must not vanish from the counts.
            if (test.isTest() || status == Status.FAILED) {
                record(test, status, error, cause, blockedBy.orElse(""), millis);
            }
        }

        private synchronized void record(TestIdentifier test, Status status, String message, String cause, String blockedBy,
                                         long millis) {
            var group = groupOf(test);
            var method = test.getSource().filter(MethodSource.class::isInstance).map(s -> ((MethodSource) s).getJavaMethod());
            var id = method.flatMap(labels::id).orElse(test.getDisplayName());
            var name = labels.name(id, test.getDisplayName());
            var outcome = new Outcome(id, name, group, status, message == null ? "" : message, cause, blockedBy, millis);
            outcomes.add(outcome);
            if (!group.equals(lastGroup)) {
                console.println();
                console.println(group.heading());
                lastGroup = group;
            }
            var mark = switch (status) {
                case PASSED -> "PASS";
                case FAILED -> "FAIL";
                case BLOCKED -> "BLOCKED";
                case SKIPPED -> "SKIP";
            };
            console.printf("  %s %s%s%s%n", mark, id, id.equals(name) ? "" : "  " + name,
                    status == Status.SKIPPED || status == Status.BLOCKED ? "" : " (" + millis + " ms)");
            for (var note : notes.getOrDefault(test, List.of())) {
                console.println("       " + note);
            }
            // A skip's (or block's) reason is printed once for a run of them that share it.
            boolean unjudged = status == Status.SKIPPED || status == Status.BLOCKED;
            boolean repeated = unjudged && outcome.message().equals(lastSkipReason);
            lastSkipReason = unjudged ? outcome.message() : "";
            if (!outcome.message().isEmpty() && status != Status.PASSED && !repeated) {
                for (var line : outcome.message().split("\n")) {
                    console.println("       " + line);
                }
            }
            console.flush();
        }

        // The nearest enclosing class: a parameterized test's own container is not a group of its own.
        private Group groupOf(TestIdentifier test) {
            for (var parent = plan.getParent(test); parent.isPresent(); parent = plan.getParent(parent.get())) {
                var source = parent.get().getSource().filter(ClassSource.class::isInstance).map(s -> ((ClassSource) s).getJavaClass());
                if (source.isPresent()) {
                    return labels.group(source.get(), parent.get().getDisplayName());
                }
            }
            return new Group("", "");
        }
    }

    /** A failure's message; for an exception that is not an assertion, its type too. */
    static String describe(Throwable t) {
        var message = Optional.ofNullable(t.getMessage()).orElse("").strip();
        if (t instanceof org.opentest4j.TestAbortedException) {
            return message.replaceFirst("^Assumption failed: ", "");
        }
        if (t instanceof AssertionError || t.getClass().getName().startsWith("org.opentest4j")) {
            return message;
        }
        if (t instanceof java.util.concurrent.TimeoutException) {
            return "the check ran past its time bound: " + message.replaceFirst("^.*timed out after ", "it took more than ");
        }
        // Not the server's doing: an error of the suite itself, said as such (and what it was, for a report).
        return "the check stopped on an error of the suite itself, not of the server (please report it): "
                + (message.isEmpty() ? "it gave no message" : message);
    }

    /** A test selection from --only and --skip globs ('*' any text, '?' one character), matched against ids. */
    static Predicate<String> selection(List<String> only, List<String> skip) {
        var include = only.stream().map(TestRun::glob).toList();
        var exclude = skip.stream().map(TestRun::glob).toList();
        return id -> (include.isEmpty() || include.stream().anyMatch(p -> p.test(id))) && exclude.stream().noneMatch(p -> p.test(id));
    }

    static Predicate<String> glob(String glob) {
        var regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            regex.append(switch (c) {
                case '*' -> ".*";
                case '?' -> ".";
                default -> java.util.regex.Pattern.quote(String.valueOf(c));
            });
        }
        return java.util.regex.Pattern.compile(regex.toString()).asMatchPredicate();
    }

    static long count(List<Outcome> outcomes, Status status) {
        return outcomes.stream().filter(o -> o.status() == status).count();
    }

    /**
     * "N passed, M failed" and ", K skipped" when some were, blocked ones counted among the skipped (SPEC §4);
     * when some were blocked, a line above it says which, and by what.
     */
    static String summary(List<Outcome> outcomes) {
        long skipped = count(outcomes, Status.SKIPPED) + count(outcomes, Status.BLOCKED);
        var last = count(outcomes, Status.PASSED) + " passed, " + count(outcomes, Status.FAILED) + " failed"
                + (skipped > 0 ? ", " + skipped + " skipped" : "");
        var blocked = outcomes.stream().filter(o -> o.status() == Status.BLOCKED)
                .collect(java.util.stream.Collectors.groupingBy(Outcome::blockedBy, java.util.LinkedHashMap::new,
                        java.util.stream.Collectors.mapping(Outcome::id, java.util.stream.Collectors.toList())));
        if (blocked.isEmpty()) {
            return last;
        }
        var above = blocked.entrySet().stream().map(e -> String.join(", ", e.getValue()) + " ("
                        + (e.getKey().startsWith("the ") ? "blocked: " : "blocked by ") + e.getKey() + ")")
                .collect(java.util.stream.Collectors.joining("; "));
        return count(outcomes, Status.BLOCKED) + " not judged: " + above + "\n" + last;
    }
}
