import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The faults whose defect lives in the bytes and threads of one JVM, run in the self-test's own:
 * each fails the checks its header names, with the cause its header names. (The full tier runs
 * every fault in its own process, against every check.)
 */
@Order(7)
@DisplayName("the byte-level faults, in this JVM: each fails its checks with its cause (tests/faults)")
@ExtendWith(TestRun.SelectInvocations.class)
class InProcessFaultTests {

    /** The suite's options that the server takes too. */
    private static final List<String> SERVER_OPTIONS = List.of("--raw", "--idle-timeout", "--max-line", "--prefix");

    /** The groups whose checks judge only what goes over the wire: the rest judge what the server holds (its /proc, its log). */
    private static final java.util.Set<CheckGroup> ON_THE_WIRE = java.util.EnumSet.of(CheckGroup.ECHO, CheckGroup.FRAMING,
            CheckGroup.STREAM, CheckGroup.LIMITS, CheckGroup.RAW, CheckGroup.CONCURRENCY);

    /** The faults that are faithful in this JVM: not a process model, judged on the wire only, not opted out. */
    static List<Fault> faults() throws Exception {
        var faithful = new ArrayList<Fault>();
        for (var fault : Fault.all().stream().filter(Fault::java).toList()) {
            boolean outside = fault.mustFail().stream().map(Catalogue::of)
                    .anyMatch(e -> !ON_THE_WIRE.contains(e.group()) || e.needs().contains(Need.PROCESS));
            var server = (EchoServer) Class.forName(fault.name()).getDeclaredConstructor().newInstance();
            if (!outside && fault.notInProcess().isEmpty() && !server.model().equals(Model.MULTI_PROCESS.label)) {
                faithful.add(fault);
            }
        }
        return faithful;
    }

    @ParameterizedTest(name = "tests/faults/{0}, in this JVM, fails its checks with its cause", quoteTextArguments = false)
    @DisplayName("in-process faults")
    @MethodSource("faults")
    @Execution(ExecutionMode.CONCURRENT)
    void failsItsChecks(Fault fault) throws Exception {
        try (var server = InProcessServer.start(fault.name(), serverOptions(fault.suite()))) {
            var checked = server.check(fault.mustFail()::contains, 3);
            for (var id : fault.mustFail()) {
                var outcome = checked.outcome(id);
                assertThat(outcome.status()).as("%s on %s (%s):%n%s", fault, id, fault.defect(), checked.console())
                        .isEqualTo(TestRun.Status.FAILED);
                assertThat(outcome.message()).as("the message of %s", id).contains("observed:", "likely cause:", "reread:");
            }
            var first = fault.mustFail().getFirst();
            assertThat(checked.outcome(first).cause()).as("%s: the cause of %s (its header's '// Cause:'):%n%s", fault, first,
                    checked.outcome(first).message()).isIn(fault.causes());
        }
    }

    // The fault's '// Suite:' flags that are the server's options too (--raw, --idle-timeout N, ...).
    private static List<String> serverOptions(List<String> suite) throws IOException {
        var options = new ArrayList<String>();
        for (int i = 0; i < suite.size(); i++) {
            if (SERVER_OPTIONS.contains(suite.get(i))) {
                options.add(suite.get(i));
                if (!suite.get(i).equals("--raw") && i + 1 < suite.size()) {
                    options.add(suite.get(++i));
                }
            }
        }
        return options;
    }
}
