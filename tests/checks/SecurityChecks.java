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
            p.echoes(peer, p.target().raw() ? "an echo of terminal escapes and a CR" : "the reply to a line of terminal escapes and a CR",
                    forged);
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
