import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** framing.*: TCP is a byte stream; replies never depend on how the bytes were split (SPEC §2.1). */
@ExtendWith(Suite.Extension.class)
class FramingChecks {

    @Test
    @Suite.CheckId("framing.split")
    void split(Probe p) throws IOException {
        var line = Bytes.of("one byte at a time\n");
        try (var peer = p.connect()) {
            for (int i = 0; i < line.length - 1; i++) {
                peer.send(new byte[] {line[i]});
                Target.pause(Duration.ofMillis(10));
            }
            var early = peer.quiet(Duration.ofMillis(300));
            if (early.bytes().length > 0) {
                throw p.observed("%s came back before the line's LF was sent", Bytes.text(early.bytes()))
                        .detail("sent so far: " + Bytes.text(Arrays.copyOf(line, line.length - 1)) + ", one byte per write, 10 ms apart")
                        .cause(Cause.REPLY_PER_READ)
                        .error();
            }
            peer.send(new byte[] {'\n'});
            p.expect(peer, "the reply once the LF was sent", p.target().replyTo(line));
            var extra = peer.quiet(Duration.ofMillis(200));
            if (extra.bytes().length > 0) {
                throw p.observed("more than one reply: after the expected one came %s", Bytes.text(extra.bytes()))
                        .cause(Cause.REPLY_PER_READ)
                        .error();
            }
        }
    }

    @Test
    @Suite.CheckId("framing.coalesced")
    void coalesced(Probe p) throws IOException {
        var lines = new ByteArrayOutputStream();
        var replies = new ByteArrayOutputStream();
        for (int i = 1; i <= 50; i++) {
            var line = Bytes.of("coalesced %02d\n".formatted(i));
            lines.writeBytes(line);
            replies.writeBytes(p.target().replyTo(line));
        }
        try (var peer = p.connect()) {
            peer.send(lines.toByteArray());
            p.expect(peer, "the replies to 50 lines sent in one write", replies.toByteArray());
        }
    }

    @Test
    @Suite.CheckId("framing.utf8-split")
    void utf8Split(Probe p) throws IOException {
        var line = Bytes.of("café ☕\n");
        int cut = 4;          // inside é (c3 a9)
        int cut2 = 8;         // inside ☕ (e2 98 95)
        try (var peer = p.connect()) {
            peer.send(Arrays.copyOfRange(line, 0, cut));
            Target.pause(Duration.ofMillis(100));
            peer.send(Arrays.copyOfRange(line, cut, cut2));
            Target.pause(Duration.ofMillis(100));
            peer.send(Arrays.copyOfRange(line, cut2, line.length));
            p.expect(peer, "the reply to \"café ☕\\n\" sent in three writes cut inside é and inside ☕", p.target().replyTo(line));
        }
    }

    @Test
    @Suite.CheckId("framing.partial-at-eof")
    void partialAtEof(Probe p) throws IOException {
        p.endsAfter("after \"abc\" and a half-close", Bytes.of("abc"), p.target().replyTo("abc"));
    }
}
