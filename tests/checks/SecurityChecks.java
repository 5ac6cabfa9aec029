import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** security.*: nothing a client sends reaches the server's log unescaped. */
@ExtendWith(Suite.Extension.class)
class SecurityChecks {

    @Test
    @Suite.CheckId("security.log-escaping")
    void logEscaping(Probe p) throws IOException {
        var launch = p.target().launch();
        long mark = launch.stderrMark();
        var forged = "\u001b[2J\u001b[31mhello\rforged line: server stopping\n";
        try (var peer = p.connect()) {
            // The echo is the echo checks' to judge: here only that the server read the bytes, and what it logged.
            peer.send(forged);
            p.read(peer, p.target().replyTo(forged).length, p.reply());
            var side = p.target().serverSocket(peer.localPort());
            if (side.map(s -> s.inode() == 0 || s.rxQueue() > 0).orElse(false)) {
                var basic = Catalogue.mapped("echo.basic", p.target().raw());
                throw p.passed(basic)
                        ? new Suite.Blocked("a slow start", "not judged: the server had not read what this client sent "
                                + "after " + Peer.seconds(p.reply()) + " (and longer while it was busy), so nothing of it could reach "
                                + "its log yet: a slow start, on a loaded machine")
                        : new Suite.Blocked(basic, "not judged, blocked by " + basic + ": the server did not read what the "
                                + "client sent, so nothing of it could reach its log");
            }
        }
        Probe.awaitQuietLog(launch);
        var raw = launch.stderrSince(mark, 1000).stream()
                .filter(l -> l.chars().anyMatch(c -> c == 0x1b || c == '\r' || (c < 0x20 && c != '\t'))).toList();
        if (!raw.isEmpty()) {
            throw p.observed("the server's log holds raw control characters in %d of its lines, e.g. %s", raw.size(),
                            Finding.Sanitize.line(raw.getFirst()))
                    .cause(Cause.LOG_UNESCAPED)
                    .error();
        }
    }
}
