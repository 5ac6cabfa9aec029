import java.io.IOException;
import java.io.PrintWriter;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.MethodOrdererContext;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * How the checks run as JUnit tests: in the catalogue's order, each skipped when the run lacks what
 * its entry needs, each handed a {@link Probe} of its own, an I/O error told like any failure.
 */
final class Suite {

    /** A check's id: its method judges the catalogue entry of that id. */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.METHOD)
    @interface CheckId {
        String value();
    }

    /** What every check of one run shares: the server and the run's options. */
    record Run(Target target, Probe.Options options) {
        /** What the run holds of what checks need; the model only when a check asks (it may take a probe to know). */
        Need.Run needs() {
            return new Need.Run(target.raw(), target.local(), target.launch() != null, target::model, target.workers(),
                    target.idleTimeout(), options.soakSeconds());
        }
    }

    private Suite() {
    }

    /** The classes that hold the checks, one per group, in the catalogue's order. */
    static List<Class<?>> groupClasses() {
        return Arrays.stream(CheckGroup.values()).<Class<?>>map(g -> {
            try {
                return Class.forName(g.className());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the checks of group " + g.id + " belong in tests/checks/" + g.className()
                        + ".java, which is not compiled in", e);
            }
        }).toList();
    }

    static Optional<String> idOf(Method method) {
        return Optional.ofNullable(method.getAnnotation(CheckId.class)).map(CheckId::value);
    }

    /** The catalogue's names for the run's tests: its rules, and its groups. */
    static final TestRun.Labels LABELS = new TestRun.Labels() {
        @Override
        public Optional<String> id(Method method) {
            return idOf(method);
        }

        @Override
        public String name(String id, String displayName) {
            return Catalogue.entry(id).map(Catalogue.Entry::rule).orElse(displayName);
        }

        @Override
        public TestRun.Group group(Class<?> testClass, String displayName) {
            return Arrays.stream(CheckGroup.values()).filter(g -> g.className().equals(testClass.getSimpleName()))
                    .findFirst().map(g -> new TestRun.Group(g.id, g.heading()))
                    .orElse(new TestRun.Group(testClass.getSimpleName(), displayName));
        }
    };

    /** Runs the selected checks against {@code target}, printing each to {@code console}; returns their outcomes. */
    static List<TestRun.Outcome> run(Target target, Probe.Options options, Predicate<String> selected, PrintWriter console) {
        var run = new TestRun(LABELS, console);
        return run.run(groupClasses(), Map.of(
                "junit.jupiter.execution.timeout.default", target.timeouts().checkBound().toSeconds() + " s",
                "junit.jupiter.execution.timeout.thread.mode.default", "SEPARATE_THREAD",
                "junit.jupiter.testclass.order.default", GroupOrder.class.getName(),
                "junit.jupiter.testmethod.order.default", CatalogueOrder.class.getName()), selected,
                List.of(new Run(target, options)));
    }

    /** Groups run in the catalogue's order. */
    public static final class GroupOrder implements ClassOrderer {
        @Override
        public void orderClasses(ClassOrdererContext context) {
            var names = Arrays.stream(CheckGroup.values()).map(CheckGroup::className).toList();
            context.getClassDescriptors().sort(Comparator.comparingInt((ClassDescriptor d) -> {
                int at = names.indexOf(d.getTestClass().getSimpleName());
                return at < 0 ? names.size() : at;
            }));
        }
    }

    /** A group's checks run in the catalogue's order. */
    public static final class CatalogueOrder implements MethodOrderer {
        @Override
        public void orderMethods(MethodOrdererContext context) {
            context.getMethodDescriptors().sort(Comparator.comparingInt(
                    d -> d.findAnnotation(CheckId.class).map(c -> Catalogue.order(c.value())).orElse(Catalogue.ALL.size())));
        }
    }

    /** Each check: skipped when the run lacks what it needs; given its Probe; an I/O error becomes its failure. */
    public static final class Extension implements ExecutionCondition, ParameterResolver, TestExecutionExceptionHandler {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            var entry = context.getTestMethod().flatMap(Suite::idOf).flatMap(Catalogue::entry);
            var run = TestRun.session(context, Run.class);
            if (entry.isEmpty() || run == null) {
                return ConditionEvaluationResult.enabled("not a check");
            }
            var missing = Catalogue.missing(entry.get(), run.needs());
            return missing.map(need -> ConditionEvaluationResult.disabled(need.missing))
                    .orElse(ConditionEvaluationResult.enabled("applies"));
        }

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == Probe.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            var id = context.getTestMethod().flatMap(Suite::idOf).orElseThrow(
                    () -> new IllegalStateException(context.getDisplayName() + " takes a Probe but has no @CheckId"));
            var probe = new Probe(TestRun.session(context, Run.class).target(), Catalogue.of(id),
                    TestRun.session(context, Run.class).options());
            context.getStore(ExtensionContext.Namespace.create(Suite.class)).put(Probe.class, probe);
            return probe;
        }

        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable e) throws Throwable {
            var probe = context.getStore(ExtensionContext.Namespace.create(Suite.class)).get(Probe.class, Probe.class);
            if (!(e instanceof IOException) || probe == null) {
                throw e;
            }
            throw probe.observed("the connection failed while the check was still sending or reading: %s: %s",
                            e.getClass().getSimpleName(), e.getMessage())
                    .cause(Cause.CONNECTION_ENDED_EARLY)
                    .error();
        }
    }
}
