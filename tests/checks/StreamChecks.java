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
}
