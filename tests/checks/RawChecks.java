import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** raw.*: RFC 862, every byte back unchanged (SPEC §2.2). */
@ExtendWith(Suite.Extension.class)
class RawChecks {

    @Test
    @Suite.CheckId("raw.basic")
    void basic(Probe p) throws IOException {
        try (var peer = p.connect()) {
            p.echoes(peer, "the echo of \"hello\\n\"", "hello\n");
            p.echoes(peer, "the echo of \"no newline\" (raw mode does not wait for LF)", "no newline");
        }
    }

    @Test
    @Suite.CheckId("raw.binary")
    void binary(Probe p) throws IOException {
        var bytes = new byte[1024];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 37 + i / 256);
        }
        try (var peer = p.connect()) {
            p.echoes(peer, "the echo of 1024 bytes holding every value 00..ff", bytes);
        }
    }

    @Test
    @Suite.CheckId("raw.bulk")
    void bulk(Probe p) throws IOException {
        var random = new Random(862);
        var bytes = new byte[64 << 20];
        random.nextBytes(bytes);
        new Bulk(p).run("64 MiB of random bytes", bytes, bytes, random);
    }

    @Test
    @Suite.CheckId("raw.half-close")
    void halfClose(Probe p) throws IOException {
        new HalfClose(p).run("after %s and a half-close, read only once the server had them", HalfClose.bytes());
    }
}
