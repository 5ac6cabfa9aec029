import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/** soak.*: a long mixed load, every byte checked, every resource back. */
@ExtendWith(Suite.Extension.class)
class SoakChecks {

    @Test
    @Suite.CheckId("soak.mix")
    void mix(Probe p, TestReporter reporter) throws Exception {
        var target = p.target();
        int seconds = p.soakSeconds();
        int clients = p.model() == Model.MULTI_PROCESS ? 3 : Math.max(1, Math.min(8, p.servedAtOnce() - 1));
        long seed = System.nanoTime();
        // A short round of the same mix first: what a runtime allocates once, on first use (a virtual
        // thread carrier's I/O poller, a pool's workers), is then in the baseline, not counted as a leak.
        var warmUp = new Soak(p, seed, Duration.ofSeconds(Math.clamp(seconds / 10, 1, 5))).run(clients);
        var base = target.baseline();
        long rssBefore = target.local() ? ProcFs.rssKiB(target.pid()) : -1;
        var mix = warmUp.errors().isEmpty() ? new Soak(p, seed + 1, Duration.ofSeconds(seconds)).run(clients) : warmUp;
        reporter.publishEntry("soak", mix.summary());
        if (!mix.errors().isEmpty()) {
            throw p.observed("%d of %d soak exchanges went wrong (seed %d); the first: %s", mix.errors().size(),
                            mix.total(), seed, mix.errors().peek())
                    .detail(String.join("\n", mix.errors().stream().skip(1).limit(4).toList()))
                    .detail(mix.summary())
                    .cause(Cause.SOAK_ERRORS)
                    .error();
        }
        target.awaitUsage(u -> base == null || u.children() <= base.children(), p.settle());
        p.stillServes("after the soak");
        p.backToBaseline(base, "after the soak", Cause.SOAK_LEAK);
        if (rssBefore > 0) {
            long rssAfter = ProcFs.rssKiB(target.pid());
            long bound = rssBefore + Math.max(256 * 1024, rssBefore / 2);
            if (rssAfter > bound) {
                throw p.observed("the server's memory (RSS) went from %d MiB to %d MiB over the soak", rssBefore >> 10, rssAfter >> 10)
                        .cause(Cause.MEMORY_GROWS)
                        .error();
            }
            reporter.publishEntry("memory", "RSS %d MiB before, %d MiB after".formatted(rssBefore >> 10, rssAfter >> 10));
        }
    }
}
