import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Servers that are not the solutions, written another way and in other languages (tests/correct): each passes. */
@Order(15)
@DisplayName("servers that are not the solutions, written another way (tests/correct), pass")
@ExtendWith(TestRun.SelectInvocations.class)
class CorrectServerTests {

    /** A correct server of tests/correct, and how to build and launch it (from its header). */
    record Server(Path file, String description, String build, String launch, List<List<String>> suites) {
        static List<Server> all() throws IOException {
            try (var files = Files.list(Kit.ROOT.resolve("tests/correct"))) {
                var servers = new ArrayList<Server>();
                for (var file : files.sorted().toList()) {
                    String description = "";
                    String build = "";
                    String launch = "";
                    var suites = new ArrayList<List<String>>();
                    for (var line : Files.readAllLines(file).stream().limit(40).toList()) {
                        var text = Fault.uncommented(line);
                        if (text.startsWith("Correct: ")) {
                            description = text.substring(9);
                        } else if (text.startsWith("Build: ")) {
                            build = text.substring(7);
                        } else if (text.startsWith("Launch: ")) {
                            launch = text.substring(8);
                        } else if (text.startsWith("Suite: ")) {
                            suites.add(List.of(text.substring(7).strip().split("\\s+")));
                        }
                    }
                    if (!launch.isEmpty()) {
                        servers.add(new Server(file, description, build, launch, suites.isEmpty() ? List.of(List.of()) : suites));
                    }
                }
                return servers;
            }
        }

        @Override
        public String toString() {
            return Kit.ROOT.relativize(file).toString();
        }
    }

    /** A server and the options the suite gives it (its header's Suite: lines, one run each). */
    record Configured(Server server, List<String> suite) {
        @Override
        public String toString() {
            return server + (suite.isEmpty() ? "" : " " + String.join(" ", suite));
        }
    }

    static List<Configured> servers() throws IOException {
        return Server.all().stream().flatMap(s -> s.suites().stream().map(suite -> new Configured(s, suite))).toList();
    }

    @ParameterizedTest(name = "{0} passes, line and raw", quoteTextArguments = false)
    @DisplayName("correct servers pass")
    @MethodSource("servers")
    void passes(Configured configured, TestReporter reporter) throws Exception {
        var server = configured.server();
        var tool = server.launch().split(" ")[0];
        if (!tool.startsWith("./") && !tool.startsWith("build/")
                && new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() != 0) {
            assertThat(System.getenv("CI")).as("%s is needed; .ci/run installs it", tool).isNotEqualTo("true");
            org.junit.jupiter.api.Assumptions.abort(tool + " is not installed");
        }
        if (!server.build().isEmpty()) {
            Files.createDirectories(Kit.ROOT.resolve("build/correct"));
            var build = new ProcessBuilder("sh", "-c", server.build()).directory(Kit.ROOT.toFile())
                    .redirectErrorStream(true).start();
            var output = new String(build.getInputStream().readAllBytes());
            assertThat(build.waitFor()).as("building %s: %s", server, output).isZero();
        }
        if (server.launch().startsWith("./jbang ")) {
            // Two JBang runs of a script never built would both build it, and one can fail: build it once first.
            var build = new ProcessBuilder("./jbang", "build", server.launch().split(" ")[1]).directory(Kit.ROOT.toFile())
                    .redirectErrorStream(true).start();
            var output = new String(build.getInputStream().readAllBytes());
            assertThat(build.waitFor()).as("jbang build %s: %s", server, output).isZero();
        }
        // Line and raw mode at once, each its own server: the suite's verdicts do not depend on the machine's load
        // (LoadTests), and this halves the group's time.
        var raw = java.util.concurrent.CompletableFuture.supplyAsync(() -> judge(configured, true));
        var line = judge(configured, false);
        for (var run : List.of(line, raw.join())) {
            run.suite().assertPassed(server + " in " + run.mode() + " mode");
            reporter.publishEntry(run.mode() + " mode", run.suite().result().output().strip().lines().reduce((a, b) -> b).orElse("")
                    + ", model " + run.suite().report().get("model").getAsString());
            Kit.assertGone(run.suite());
        }
    }

    record Judged(String mode, Kit.SuiteRun suite) {
    }

    private static Judged judge(Configured configured, boolean raw) {
        var mark = Kit.newMark();
        var args = new ArrayList<>(List.of("--launch", Kit.MARK + "=" + mark + " exec " + configured.server().launch()));
        args.addAll(configured.suite());
        if (raw) {
            args.add("--raw");
        }
        try {
            return new Judged(raw ? "raw" : "line", Kit.SuiteRun.inProcess(mark, args.toArray(String[]::new)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
