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
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;

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

    /** What every check of one run shares: the server (as it is now) and the run's options. */
    record Run(Session session, Probe.Options options) {
        /** What the run holds of what checks need; the model only when a check asks (it may take a probe to know). */
        Need.Run needs() {
            var target = session.target();
            return new Need.Run(target.raw(), target.local(), target.launch() != null, () -> session.target().model(),
                    target.workers(), target.idleTimeout(), options.soakSeconds());
        }
    }

    /** A check not judged: what another rule judges (or the server's being gone) keeps it from judging its own. */
    static final class Blocked extends org.opentest4j.TestAbortedException implements TestRun.BlockedBy {
        private final String by;

        Blocked(String by, String why) {
            super(why);
            this.by = by;
        }

        @Override
        public String by() {
            return by;
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

    /** Runs the selected checks against the session's server, printing each to {@code console}; returns their outcomes. */
    static List<TestRun.Outcome> run(Session session, Probe.Options options, Predicate<String> selected, PrintWriter console) {
        var run = new TestRun(LABELS, console);
        return run.run(groupClasses(), Map.of(
                "junit.jupiter.execution.timeout.default", session.target().timeouts().checkBound().toSeconds() + " s",
                "junit.jupiter.execution.timeout.thread.mode.default", "SEPARATE_THREAD",
                "junit.jupiter.testclass.order.default", GroupOrder.class.getName(),
                "junit.jupiter.testmethod.order.default", CatalogueOrder.class.getName()), selected,
                List.of(new Run(session, options)));
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

    /**
     * Each check: skipped when the run lacks what it needs; blocked when a rule it relies on failed, or the server
     * is gone; given its Probe; failed, saying how, when the server died during it (the next check gets the server
     * launched again); an I/O error told like any failure.
     */
    public static final class Extension implements ExecutionCondition, BeforeEachCallback, ParameterResolver,
            TestExecutionExceptionHandler, AfterTestExecutionCallback, TestWatcher {

        private static final ExtensionContext.Namespace HERE = ExtensionContext.Namespace.create(Suite.class);

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            var entry = entry(context);
            var run = TestRun.session(context, Run.class);
            if (entry.isEmpty() || run == null) {
                return ConditionEvaluationResult.enabled("not a check");
            }
            var missing = Catalogue.missing(entry.get(), run.needs());
            return missing.map(need -> ConditionEvaluationResult.disabled(need.missing))
                    .orElse(ConditionEvaluationResult.enabled("applies"));
        }

        @Override
        public void beforeEach(ExtensionContext context) throws Exception {
            var entry = entry(context).orElseThrow();
            var session = TestRun.session(context, Run.class).session();
            session.ensureServer();
            context.getStore(HERE).put(Long.class, session.target().launch() == null ? 0L : session.target().launch().beginCheck());
            context.getStore(HERE).put(Integer.class, session.target().sockets());
            var gone = session.gone();
            if (gone.isPresent()) {
                throw new Blocked("the server is gone", "not judged: the server is gone (" + gone.get() + ")");
            }
            for (var relied : entry.reliesOn()) {
                var id = Catalogue.mapped(relied, session.target().raw());
                var verdict = session.verdict(id);
                if (verdict.filter(v -> v == TestRun.Status.FAILED || v == TestRun.Status.BLOCKED).isPresent()) {
                    throw new Blocked(id, "not judged, blocked by %s: this check relies on its rule (%s), which %s"
                            .formatted(id, Catalogue.of(id).rule(), verdict.get() == TestRun.Status.FAILED
                                    ? "the server broke: fix that first" : "could not be judged either"));
                }
            }
        }

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == Probe.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            var entry = entry(context).orElseThrow(
                    () -> new IllegalStateException(context.getDisplayName() + " takes a Probe but has no @CheckId"));
            var run = TestRun.session(context, Run.class);
            var probe = new Probe(run.session(), entry, run.options());
            context.getStore(HERE).put(Probe.class, probe);
            return probe;
        }

        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable e) throws Throwable {
            var probe = context.getStore(HERE).get(Probe.class, Probe.class);
            if (probe == null || e instanceof org.opentest4j.TestAbortedException) {
                throw e;
            }
            var death = probe.entry().endsTheServer() ? Optional.<String>empty() : probe.session().death();
            if (death.isPresent()) {
                throw died(context, probe, death.get(), e);
            }
            if (e instanceof Finding.Failure f && f.cause().equals(Cause.SERVER_GONE.name())) {
                probe.session().lost("nothing listens on " + probe.target().hostPort() + " any more");
            }
            if (e instanceof IOException) {
                throw probe.observed("the connection failed while the check was still sending or reading (%s)", e.getMessage())
                        .cause(Cause.CONNECTION_ENDED_EARLY)
                        .error();
            }
            throw e;
        }

        @Override
        public void afterTestExecution(ExtensionContext context) {
            var probe = context.getStore(HERE).get(Probe.class, Probe.class);
            if (probe == null || probe.entry().endsTheServer()) {
                return;
            }
            probe.target().settle(context.getStore(HERE).getOrDefault(Integer.class, Integer.class, 0));
            if (context.getExecutionException().isPresent()) {
                return;
            }
            var death = probe.session().death();
            if (death.isPresent()) {
                throw died(context, probe, death.get(), null);
            }
        }

        // The server died during the check: how, its last words, and what happens next.
        private static AssertionError died(ExtensionContext context, Probe probe, String how, Throwable seen) {
            var launch = probe.target().launch();
            Long mark = context.getStore(HERE).get(Long.class, Long.class);
            var f = probe.observed("%s during this check", how);
            var cause = Cause.SERVER_DIED;
            if (seen != null) {
                f.detail("what the check saw: " + String.valueOf(seen.getMessage()).lines().findFirst().orElse("")
                        .replaceFirst("^observed: ", ""));
            }
            if (launch != null) {
                launch.awaitLastWords(java.time.Duration.ofSeconds(1));
                var lines = launch.crashLines(mark == null ? 0 : mark);
                // The exception names the cause when it is one a lesson teaches to avoid.
                cause = Cause.ofDeath(lines);
                // An exception is shown under the message as what the server threw; other last words here.
                if (launch.thrown(mark == null ? 0 : mark).isEmpty()) {
                    f.detail(lines.isEmpty() ? "it wrote nothing to its standard error"
                            : "its last words on standard error:\n" + String.join("\n", lines.stream().map(l -> "| " + Finding.Sanitize.line(l)).toList()));
                }
                f.detail("the suite launches it again for the next check");
            } else {
                f.detail("the checks after this one are blocked: the server is gone");
            }
            return f.cause(cause).error();
        }

        @Override
        public void testSuccessful(ExtensionContext context) {
            record(context, TestRun.Status.PASSED);
        }

        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            record(context, TestRun.Status.FAILED);
        }

        @Override
        public void testAborted(ExtensionContext context, Throwable cause) {
            record(context, cause instanceof Blocked ? TestRun.Status.BLOCKED : TestRun.Status.SKIPPED);
        }

        @Override
        public void testDisabled(ExtensionContext context, Optional<String> reason) {
            record(context, TestRun.Status.SKIPPED);
        }

        private static void record(ExtensionContext context, TestRun.Status status) {
            var run = TestRun.session(context, Run.class);
            entry(context).ifPresent(e -> {
                if (run != null) {
                    run.session().record(e.id(), status);
                }
            });
        }

        private static Optional<Catalogue.Entry> entry(ExtensionContext context) {
            return context.getTestMethod().flatMap(Suite::idOf).flatMap(Catalogue::entry);
        }
    }
}
