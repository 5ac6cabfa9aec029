import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import static org.assertj.core.api.Assertions.assertThat;

/** The kit's files, and ways to run its scripts as a user would (./jbang FILE ARGS), for the self-test. */
final class Kit {

    /** The kit's folder: the nearest one up from here with ./jbang and tests/Conformance.java. */
    static final Path ROOT = findRoot();

    /** How long one run of the suite may take, JBang included, before the self-test ends it. */
    static final Duration SUITE_BOUND = Duration.ofMinutes(4);

    /**
     * Marks the processes of one run, inherited by all they start (a server's children too, even once
     * orphaned): a leftover is found as ours, and another run on the same machine is left alone.
     */
    static final String MARK = "ECHO_KIT_SELFTEST_RUN";

    private Kit() {
    }

    private static Path findRoot() {
        for (var dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("jbang")) && Files.exists(dir.resolve("tests/Conformance.java"))) {
                return dir;
            }
        }
        throw new IllegalStateException("run the self-test from the kit's folder: ./jbang tests/SelfTest.java");
    }

    /** What the self-test was asked for (how long each soak runs), and its background lane. */
    record Options(int soakSeconds, Background background) {
    }

    /**
     * A lane beside the tests for suite runs (the lessons whose echo fails as shipped, the faults of the thread
     * models): one at a time, while the tests go on. Verdicts do not depend on the machine's load (LoadTests), so a
     * run there does not change what runs beside it, nor is it changed by it.
     */
    static final class Background implements AutoCloseable {
        private final java.util.concurrent.ExecutorService lane = java.util.concurrent.Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("self-test-background").factory());

        <T> java.util.concurrent.Future<T> submit(java.util.concurrent.Callable<T> run) {
            return lane.submit(run);
        }

        @Override
        public void close() {
            lane.shutdownNow();
        }
    }

    /** Hands a test the self-test's {@link Options} and its run's {@link TestRun.Selection}. */
    static final class OptionsResolver implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            var type = parameter.getParameter().getType();
            return type == Options.class || type == TestRun.Selection.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return Optional.ofNullable(TestRun.session(context, parameter.getParameter().getType())).orElseThrow(
                    () -> new IllegalStateException("the self-test hands its options to its tests (SelfTest.call)"));
        }
    }

    /** How a run ended; {@code mark} is in the environment of every process it started (MARK=mark). */
    record Result(int status, String output, Duration took, String mark) {
        String tail(int lines) {
            var all = output.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    /** Runs ./jbang with {@code args} from the kit's folder; ends its whole tree if it runs past {@code bound}. */
    static Result jbang(Duration bound, String... args) throws IOException, InterruptedException {
        var command = new ArrayList<String>(List.of(ROOT.resolve("jbang").toString()));
        command.addAll(List.of(args));
        return run(bound, Map.of(), command);
    }

    /**
     * Runs {@code command} from the kit's folder with {@code environment} added (a CI's job summary removed: a run
     * of the self-test must not write to it); ends its whole tree if it runs past {@code bound}.
     */
    static Result run(Duration bound, Map<String, String> environment, List<String> command) throws IOException, InterruptedException {
        var log = Files.createTempFile("echo-kit-selftest", ".log");
        try {
            long start = System.nanoTime();
            var mark = newMark();
            var builder = new ProcessBuilder(command).directory(ROOT.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().remove("GITHUB_STEP_SUMMARY");
            builder.environment().putAll(environment);
            builder.environment().put(MARK, mark);
            var process = builder.start();
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                var tree = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
                tree.forEach(ProcessHandle::destroyForcibly);
                process.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, Files.readString(log) + "\n[self-test: ended after " + bound.toSeconds() + " s]",
                        Duration.ofNanos(System.nanoTime() - start), mark);
            }
            return new Result(process.exitValue(), Files.readString(log), Duration.ofNanos(System.nanoTime() - start), mark);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * A finished suite run: its exit status, console output, and its JSON report, whose score is held, on every run
     * of the self-test, to its checks: the sum of the passed checks' points, of the maximum of those that apply.
     */
    record SuiteRun(Result result, JsonObject report) {

        SuiteRun {
            if (report != null && report.has("checks")) {
                double score = 0;
                double max = 0;
                for (var check : report.getAsJsonArray("checks")) {
                    var c = check.getAsJsonObject();
                    var status = c.get("status").getAsString();
                    assertThat(c.get("score").getAsDouble()).as("%s: %s", c.get("id"), status)
                            .isEqualTo(status.equals("passed") ? c.get("max_score").getAsDouble() : 0);
                    assertThat(c.get("max_score").getAsDouble() > 0).as("%s: max_score when %s", c.get("id"), status)
                            .isEqualTo(!status.equals("skipped"));
                    score += c.get("score").getAsDouble();
                    max += c.get("max_score").getAsDouble();
                }
                assertThat(report.get("score").getAsDouble()).as("the score is its checks'").isCloseTo(score, org.assertj.core.data.Offset.offset(0.01));
                assertThat(report.get("max_score").getAsDouble()).isCloseTo(max, org.assertj.core.data.Offset.offset(0.01));
            }
        }

        /** The suite run in this JVM, as its command line would run it; what it launches carries {@code mark}. */
        static SuiteRun inProcess(String mark, String... args) throws IOException {
            var json = Files.createTempFile("echo-kit-report", ".json");
            try {
                var all = new ArrayList<String>(List.of("--json", json.toString()));
                all.addAll(List.of(args));
                long start = System.nanoTime();
                var ran = conformance(all.toArray(String[]::new));
                var text = Files.readString(json);
                return new SuiteRun(new Result(ran.status(), ran.out() + ran.err(), Duration.ofNanos(System.nanoTime() - start), mark),
                        text.isBlank() ? null : JsonParser.parseString(text).getAsJsonObject());
            } finally {
                Files.deleteIfExists(json);
            }
        }

        static SuiteRun of(Duration bound, String... args) throws IOException, InterruptedException {
            var json = Files.createTempFile("echo-kit-report", ".json");
            try {
                var all = new ArrayList<String>(List.of("tests/Conformance.java", "--json", json.toString()));
                all.addAll(List.of(args));
                var result = jbang(bound, all.toArray(String[]::new));
                var text = Files.readString(json);
                return new SuiteRun(result, text.isBlank() ? null : JsonParser.parseString(text).getAsJsonObject());
            } finally {
                Files.deleteIfExists(json);
            }
        }

        /** Every check that applies passed: none failed, none was left not judged. */
        void assertPassed(String what) {
            assertThat(result.status()).as("%s: %s", what, describe()).isZero();
            assertThat(report == null ? -1 : report.get("blocked").getAsInt()).as("%s, checks not judged: %s", what, describe()).isZero();
        }

        /** The status of check {@code id} ("passed", "failed", "blocked", "skipped"), or "absent". */
        String status(String id) {
            return check(id).map(c -> c.get("status").getAsString()).orElse("absent");
        }

        String message(String id) {
            return check(id).map(c -> c.get("message").getAsString()).orElse("");
        }

        String blockedBy(String id) {
            return check(id).map(c -> c.has("blocked_by") ? c.get("blocked_by").getAsString() : "").orElse("");
        }

        String cause(String id) {
            return check(id).map(c -> c.get("cause").getAsString()).orElse("");
        }

        List<String> ids(String status) {
            if (report == null) {
                return List.of();
            }
            var ids = new ArrayList<String>();
            report.getAsJsonArray("checks").forEach(c -> {
                if (c.getAsJsonObject().get("status").getAsString().equals(status)) {
                    ids.add(c.getAsJsonObject().get("id").getAsString());
                }
            });
            return ids;
        }

        long serverPid() {
            return report == null ? 0 : report.getAsJsonObject("server").get("pid").getAsLong();
        }

        private Optional<JsonObject> check(String id) {
            if (report == null) {
                return Optional.empty();
            }
            for (var c : report.getAsJsonArray("checks")) {
                if (c.getAsJsonObject().get("id").getAsString().equals(id)) {
                    return Optional.of(c.getAsJsonObject());
                }
            }
            return Optional.empty();
        }

        String describe() {
            return "exit status " + result.status() + " after " + result.took().toSeconds() + " s; the suite's output ended with:\n"
                    + result.tail(40);
        }
    }

    /** What one run of the suite's command line in this JVM printed, and its exit status. */
    record Ran(int status, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** The value of property {@code name} of a JUnit XML testsuite (its own, not its testcases'); "" when it has none. */
    static String suiteProperty(org.w3c.dom.Element suite, String name) {
        var properties = suite.getElementsByTagName("property");
        for (int i = 0; i < properties.getLength(); i++) {
            var p = (org.w3c.dom.Element) properties.item(i);
            if (p.getParentNode().getParentNode() == suite && p.getAttribute("name").equals(name)) {
                return p.getAttribute("value");
            }
        }
        return "";
    }

    /** Copies a folder with what it holds, file modes kept. */
    static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (var f : files.toList()) {
                var target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Deletes a folder the test made, with what it holds. */
    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (var f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** Runs the suite's command line in this JVM, capturing what it prints. */
    static Ran conformance(String... args) {
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        var commandLine = Conformance.commandLine();
        commandLine.setOut(new java.io.PrintWriter(out, true));
        commandLine.setErr(new java.io.PrintWriter(err, true));
        int status = commandLine.execute(args);
        return new Ran(status, out.toString(), err.toString());
    }

    /** A new mark for the processes of one run (see {@link #MARK}). */
    static String newMark() {
        return ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    /**
     * The shell command that starts the kit's server class {@code name} from this JVM's own class path (no JBang,
     * no compile), its processes carrying {@code mark}.
     */
    static String javaCommand(String name, String mark) {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return MARK + "=" + mark + " exec " + Launch.shellQuote(java) + " --enable-native-access=ALL-UNNAMED -cp "
                + Launch.shellQuote(System.getProperty("java.class.path")) + " " + name;
    }

    /** A server started for a test, and stopped after it. */
    record Server(Launch launch) implements AutoCloseable {
        static Server start(String command) throws Exception {
            var launch = Launch.start(command, List.of("--port", "0"), Duration.ofMinutes(3));
            assertThat(launch.ready()).as("%s", launch.ready() == null ? launch.whyNotReady() : "").isNotNull();
            return new Server(launch);
        }

        String port() {
            return Integer.toString(launch.ready().port());
        }

        @Override
        public void close() {
            launch.stop();
        }
    }

    /** No process of the run is left: the server the suite launched, and any child it started. */
    static void assertGone(SuiteRun run) {
        long pid = run.serverPid();
        assertThat(pid).as("the server's pid in the JSON report").isPositive();
        var alive = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        assertThat(alive).as("the launched server, pid %d, after the suite ended", pid).isEmpty();
        assertNoneLeft(run.result().mark(), "the run of " + run.report().getAsJsonObject("server").get("launch").getAsString());
    }

    /** No process that carries {@code mark} is left running. */
    static void assertNoneLeft(String mark, String what) {
        var left = ProcFs.marked(MARK + "=" + mark).stream().map(ProcessHandle::of).flatMap(Optional::stream)
                .filter(ProcessHandle::isAlive).map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
        assertThat(left).as("processes started by %s and still running", what).isEmpty();
    }

    /** The ids --list prints, in order. */
    static List<String> listedIds(String listOutput) {
        return listOutput.lines().filter(l -> l.matches("^[a-z]+\\.[a-z0-9-]+ .*")).map(l -> l.split(" ")[0]).toList();
    }
}
