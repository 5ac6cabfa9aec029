import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/** concurrency.*: clients are served at once, as the model says (SPEC §4.1). */
@ExtendWith(Suite.Extension.class)
class ConcurrencyChecks {

    @Test
    @Suite.CheckId("concurrency.parallel")
    void parallel(Probe p) throws IOException {
        var target = p.target();
        if (p.serial()) {
            try (var first = p.connect(); var second = p.connect()) {
                p.echoes(first, "the first client", "first\n");
                second.send("second\n");
                var early = second.quiet(p.quiet());
                if (early.bytes().length > 0) {
                    throw p.observed("a second client was answered (%s) while the first was still connected",
                                    Bytes.text(early.bytes()))
                            .cause(Cause.NOT_SINGLE_THREADED)
                            .error();
                }
                first.close();
                p.expect(second, "the second client's reply, once the first left", target.replyTo("second\n"));
            }
            return;
        }
        int n = 16;
        var limit = "";
        if (p.model() == Model.THREAD_POOL && target.workers() > 0 && target.workers() < n) {
            n = target.workers();
            limit = " (the pool has " + n + " workers)";
        }
        if (target.maxClients() > 0 && target.maxClients() < n) {
            n = target.maxClients();
            limit = " (--max-clients " + n + ")";
        }
        var peers = new ArrayList<Peer>();
        try {
            for (int i = 0; i < n; i++) {
                peers.add(p.connect());
            }
            for (int i = 0; i < n; i++) {
                peers.get(i).send("client %d of %d\n".formatted(i + 1, n));
            }
            var unanswered = new ArrayList<Integer>();
            long start = System.nanoTime();
            long deadline = start + p.replyFor(n).toNanos();
            String stalled = null;
            for (int i = 0; i < n; i++) {
                var want = target.replyTo("client %d of %d\n".formatted(i + 1, n));
                var got = p.read(peers.get(i), want.length, Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
                if (!Arrays.equals(got.bytes(), want)) {
                    if (got.bytes().length > 0 || got.end() != Peer.End.TIMEOUT) {
                        throw p.reply(peers.get(i), "client %d of %d".formatted(i + 1, n), want, got).error();
                    }
                    unanswered.add(i + 1);
                    stalled = stalled != null ? stalled : got.stalled();
                }
            }
            if (!unanswered.isEmpty()) {
                var first = peers.get(unanswered.get(0) - 1);
                int served = n - unanswered.size();
                throw p.observed("%d of %d clients connected at once%s were answered; clients %s got nothing within %s",
                                served, n, limit, unanswered, Peer.seconds(Duration.ofNanos(System.nanoTime() - start)))
                        .detail(stalled == null ? "" : "the wait ended there, as no reply could come: " + stalled)
                        .detail("client " + unanswered.get(0) + ": " + target.serverSide(first.localPort()))
                        .cause(p.model() == Model.EVENT_LOOP ? Cause.LOOP_SERVES_FEW.with(served)
                                : served == 1 ? Cause.SERIAL.with("another thread") : Cause.FEW_AT_ONCE.with(served))
                        .error();
            }
        } finally {
            Probe.closeAll(peers);
        }
    }

    @Test
    @Suite.CheckId("concurrency.stalled-peer")
    void stalledPeer(Probe p) throws IOException {
        // Others beside the stalled one, as many as the server serves at once beside it (at most two).
        int others = Math.min(2, p.servedAtOnce() - 1);
        try (var stalled = p.connect(); var other = p.connect(); var third = others > 1 ? p.connect() : null) {
            stalled.send("stalled mid-");
            p.echoes(other, "another client, while the first is stalled mid-line", Bytes.of("not held up\n"), heldUpBy(p, stalled, other));
            if (third != null) {
                p.echoes(third, "a third client, while the first is stalled mid-line", Bytes.of("nor me\n"), heldUpBy(p, stalled, third));
            }
            stalled.send("line\n");
            // The stalled client's own reply is framing's to judge (framing.split): held to it once that passed.
            if (p.passed("framing.split")) {
                p.expect(stalled, "the stalled client, once its line is complete", p.target().replyTo("stalled mid-line\n"));
            }
        }
    }

    // A client left unaccepted while the stalled one was accepted: the server serves one client at a time (not an accept
    // that is missing, as the same observation says of a server that accepted no one).
    private static java.util.function.Function<byte[], Cause.Likely> heldUpBy(Probe p, Peer stalled, Peer other) {
        return got -> got.length == 0 && accepted(p, stalled) && !accepted(p, other)
                ? p.model() == Model.EVENT_LOOP ? Cause.LOOP_SERVES_FEW.with(1) : Cause.SERIAL.with("another thread")
                : null;
    }

    private static boolean accepted(Probe p, Peer peer) {
        return p.target().serverSocket(peer.localPort()).map(s -> s.inode() != 0).orElse(false);
    }

    @Test
    @Suite.CheckId("concurrency.model")
    void modelMatches(Probe p, TestReporter reporter) {
        var target = p.target();
        var seen = target.observe();
        reporter.publishEntry("observed", seen.describe());
        var claimed = target.claimed();
        if (claimed == null) {
            if (seen.kind() == Observation.Kind.UNRESPONSIVE) {
                throw p.observed("the server's model, observed from outside: %s", seen.describe())
                        .cause(Cause.PROBE_UNANSWERED)
                        .error();
            }
            return;
        }
        if (!seen.matches(claimed, target.workers())) {
            throw p.observed("the server claims %s (%s)%s, but was seen doing: %s", claimed.label, target.claimedBy(),
                            target.workers() > 0 && claimed == Model.THREAD_POOL ? " with workers=" + target.workers() : "",
                            seen.describe())
                    .cause(mismatch(claimed, seen, target.workers()))
                    .lesson(claimed.lessonRef())
                    .error();
        }
    }

    private static Cause.Likely mismatch(Model claimed, Observation seen, int workers) {
        var model = claimed.label + " (" + claimed.idea + ")";
        return switch (seen.kind()) {
            case SERIAL -> Cause.SERIAL.with(claimed.idea);
            case THREAD_PER_CONNECTION -> Cause.UNBOUNDED_THREADS.with(model);
            case POOL -> claimed == Model.THREAD_POOL ? Cause.POOL_SIZE_MISMATCH.with(seen.servedAtOnce(), workers)
                    : Cause.FEW_AT_ONCE.with(seen.servedAtOnce());
            case FIXED_THREADS -> Cause.SERVES_WITHOUT_THREADS.with(model);
            case PROCESS_PER_CONNECTION -> Cause.SERVES_BY_PROCESSES.with(model);
            case CONCURRENT -> Cause.SERVES_AT_ONCE.with(model);
            case UNRESPONSIVE -> Cause.PROBE_UNANSWERED.with();
        };
    }
}
