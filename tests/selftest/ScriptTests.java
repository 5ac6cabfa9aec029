import com.google.gson.JsonParser;
import java.nio.file.Files;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The suite as a script (./jbang tests/Conformance.java) and through the catalog's aliases, as a user runs it. */
@Order(10)
@DisplayName("the suite as a script and through jbang-catalog.json's aliases")
class ScriptTests {

    @Test
    @DisplayName("catalog: every alias of jbang-catalog.json resolves to a script of the kit; ./jbang conformance --list runs")
    void catalog() throws Exception {
        var catalog = JsonParser.parseString(Files.readString(Kit.ROOT.resolve("jbang-catalog.json"))).getAsJsonObject();
        var aliases = catalog.getAsJsonObject("aliases");
        assertThat(aliases.keySet()).contains("single-threaded", "multi-process", "multi-threaded", "thread-pool", "event-loop",
                "virtual-threads", "conformance", "check", "telnet", "netstat", "selftest", "lesson-1", "lesson-2", "lesson-3",
                "lesson-4", "lesson-5", "lesson-6");
        for (var alias : aliases.entrySet()) {
            var ref = alias.getValue().getAsJsonObject().get("script-ref").getAsString();
            assertThat(Kit.ROOT.resolve(ref)).as("script of alias %s", alias.getKey()).isRegularFile();
            assertThat(alias.getValue().getAsJsonObject().has("description")).as("description of %s", alias.getKey()).isTrue();
        }
        var listed = Kit.jbang(Kit.SUITE_BOUND, "alias", "list");
        assertThat(listed.output()).as("./jbang alias list").contains(aliases.keySet().toArray(String[]::new));
        var viaAlias = Kit.jbang(Kit.SUITE_BOUND, "conformance", "--list");
        assertThat(viaAlias.status()).as(viaAlias.output()).isZero();
        assertThat(Kit.listedIds(viaAlias.output())).containsExactlyElementsOf(Catalogue.ALL.stream().map(Catalogue.Entry::id).toList());
    }

    @Test
    @DisplayName("wrapper: three first runs of one new script at once all build and run it (JBang's builds wait for each other)")
    void parallelFirstRuns(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // A script no cache holds yet: its first runs build it.
        var script = dir.resolve("Hello%d.java".formatted(System.nanoTime()));
        Files.writeString(script, """
                //DEPS info.picocli:picocli:4.7.7
                class %s {
                    public static void main(String[] args) {
                        System.out.println("hello " + picocli.CommandLine.VERSION.length() + " " + args[0]);
                    }
                }
                """.formatted(script.getFileName().toString().replace(".java", "")));
        var runs = new java.util.ArrayList<java.util.concurrent.Future<Kit.Result>>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(3)) {
            for (int i = 0; i < 3; i++) {
                int n = i;
                runs.add(pool.submit(() -> Kit.jbang(Kit.SUITE_BOUND, script.toString(), "run" + n)));
            }
            for (int i = 0; i < 3; i++) {
                var run = runs.get(i).get();
                assertThat(run.status()).as("run %d: %s", i, run.output()).isZero();
                assertThat(run.output()).as("run %d", i).contains("hello ", " run" + i).doesNotContain("[ERROR]");
            }
        }
    }

    @Test
    @DisplayName("suite: --verbose adds the byte trace of the exchange to a failure of a launched fault")
    void verbose() throws Exception {
        var verbose = Kit.SuiteRun.of(Kit.SUITE_BOUND, "--launch", "./jbang tests/faults/PrefixPerRead.java", "--only",
                "framing.coalesced", "--verbose");
        assertThat(verbose.status("framing.coalesced")).as(verbose.describe()).isEqualTo("failed");
        assertThat(verbose.message("framing.coalesced")).contains("byte trace of client port", "-> ", "<- ");
        Kit.assertGone(verbose);
    }
}
