import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every solution through the whole suite as a user launches it, line and raw; its soak, idle timeout and child. */
@Order(11)
@DisplayName("each solution passes the whole suite through --launch, and its soak and idle timeout")
@ExtendWith({TestRun.SelectInvocations.class, Kit.OptionsResolver.class})
class SolutionTests {

    /** A solution run in one mode. */
    record Solution(String file, Model model, boolean raw) {
        @Override
        public String toString() {
            return "solutions/%s.java passes as %s, %s mode".formatted(file, model.label, raw ? "raw" : "line");
        }
    }

    static final List<String> FILES = List.of("SingleThreaded", "MultiProcess", "MultiThreaded", "ThreadPool", "EventLoop",
            "VirtualThreads");

    /** Raw mode; line mode is what ./jbang check N --solution runs (WorkbookTests). */
    static Stream<Solution> solutions() {
        return Stream.of(Model.values()).map(m -> new Solution(FILES.get(m.ordinal()), m, true));
    }

    static Stream<String> files() {
        return FILES.stream();
    }

    @ParameterizedTest(name = "{0}", quoteTextArguments = false)
    @DisplayName("solutions pass the suite")
    @MethodSource("solutions")
    void passes(Solution solution) throws Exception {
        var args = new ArrayList<>(List.of("--launch", "./jbang solutions/" + solution.file() + ".java",
                "--model", solution.model().label));
        if (solution.raw()) {
            args.add("--raw");
        }
        var run = Kit.SuiteRun.of(Kit.SUITE_BOUND, args.toArray(String[]::new));
        run.assertPassed("the solution");
        assertThat(run.ids("failed")).as("failed checks").isEmpty();
        var applicable = Catalogue.applicable(new Need.Run(solution.raw(), true, true, solution::model, 16, 0, 0));
        assertThat(run.ids("passed")).as("the checks that apply, by the catalogue's needs, all pass")
                .containsExactlyElementsOf(applicable.stream().map(Catalogue.Entry::id).toList());
        assertThat(run.result().took()).as("time for the whole suite, JBang included").isLessThan(Duration.ofSeconds(60));
        Kit.assertGone(run);
    }

    @ParameterizedTest(name = "solutions/{0}.java: under a soak of mixed clients, no byte lost, every resource back", quoteTextArguments = false)
    @DisplayName("soak")
    @MethodSource("files")
    void soak(String solution, Kit.Options options, TestReporter reporter) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(options.soakSeconds() > 0, "soaks off (--soak 0)");
        var mark = Kit.newMark();
        var run = Kit.SuiteRun.inProcess(mark, "--launch", launch(solution, mark), "--only", "soak.mix", "--soak",
                Integer.toString(options.soakSeconds()));
        run.assertPassed("the solution");
        assertThat(run.status("soak.mix")).isEqualTo("passed");
        run.result().output().lines().map(String::strip).filter(l -> l.startsWith("soak: ") || l.startsWith("memory: "))
                .forEach(l -> reporter.publishEntry(l.substring(0, l.indexOf(':')), l.substring(l.indexOf(':') + 2)));
        Kit.assertGone(run);
    }

    @ParameterizedTest(name = "solutions/{0}.java --idle-timeout 1: a silent client is closed after 1 s, not before", quoteTextArguments = false)
    @DisplayName("idle timeout")
    @MethodSource("files")
    void idleTimeout(String solution) throws Exception {
        var mark = Kit.newMark();
        var run = Kit.SuiteRun.inProcess(mark, "--launch", launch(solution, mark), "--idle-timeout", "1", "--only",
                "limits.idle-timeout");
        run.assertPassed("the solution");
        assertThat(run.status("limits.idle-timeout")).isEqualTo("passed");
        Kit.assertGone(run);
    }

    // The solution as a user starts it, its processes marked; the suite runs in this JVM.
    private static String launch(String solution, String mark) {
        return Kit.MARK + "=" + mark + " exec ./jbang solutions/" + solution + ".java";
    }

    @Test
    @DisplayName("multi-process: a child gets the socket and the options, nothing a client sent (its command line and environment)")
    void childGetsNothingFromTheClient() throws Exception {
        try (var launched = Kit.Server.start("./jbang solutions/MultiProcess.java --quiet")) {
            var address = new InetSocketAddress("127.0.0.1", Integer.parseInt(launched.port()));
            long server = Long.parseLong(launched.launch().ready().field("pid").orElseThrow());
            var secret = "CLIENT-SECRET-" + System.nanoTime();
            try (var peer = Peer.connect(address, Duration.ofSeconds(5))) {
                peer.send(secret + "\n").read(14 + secret.length() + 1, Duration.ofSeconds(10));
                var children = ProcFs.children(server);
                assertThat(children).as("children while a client is connected").isNotEmpty();
                for (var child : children) {
                    var cmdline = Files.readString(Path.of("/proc", Long.toString(child.pid()), "cmdline"));
                    var environ = Files.readString(Path.of("/proc", Long.toString(child.pid()), "environ"));
                    assertThat(cmdline).as("child %d's command line", child.pid()).doesNotContain(secret).contains("--child");
                    assertThat(environ).as("child %d's environment", child.pid()).doesNotContain(secret);
                }
            }
        }
    }
}
