import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The diagnosis on recorded observations, without a server: from what came back (bytes, how the
 * read ended, the server's side of the socket), the likely cause the suite names, and the lesson.
 */
@Order(3)
@DisplayName("the diagnosis of replies, on recorded observations (tests/lib/Diagnosis.java)")
class DiagnosisTests {

    static final byte[] PREFIX = Bytes.of("server echo# ");
    static final Diagnosis.Side ACCEPTED = new Diagnosis.Side(4242, 0);

    // The causes for a reply to {@code sent} that was {@code got}, ended by {@code end}.
    static List<Cause> causes(String sent, byte[] got, Peer.End end, Diagnosis.Side side, Model model) {
        var expected = Bytes.concat(PREFIX, Bytes.of(sent));
        return Diagnosis.of(new Diagnosis.Seen(expected, got, end, new byte[0], side, PREFIX, false, model)).stream()
                .map(Cause.Likely::key).toList();
    }

    static List<Cause> causes(String sent, String got, Peer.End end) {
        return causes(sent, Bytes.of(got), end, ACCEPTED, Model.MULTI_THREADED);
    }

    @Test
    @DisplayName("diagnosis: nothing came back: not accepted, not read (a thread model, an event loop), or read and not answered")
    void nothingCameBack() {
        assertThat(causes("hello\n", new byte[0], Peer.End.TIMEOUT, new Diagnosis.Side(0, 6), Model.THREAD_POOL))
                .containsExactly(Cause.NOT_ACCEPTED);
        assertThat(causes("hello\n", new byte[0], Peer.End.TIMEOUT, new Diagnosis.Side(77, 6), Model.THREAD_POOL))
                .containsExactly(Cause.NOT_READ);
        assertThat(causes("hello\n", new byte[0], Peer.End.TIMEOUT, new Diagnosis.Side(77, 6), Model.EVENT_LOOP))
                .containsExactly(Cause.NOT_READ_EVENT_LOOP);
        assertThat(causes("hello\n", "", Peer.End.TIMEOUT)).containsExactly(Cause.NOTHING_WRITTEN);
        assertThat(causes("hello\n", "", Peer.End.EOF)).containsExactly(Cause.CLOSED_WITHOUT_REPLY);
        assertThat(causes("hello\n", "", Peer.End.RESET)).containsExactly(Cause.RESET_BY_SERVER);
        assertThat(causes("hello\n", new byte[0], Peer.End.TIMEOUT, Diagnosis.Side.UNKNOWN, null))
                .as("a server on another host: its side unknown").containsExactly(Cause.NOTHING_WRITTEN);
    }

    @Test
    @DisplayName("diagnosis: a reply cut short: its LF missing, closed mid-reply, or the rest never written")
    void cutShort() {
        assertThat(causes("hello\n", "server echo# hello", Peer.End.TIMEOUT)).containsExactly(Cause.LF_MISSING);
        assertThat(causes("hello\n", "server echo# he", Peer.End.EOF)).containsExactly(Cause.CLOSED_MID_REPLY);
        assertThat(causes("hello\n", "server echo# he", Peer.End.TIMEOUT)).containsExactly(Cause.PARTIAL_REPLY);
        assertThat(causes("hello\n", "server error# line longer than 4 bytes\n", Peer.End.EOF))
                .containsExactly(Cause.REFUSED_AS_TOO_LONG);
    }

    @Test
    @DisplayName("diagnosis: bytes changed: CR lost (readLine), decoded (U+FFFD), encoded as '?', NUL bytes of a whole buffer")
    void bytesChanged() {
        assertThat(causes("hello\r\n", "server echo# hello\n", Peer.End.COMPLETE)).contains(Cause.CR_LOST);
        var decoded = Bytes.concat(PREFIX, new byte[] {'a', (byte) 0xef, (byte) 0xbf, (byte) 0xbd, '\n'});
        assertThat(causes("a\u00ff\n", decoded, Peer.End.COMPLETE, ACCEPTED, Model.MULTI_THREADED)).contains(Cause.DECODED);
        assertThat(causes("caf\u00e9\n", "server echo# caf?\n", Peer.End.COMPLETE)).contains(Cause.ENCODED_AS_QUESTION);
        var nul = Bytes.concat(PREFIX, Bytes.of("hi\n"), new byte[8]);
        assertThat(causes("hi\nthere\n", nul, Peer.End.COMPLETE, ACCEPTED, Model.MULTI_THREADED)).contains(Cause.WHOLE_BUFFER_WRITTEN);
    }

    @Test
    @DisplayName("diagnosis: prefixes: one per read, fewer than lines, or none")
    void prefixes() {
        assertThat(causes("one byte\n", "server echo# oneserver echo#  byte\n", Peer.End.COMPLETE))
                .containsExactly(Cause.PREFIX_PER_READ);
        var twoLines = Bytes.of("server echo# a\nserver echo# b\n");
        var onePrefix = new Diagnosis.Seen(twoLines, Bytes.of("server echo# a\nb\n"), Peer.End.COMPLETE, new byte[0], ACCEPTED,
                PREFIX, false, Model.MULTI_THREADED);
        assertThat(Diagnosis.of(onePrefix)).extracting(Cause.Likely::key).containsExactly(Cause.FEWER_PREFIXES);
        assertThat(causes("hello\n", "hello\n", Peer.End.TIMEOUT)).containsExactly(Cause.NO_PREFIX);
    }

    @Test
    @DisplayName("diagnosis: replies sent again (a reply buffer never emptied) are told before any other difference")
    void repliesAgain() {
        var earlier = Bytes.of("server echo# first\n");
        var expected = Bytes.of("server echo# second\n");
        var got = Bytes.of("server echo# first\nserver ");
        var seen = new Diagnosis.Seen(expected, got, Peer.End.COMPLETE, earlier, ACCEPTED, PREFIX, false, Model.SINGLE_THREADED);
        assertThat(Diagnosis.of(seen)).extracting(Cause.Likely::key).containsExactly(Cause.REPLIES_AGAIN);
        assertThat(Diagnosis.cameAgain(new byte[0], expected, Bytes.concat(expected, expected))).as("the same reply twice").isTrue();
        assertThat(Diagnosis.cameAgain(new byte[0], expected, Bytes.of("server echo# other\n"))).isFalse();
    }

    @Test
    @DisplayName("diagnosis: the kept start of an earlier line in front of a later one is told as kept bytes not emptied")
    void keptAgain() {
        var expected = Bytes.of("server echo# abc\nserver echo# defgh\nserver echo# ij\n");
        var kept = Bytes.of("server echo# abc\nserver echo# defgh\nserver echo# deij\n");
        var other = Bytes.of("server echo# abc\nserver echo# defgh\nserver echo# xyij\n");
        for (var got : List.of(kept, other)) {
            var causes = Diagnosis.of(new Diagnosis.Seen(expected, got, Peer.End.COMPLETE, new byte[0], ACCEPTED, PREFIX, false,
                    Model.SINGLE_THREADED)).stream().map(Cause.Likely::key).toList();
            assertThat(causes).as(Bytes.text(got)).isEqualTo(got == kept ? List.of(Cause.KEPT_AGAIN) : List.of(Cause.REPLY_DIFFERS));
        }
        assertThat(Diagnosis.keptAgain(expected, 49, Bytes.of("deij\n"), PREFIX)).isEqualTo(Bytes.of("de"));
    }

    @Test
    @DisplayName("diagnosis: later bytes where earlier ones belong are an event loop's queue (overwritten, or dropped), never a blocking server's")
    void laterBytes() {
        var lines = java.util.stream.IntStream.range(0, 40).mapToObj("line %02d of the stream\n"::formatted).toList();
        var expected = replies(lines);
        // From line 10 on, what came is line 20 on: as many bytes (a queued view overwritten), or fewer (dropped).
        var overwritten = replies(Stream.of(lines.subList(0, 10), lines.subList(20, 40), lines.subList(10, 20)).flatMap(List::stream).toList());
        var dropped = replies(Stream.of(lines.subList(0, 10), lines.subList(20, 40)).flatMap(List::stream).toList());
        assertThat(diagnosed(expected, overwritten, Model.EVENT_LOOP)).containsExactly(Cause.QUEUED_SHARED);
        assertThat(diagnosed(expected, dropped, Model.EVENT_LOOP)).containsExactly(Cause.PARTIAL_WRITE_DROPPED);
        assertThat(diagnosed(expected, overwritten, Model.MULTI_THREADED)).containsExactly(Cause.REPLY_DIFFERS);
        assertThat(Diagnosis.ofGap(Model.SINGLE_THREADED)).containsExactly(Cause.BYTES_LOST);
        assertThat(Diagnosis.ofGap(Model.EVENT_LOOP)).containsExactly(Cause.PARTIAL_WRITE_DROPPED, Cause.QUEUED_SHARED);
        assertThat(Diagnosis.ofGap(null)).containsExactly(Cause.PARTIAL_WRITE_DROPPED);
    }

    // Each line with its prefix.
    private static byte[] replies(List<String> lines) {
        return Bytes.of(lines.stream().map(l -> "server echo# " + l).reduce("", String::concat));
    }

    private static List<Cause> diagnosed(byte[] expected, byte[] got, Model model) {
        return Diagnosis.of(new Diagnosis.Seen(expected, got, Peer.End.COMPLETE, new byte[0], ACCEPTED, PREFIX, false, model))
                .stream().map(Cause.Likely::key).toList();
    }

    @Test
    @DisplayName("diagnosis: in raw mode no prefix is looked for; a measure fills its cause's sentence")
    void rawAndMeasures() {
        var seen = new Diagnosis.Seen(Bytes.of("hello"), Bytes.of("hellp"), Peer.End.COMPLETE, new byte[0], ACCEPTED,
                PREFIX, true, Model.EVENT_LOOP);
        assertThat(Diagnosis.of(seen)).extracting(Cause.Likely::key).containsExactly(Cause.REPLY_DIFFERS);
        var notRead = Diagnosis.of(new Diagnosis.Seen(Bytes.of("server echo# hello\n"), new byte[0], Peer.End.TIMEOUT, new byte[0],
                new Diagnosis.Side(9, 6), PREFIX, false, Model.THREAD_POOL));
        assertThat(notRead).extracting(Cause.Likely::sentence).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("(6 bytes wait unread)");
    }

    @Test
    @DisplayName("lessons: a cause points to the lesson that teaches its code, for the model the server is held to")
    void lessons() {
        assertThat(Finding.lessonOf(Cause.NOT_ACCEPTED.where, Model.THREAD_POOL)).startsWith("lesson 4 (thread-pool)");
        assertThat(Finding.lessonOf(Cause.NOT_ACCEPTED.where, null)).isEqualTo(Model.ECHO_LESSON);
        assertThat(Finding.lessonOf(Cause.NO_PREFIX.where, Model.EVENT_LOOP)).isEqualTo(Model.ECHO_LESSON);
        assertThat(Finding.lessonOf(Cause.NOTHING_WRITTEN.where, Model.THREAD_POOL)).startsWith("lesson 4").endsWith(Model.ECHO_LESSON);
        assertThat(Finding.lessonOf(Cause.PARENT_HOLDS.where, Model.THREAD_POOL)).startsWith("lesson 2 (multi-process)");
    }

    @Test
    @DisplayName("bulk: a gap of lost bytes is found where the bytes that came resume in what was sent")
    void gapOfLostBytes() {
        var sent = new byte[100_000];
        new java.util.Random(7).nextBytes(sent);
        var resumed = java.util.Arrays.copyOfRange(sent, 5_000, 5_064);
        assertThat(Diagnosis.resumesAt(sent, 1_000, resumed)).isEqualTo(5_000);
        assertThat(Diagnosis.resumesAt(sent, 1_000, Bytes.of("nothing like what was sent!!"))).isEqualTo(-1);
        // A mismatch at the end of a read: the few bytes left are topped up from the stream before the gap is looked for.
        var tail = java.util.Arrays.copyOfRange(sent, 5_000, 5_003);
        var more = new java.io.ByteArrayInputStream(sent, 5_003, 1_000);
        assertThat(Diagnosis.resumesAt(sent, 1_000, Bulk.atLeast(32, more, tail))).isEqualTo(5_000);
        // A gap of most of the stream: the client paused while the server dropped every write a full socket refused.
        var big = new byte[64 << 20];
        new java.util.Random(11).nextBytes(big);
        assertThat(Diagnosis.resumesAt(big, 1_000, java.util.Arrays.copyOfRange(big, 60 << 20, (60 << 20) + 32))).isEqualTo(60 << 20);
    }

    @Test
    @DisplayName("model: what the probe saw matches the models that do it, and no other")
    void modelMatching() {
        var pool8 = new Observation(Observation.Kind.POOL, 8, "8 of 32 answered");
        assertThat(pool8.matches(Model.THREAD_POOL, 8)).isTrue();
        assertThat(pool8.matches(Model.THREAD_POOL, 16)).as("a pool of 8 announced as 16").isFalse();
        assertThat(pool8.matches(Model.MULTI_THREADED, 0)).isFalse();
        var serial = new Observation(Observation.Kind.SERIAL, 1, "second after first");
        assertThat(serial.matches(Model.SINGLE_THREADED, 0)).isTrue();
        assertThat(serial.matches(Model.THREAD_POOL, 1)).as("a pool of one worker").isTrue();
        assertThat(serial.matches(Model.THREAD_POOL, 16)).isFalse();
        var fixed = new Observation(Observation.Kind.FIXED_THREADS, 32, "18 threads");
        assertThat(fixed.matches(Model.EVENT_LOOP, 0)).isTrue();
        assertThat(fixed.matches(Model.VIRTUAL_THREADS, 0)).isTrue();
        assertThat(fixed.matches(Model.MULTI_THREADED, 0)).isFalse();
    }
}
