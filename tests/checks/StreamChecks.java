import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** stream.*: half-close, long lines and bulk data (SPEC §2.1). */
@ExtendWith(Suite.Extension.class)
class StreamChecks {

    @Test
    @Suite.CheckId("stream.half-close")
    void halfClose(Probe p) throws IOException {
        new HalfClose(p).run("after %s of lines and a half-close, read only once the server had them", HalfClose.lines(p.target()));
    }

    @Test
    @Suite.CheckId("stream.large-line")
    void largeLine(Probe p) throws IOException {
        var target = p.target();
        var line = Bytes.concat(Probe.filler(target.maxLine() - 1), new byte[] {'\n'});
        try (var peer = p.connect()) {
            p.echoes(peer, "the reply to a line of " + line.length + " bytes", line,
                    got -> !target.raw() && Diagnosis.count(got, target.prefix()) > 1 ? Cause.LINE_CUT.with() : null);
        }
    }

    @Test
    @Suite.CheckId("stream.bulk")
    void bulk(Probe p) throws IOException {
        var target = p.target();
        var random = new Random(862);
        var input = new ByteArrayOutputStream(16 << 20);
        var expected = new ByteArrayOutputStream(18 << 20);
        while (input.size() < 16 << 20) {
            var line = Bytes.concat(Probe.filler(random.nextInt(Math.min(200, target.maxLine()))), new byte[] {'\n'});
            input.writeBytes(line);
            expected.writeBytes(target.replyTo(line));
        }
        new Bulk(p).run("16 MiB of lines", input.toByteArray(), expected.toByteArray(), random);
    }

    @Test
    @Suite.CheckId("stream.short-lived")
    void shortLived(Probe p) throws IOException, InterruptedException {
        // The server under test runs without --short-lived: a second one, launched with it, is judged.
        var other = p.session().another(java.util.List.of("--short-lived"));
        try {
            if (other.unstarted() != null) {
                unstarted(p, other.unstarted());
            }
            var q = p.on(other);
            var target = other.target();
            var declared = target.launch().ready().fields().containsKey("short-lived") ? ""
                    : "its ready line does not say short-lived=true: " + target.launch().ready().line();
            // One line, and the client neither closes nor half-closes: the server ends the connection itself.
            oneExchange(q, "hello\n", declared);
            // Two lines in one write: the second is dropped, not answered.
            oneExchange(q, "first\nsecond\n", declared);
            // Clients that come, ask and go, one after another: each gets its reply and its end, and leaves nothing
            // behind. The baseline is taken after the first tenth: a runtime starts some threads and files (virtual
            // threads' pollers) only once clients come.
            int clients = q.connections(200, 10);
            Target.Usage base = null;
            for (int i = 0; i < clients; i++) {
                if (i == clients / 10 && target.local()) {
                    base = target.baseline();
                }
                oneExchange(q, "client " + i + "\n", declared);
            }
            if (base != null) {
                socketsBack(q, base, clients);
            }
        } finally {
            other.stop();
        }
    }

    // What short-lived clients leave is sockets and children (threads are cleanup.threads' to judge, and a runtime
    // opens descriptors of its own as it warms up: virtual threads' pollers).
    private static void socketsBack(Probe q, Target.Usage base, int clients) {
        var target = q.target();
        java.util.function.Predicate<Target.Usage> back = u -> sockets(u) <= sockets(base) + Probe.FD_SLACK && u.children() <= base.children();
        var now = target.awaitUsage(back, q.settle());
        if (!back.test(now)) {
            int left = sockets(now) - sockets(base);
            throw q.observed("%s, after %d short-lived clients: %d sockets held (%d before) and %d child processes (%d before), %s after the last one",
                            second(target), clients, sockets(now), sockets(base), now.children(), base.children(), Peer.seconds(q.settle()))
                    .detail("the server's side of the port's connections: " + target.connectionStates())
                    .cause(q.model() == Model.MULTI_PROCESS && now.ownFds() > base.ownFds() + Probe.FD_SLACK ? Cause.PARENT_HOLDS
                            : left >= clients * 9 / 10 ? Cause.EVERY_CONNECTION_LEAKS : Cause.SOME_CONNECTIONS_LEAK)
                    .error();
        }
    }

    // Which server was judged: not the one under test, whose pid the report's header gives.
    private static String second(Target target) {
        return "on the second server, launched with --short-lived (pid %d, port %d)".formatted(target.pid(), target.port());
    }

    private static int sockets(Target.Usage u) {
        return u.fdKinds().getOrDefault("socket", 0);
    }

    // Sends text, expects the reply to its first line, then the server's end of the connection (a reset too: bytes were left unread).
    private static void oneExchange(Probe q, String text, String declared) throws IOException {
        var target = q.target();
        var first = text.substring(0, text.indexOf('\n') + 1);
        var expected = target.replyTo(first);
        try (var peer = q.connect()) {
            peer.send(text);
            var got = q.read(peer, expected.length, q.reply());
            if (!java.util.Arrays.equals(got.bytes(), expected)) {
                throw q.reply(peer, second(target) + ", the reply to " + Bytes.text(Bytes.of(first)), expected, got).error();
            }
            var after = peer.readToEnd(q.reply(), 1 << 16, q.endCannotCome(peer));
            boolean ended = after.end() == Peer.End.EOF || after.end() == Peer.End.RESET;
            if (after.bytes().length > 0 || !ended) {
                throw q.observed("%s, after the reply to the first of %s: %s", second(target), Bytes.text(Bytes.of(text)), after.describe())
                        .detail(after.bytes().length > 0 ? "after the reply came: " + Bytes.text(after.bytes()) : "")
                        .detail(declared)
                        .detail(ended ? "" : target.serverSide(peer.localPort()))
                        .cause(after.bytes().length > 0 ? Cause.SHORT_LIVED_ANSWERS_MORE
                                : q.parentHolds(java.util.List.of(peer.localPort())) > 0 ? Cause.PARENT_HOLDS : Cause.SHORT_LIVED_STAYS_OPEN)
                        .error();
            }
        }
    }

    /**
     * Why the second server did not start, judged only where it tells: a usage error (exit status 2, SPEC §3) refuses
     * the option; a crash is the death it shows; no ready line yet from a server still running is a slow start, and
     * its standard output closed without one while it runs is a start that fails.
     */
    private static void unstarted(Probe p, Launch launch) {
        var why = launch.whyNotReady();
        var first = why.lines().findFirst().orElse("").replaceFirst("^error: could not launch the server: ", "");
        var detail = new StringBuilder();
        why.lines().skip(1).map(String::strip).forEach(l -> detail.append(detail.isEmpty() ? ""
                : detail.charAt(detail.length() - 1) == ':' ? " " : "; ").append(l));
        if (launch.timedOut()) {
            throw new Suite.Blocked("a slow start", "not judged: launched a second time, with --short-lived, " + first
                    + ": a slow start, not a defect of this rule; " + detail);
        }
        var finding = p.observed("launched with --short-lived, the server did not start: %s", first).detail(detail.toString());
        var died = Cause.ofDeath(launch.crashLines(0));
        throw finding.cause(launch.ranOn() ? Cause.SHORT_LIVED_NO_READY : launch.process().exitValue() == 2 ? Cause.SHORT_LIVED_REFUSED
                : died == Cause.SERVER_DIED ? Cause.SHORT_LIVED_START_DIES : died).error();
    }
}
