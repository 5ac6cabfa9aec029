import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** echo.*: each line comes back as PREFIX + line, byte for byte (SPEC §2.1). */
@ExtendWith(Suite.Extension.class)
class EchoChecks {

    @Test
    @Suite.CheckId("echo.basic")
    void basic(Probe p) throws IOException {
        try (var peer = p.connect()) {
            p.echoes(peer, "the reply to \"hello\\n\"", "hello\n");
        }
    }

    @Test
    @Suite.CheckId("echo.sequence")
    void sequence(Probe p) throws IOException {
        try (var peer = p.connect()) {
            for (int i = 1; i <= 100; i++) {
                p.echoes(peer, "the reply to line " + i + " of 100", "line %03d of 100\n".formatted(i));
            }
        }
    }

    @Test
    @Suite.CheckId("echo.crlf")
    void crlf(Probe p) throws IOException {
        try (var peer = p.connect()) {
            p.echoes(peer, "the reply to \"hello\\r\\n\" (as telnet sends it)", "hello\r\n");
        }
    }

    @Test
    @Suite.CheckId("echo.empty-line")
    void emptyLine(Probe p) throws IOException {
        try (var peer = p.connect()) {
            byte first = p.target().replyTo("\n")[0];
            p.echoes(peer, "the reply to an empty line", Bytes.of("\n"),
                    got -> got.length == 0 || got[0] != first ? Cause.EMPTY_LINE_SKIPPED.with() : null);
            p.echoes(peer, "the reply to the line after it", "after the empty line\n");
        }
    }

    @Test
    @Suite.CheckId("echo.binary")
    void binary(Probe p) throws IOException {
        var bytes = new ByteArrayOutputStream();
        for (int b = 0; b < 256; b++) {
            if (b != '\n') {
                bytes.write(b);
            }
        }
        // One line when --max-line allows it, else as many lines as it takes.
        var all = bytes.toByteArray();
        int per = Math.min(all.length, p.target().maxLine() - 1);
        try (var peer = p.connect()) {
            for (int from = 0; from < all.length; from += per) {
                var line = Bytes.concat(Arrays.copyOfRange(all, from, Math.min(all.length, from + per)), new byte[] {'\n'});
                p.echoes(peer, "the reply to a line holding bytes %02x to %02x (but 0a)".formatted(from, Math.min(255, from + per)), line);
            }
        }
    }

    @Test
    @Suite.CheckId("echo.utf8")
    void utf8(Probe p) throws IOException {
        var line = "héllo wörld, ça va? こんにちは ✓ 🦀\n";
        int length = Bytes.of(line).length;
        assumeTrue(length <= p.target().maxLine(), "its line of " + length + " bytes is longer than --max-line " + p.target().maxLine());
        try (var peer = p.connect()) {
            p.echoes(peer, "the reply to a line of UTF-8 text", line);
        }
    }
}
