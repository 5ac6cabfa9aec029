//DEPS org.junit.jupiter:junit-jupiter:6.1.3
//DEPS org.junit.platform:junit-platform-launcher:6.1.3
//DEPS com.google.code.gson:gson:2.13.2

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs JUnit test classes from a script's main, as the kit reports them: one console line per
 * test as it ends (the failure message under it), then JUnit XML, JSON and a summary line.
 * A test's id comes from its method (the suite's check ids), or is its display name.
 */
final class TestRun {

    enum Status { PASSED, FAILED, SKIPPED }

    /** One test's result: the id reports key on, the rule it states, its group, and what happened. */
    record Outcome(String id, String name, String group, Status status, String message, long millis) {
    }

    private final Function<Method, Optional<String>> idOf;
    private final PrintStream console;
    private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    private final Instant started = Instant.now();

    TestRun(Function<Method, Optional<String>> idOf, PrintStream console) {
        this.idOf = idOf;
        this.console = console;
    }

    /** Runs the tests of {@code classes} whose id {@code selected} accepts; returns their outcomes. */
    List<Outcome> run(List<Class<?>> classes, Map<String, String> configuration, Predicate<String> selected) {
        outcomes.clear();
        var request = LauncherDiscoveryRequestBuilder.request()
                .selectors(classes.stream().map(c -> selectClass(c)).toList())
                .configurationParameters(configuration)
                .filters((PostDiscoveryFilter) descriptor -> descriptor.getSource()
                        .filter(MethodSource.class::isInstance)
                        .filter(source -> !descriptor.isContainer())
                        .map(source -> idOf.apply(((MethodSource) source).getJavaMethod()).orElse(descriptor.getDisplayName()))
                        .map(id -> FilterResult.includedIf(selected.test(id), () -> "selected", () -> "not selected"))
                        .orElse(FilterResult.included("container: SelectInvocations selects what it holds")))
                .build();
        invocations = selected;
        run(request);
        return List.copyOf(outcomes);
    }

    /** What run() selected, for the invocations of parameterized tests: they exist only once they run. */
    private static volatile Predicate<String> invocations = name -> true;

    private static final String NOT_SELECTED = "not selected";

    /**
     * On a class with parameterized tests: an invocation runs when the selection accepts its own
     * display name or its method's.
     */
    static final class SelectInvocations implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            var template = context.getParent().filter(parent -> parent.getTestMethod().isPresent());
            if (context.getTestMethod().isEmpty() || template.isEmpty()
                    || invocations.test(context.getDisplayName()) || invocations.test(template.get().getDisplayName())) {
                return ConditionEvaluationResult.enabled("selected");
            }
            return ConditionEvaluationResult.disabled(NOT_SELECTED);
        }
    }

    private void run(LauncherDiscoveryRequest request) {
        var launcher = LauncherFactory.create();
        var plan = launcher.discover(request);
        launcher.execute(plan, new Console(plan));
    }

    /** Prints each test as it ends, and records its outcome. */
    private final class Console implements TestExecutionListener {
        private final TestPlan plan;
        private final Map<TestIdentifier, Long> starts = new ConcurrentHashMap<>();
        private final Map<TestIdentifier, List<String>> notes = new ConcurrentHashMap<>();
        private String lastGroup = "";
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
                record(test, Status.SKIPPED, reason, 0);
            } else {
                plan.getDescendants(test).stream().filter(TestIdentifier::isTest)
                        .forEach(t -> record(t, Status.SKIPPED, reason, 0));
            }
        }

        @Override
        public void executionFinished(TestIdentifier test, TestExecutionResult result) {
            long millis = (System.nanoTime() - starts.getOrDefault(test, System.nanoTime())) / 1_000_000;
            var error = result.getThrowable().map(TestRun::describe).orElse("");
            var status = switch (result.getStatus()) {
                case SUCCESSFUL -> Status.PASSED;
                case ABORTED -> Status.SKIPPED;
                case FAILED -> Status.FAILED;
            };
            if (test.isTest()) {
                record(test, status, error, millis);
            } else if (status == Status.FAILED) {
                // A group that failed as a whole (set-up, say) must not vanish from the counts.
                record(test, status, error, millis);
            }
        }

        private synchronized void record(TestIdentifier test, Status status, String message, long millis) {
            var group = groupOf(test);
            var id = id(test);
            var outcome = new Outcome(id, test.getDisplayName(), group, status, message == null ? "" : message, millis);
            outcomes.add(outcome);
            if (!group.equals(lastGroup)) {
                console.println();
                console.println(group);
                lastGroup = group;
            }
            var mark = switch (status) {
                case PASSED -> "PASS";
                case FAILED -> "FAIL";
                case SKIPPED -> "SKIP";
            };
            var name = id.equals(test.getDisplayName()) ? "" : "  " + test.getDisplayName();
            console.printf("  %s %s%s%s%n", mark, id, name, status == Status.SKIPPED ? "" : " (" + millis + " ms)");
            for (var note : notes.getOrDefault(test, List.of())) {
                console.println("       " + note);
            }
            // A skip's reason is printed once for a run of skips that share it.
            boolean repeated = status == Status.SKIPPED && outcome.message().equals(lastSkipReason);
            lastSkipReason = status == Status.SKIPPED ? outcome.message() : "";
            if (!outcome.message().isEmpty() && status != Status.PASSED && !repeated) {
                for (var line : outcome.message().split("\n")) {
                    console.println("       " + line);
                }
            }
            console.flush();
        }

        // The nearest enclosing class: a parameterized test's own container is not a group of its own.
        private String groupOf(TestIdentifier test) {
            for (var parent = plan.getParent(test); parent.isPresent(); parent = plan.getParent(parent.get())) {
                if (parent.get().getSource().filter(ClassSource.class::isInstance).isPresent()) {
                    return parent.get().getDisplayName();
                }
            }
            return "";
        }

        private String id(TestIdentifier test) {
            return test.getSource().filter(MethodSource.class::isInstance)
                    .flatMap(s -> idOf.apply(((MethodSource) s).getJavaMethod()))
                    .orElse(test.getDisplayName());
        }
    }

    /** A failure's message; for an exception that is not an assertion, its type too. */
    static String describe(Throwable t) {
        var message = Optional.ofNullable(t.getMessage()).orElse("").strip();
        if (t.getClass().getSimpleName().equals("TestAbortedException")) {
            return message.replaceFirst("^Assumption failed: ", "");
        }
        if (t instanceof AssertionError || t.getClass().getName().startsWith("org.opentest4j")) {
            return message;
        }
        if (t instanceof java.util.concurrent.TimeoutException) {
            return "the check ran past its time bound: " + message;
        }
        return t.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }

    /** A test selection from --only and --skip globs ('*' any text, '?' one character), matched against ids. */
    static Predicate<String> selection(List<String> only, List<String> skip) {
        var include = only.stream().map(TestRun::glob).toList();
        var exclude = skip.stream().map(TestRun::glob).toList();
        return id -> (include.isEmpty() || include.stream().anyMatch(p -> p.test(id))) && exclude.stream().noneMatch(p -> p.test(id));
    }

    private static Predicate<String> glob(String glob) {
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

    /** "N passed, M failed" and ", K skipped" when some were. */
    static String summary(List<Outcome> outcomes) {
        long skipped = count(outcomes, Status.SKIPPED);
        return count(outcomes, Status.PASSED) + " passed, " + count(outcomes, Status.FAILED) + " failed"
                + (skipped > 0 ? ", " + skipped + " skipped" : "");
    }

    /** JUnit XML as CI systems read it: one testcase per test, named by its id. */
    void writeJUnitXml(Path file, String suiteName, List<Outcome> all, Map<String, ?> properties) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (var out = Files.newBufferedWriter(file)) {
            var xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("testsuite");
            xml.writeAttribute("name", suiteName);
            xml.writeAttribute("tests", Integer.toString(all.size()));
            xml.writeAttribute("failures", Long.toString(count(all, Status.FAILED)));
            xml.writeAttribute("errors", "0");
            xml.writeAttribute("skipped", Long.toString(count(all, Status.SKIPPED)));
            xml.writeAttribute("time", seconds(all.stream().mapToLong(Outcome::millis).sum()));
            xml.writeAttribute("timestamp", started.truncatedTo(ChronoUnit.SECONDS).toString());
            xml.writeAttribute("hostname", hostname());
            xml.writeCharacters("\n  ");
            xml.writeStartElement("properties");
            for (var p : properties.entrySet()) {
                xml.writeCharacters("\n    ");
                xml.writeEmptyElement("property");
                xml.writeAttribute("name", p.getKey());
                xml.writeAttribute("value", xmlSafe(String.valueOf(p.getValue())));
            }
            xml.writeCharacters("\n  ");
            xml.writeEndElement();
            for (var o : all) {
                xml.writeCharacters("\n  ");
                xml.writeStartElement("testcase");
                xml.writeAttribute("classname", suiteName + (o.group().isEmpty() ? "" : "." + o.group()));
                xml.writeAttribute("name", o.id());
                xml.writeAttribute("time", seconds(o.millis()));
                if (!o.name().equals(o.id())) {
                    xml.writeStartElement("properties");
                    xml.writeEmptyElement("property");
                    xml.writeAttribute("name", "rule");
                    xml.writeAttribute("value", xmlSafe(o.name()));
                    xml.writeEndElement();
                }
                switch (o.status()) {
                    case FAILED -> {
                        xml.writeStartElement("failure");
                        xml.writeAttribute("message", xmlSafe(o.message().lines().findFirst().orElse("failed")));
                        xml.writeAttribute("type", "AssertionError");
                        xml.writeCharacters(xmlSafe(o.message()));
                        xml.writeEndElement();
                    }
                    case SKIPPED -> {
                        xml.writeEmptyElement("skipped");
                        xml.writeAttribute("message", xmlSafe(o.message()));
                    }
                    case PASSED -> { }
                }
                xml.writeEndElement();
            }
            xml.writeCharacters("\n");
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IOException("writing " + file + ": " + e.getMessage(), e);
        }
    }

    /** The JSON report (SPEC §4.2): counts, the model, every check with status, message and time, and {@code extra}. */
    static void writeJson(Path file, List<Outcome> all, String model, Map<String, Object> extra) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        var report = new LinkedHashMap<String, Object>();
        report.put("passed", count(all, Status.PASSED));
        report.put("failed", count(all, Status.FAILED));
        report.put("skipped", count(all, Status.SKIPPED));
        report.put("model", model);
        report.put("checks", all.stream().map(o -> {
            var check = new LinkedHashMap<String, Object>();
            check.put("id", o.id());
            check.put("name", o.name());
            check.put("status", o.status().name().toLowerCase());
            check.put("message", o.message());
            check.put("millis", o.millis());
            return check;
        }).toList());
        report.putAll(extra);
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
                .create().toJson(report) + "\n");
    }

    private static String seconds(long millis) {
        return "%.3f".formatted(millis / 1000.0);
    }

    // XML 1.0 has no way to write most control characters, even escaped.
    private static String xmlSafe(String s) {
        return s.codePoints().map(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t' ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
