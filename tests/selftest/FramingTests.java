import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The framing of SPEC §2 without I/O (solutions/shared/Framing.java): every split of any bytes. */
@Order(4)
@DisplayName("framing (solutions/shared/Framing.java)")
class FramingTests {

    static final byte[] PREFIX = "server echo# ".getBytes(StandardCharsets.UTF_8);

    // What line mode must answer to the whole input, computed without the framing code.
    static byte[] expected(byte[] input, byte[] prefix) {
        var out = new ByteArrayOutputStream();
        int start = 0;
        for (int i = 0; i < input.length; i++) {
            if (input[i] == '\n') {
                out.writeBytes(prefix);
                out.write(input, start, i + 1 - start);
                start = i + 1;
            }
        }
        if (start < input.length) {
            out.writeBytes(prefix);
            out.write(input, start, input.length - start);
        }
        return out.toByteArray();
    }

    // Feeds input to a new Lines framing, cut at the given offsets, then ends it.
    static byte[] frame(byte[] input, byte[] prefix, int maxLine, int... cuts) {
        var framing = Framing.of(false, prefix, maxLine);
        var out = new ByteArrayOutputStream();
        int from = 0;
        for (int cut : cuts) {
            assertThat(framing.read(input, from, cut - from, out)).as("read of bytes %d..%d", from, cut).isTrue();
            from = cut;
        }
        assertThat(framing.read(input, from, input.length - from, out)).as("read of bytes %d..end", from).isTrue();
        framing.end(out);
        return out.toByteArray();
    }

    @Test
    @DisplayName("framing: a line cut at any byte gets one reply, PREFIX + line")
    void everyCut() {
        var line = "hello, wörld\r\n".getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= line.length; cut++) {
            assertThat(frame(line, PREFIX, 65536, cut)).as("cut at byte %d", cut)
                    .isEqualTo(Bytes.concat(PREFIX, line));
        }
    }

    @Test
    @DisplayName("framing: any split of any bytes gives PREFIX + line per line, then PREFIX + rest (seeded, 2000 cases)")
    void randomSplits() {
        long seed = Long.getLong("selftest.seed", System.nanoTime());
        var random = new Random(seed);
        for (int run = 0; run < 2000; run++) {
            var input = new byte[random.nextInt(300)];
            random.nextBytes(input);
            for (int i = 0; i < input.length; i++) {
                if (random.nextInt(8) == 0) {
                    input[i] = '\n';
                }
            }
            var cuts = random.ints(random.nextInt(6), 0, input.length + 1).sorted().toArray();
            var prefix = random.nextBoolean() ? PREFIX : new byte[0];
            assertThat(frame(input, prefix, 65536, cuts))
                    .as("seed %d (rerun with -Dselftest.seed=%d), run %d, input %s, cuts %s", seed, seed, run,
                            Bytes.text(input), Arrays.toString(cuts))
                    .isEqualTo(expected(input, prefix));
        }
    }

    @Test
    @DisplayName("framing: 50 lines in one read get 50 replies, in order")
    void manyLinesInOneRead() {
        var input = new ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {
            input.writeBytes(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertThat(frame(input.toByteArray(), PREFIX, 65536)).isEqualTo(expected(input.toByteArray(), PREFIX));
    }

    @Test
    @DisplayName("framing: CR, NUL and bytes that are not UTF-8 are echoed verbatim")
    void verbatim() {
        var line = new byte[] {'a', '\r', 0, (byte) 0xff, (byte) 0xc3, '\r', '\n'};
        assertThat(frame(line, PREFIX, 65536, 3, 5)).isEqualTo(Bytes.concat(PREFIX, line));
    }

    @Test
    @DisplayName("framing: nothing is written for a line until its LF arrives, nor at end when nothing is pending")
    void holdsPartialLines() {
        var framing = Framing.of(false, PREFIX, 65536);
        var out = new ByteArrayOutputStream();
        assertThat(framing.read("abc".getBytes(), 0, 3, out)).isTrue();
        assertThat(out.size()).as("bytes written before the LF").isZero();
        framing.read("\n".getBytes(), 0, 1, out);
        out.reset();
        framing.end(out);
        assertThat(out.size()).as("bytes written at end with no partial line").isZero();
    }

    @Test
    @DisplayName("framing: a line of exactly --max-line bytes passes, one byte more without LF is refused")
    void maxLine() {
        var line = Bytes.concat(new byte[99], new byte[] {'\n'});
        assertThat(frame(line, PREFIX, 100, 10, 50, 99)).isEqualTo(Bytes.concat(PREFIX, line));
        var framing = Framing.of(false, PREFIX, 100);
        var out = new ByteArrayOutputStream();
        assertThat(framing.read(new byte[100], 0, 100, out)).as("100 bytes, no LF, max 100").isTrue();
        assertThat(framing.read(new byte[1], 0, 1, out)).as("the 101st byte without LF").isFalse();
        assertThat(out.toString()).as("the reply that ends the connection").isEqualTo("server error# line longer than 100 bytes\n");
        assertThat(framing.ending()).isEqualTo("line longer than 100 bytes");
    }

    @Test
    @DisplayName("framing: --short-lived answers the first line, however it is split, and ends the connection; what follows is dropped")
    void shortLived() {
        for (int split = 1; split < 10; split++) {
            var framing = Framing.of(false, PREFIX, 100, true);
            var out = new ByteArrayOutputStream();
            var sent = "hello\nsecond\n".getBytes();
            assertThat(framing.read(sent, 0, split, out)).as("split at %d", split).isEqualTo(split < 6);
            if (split < 6) {
                assertThat(framing.read(sent, split, sent.length - split, out)).isFalse();
            }
            assertThat(out.toByteArray()).as("split at %d", split).isEqualTo(Bytes.concat(PREFIX, "hello\n".getBytes()));
            assertThat(framing.ending()).startsWith("short-lived");
        }
        var partial = Framing.of(false, PREFIX, 100, true);
        var out = new ByteArrayOutputStream();
        assertThat(partial.read("abc".getBytes(), 0, 3, out)).isTrue();
        partial.end(out);
        assertThat(out.toByteArray()).as("a last line without LF").isEqualTo(Bytes.concat(PREFIX, "abc".getBytes()));
        var tooLong = Framing.of(false, PREFIX, 4, true);
        assertThat(tooLong.read("abcdef\n".getBytes(), 0, 7, out)).isFalse();
        assertThat(tooLong.ending()).as("a first line too long").isEqualTo("line longer than 4 bytes");
    }

    @Test
    @DisplayName("framing: raw mode gives back every byte at once, and nothing more at end")
    void raw() {
        var framing = Framing.of(true, PREFIX, 10);
        var out = new ByteArrayOutputStream();
        var bytes = new byte[1000];
        new Random(1).nextBytes(bytes);
        assertThat(framing.read(bytes, 0, bytes.length, out)).isTrue();
        framing.end(out);
        assertThat(out.toByteArray()).isEqualTo(bytes);
    }
}
