import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Why a reply differs from the one expected, from what was observed alone: the bytes, how the read
 * ended, what this connection received before, and the server's side of the socket. No server is
 * needed, so the self-test feeds it recorded observations.
 */
final class Diagnosis {

    /** The server's side of a connection as /proc showed it: its inode (0: not accepted yet, -1: unknown) and unread bytes. */
    record Side(long inode, long unread) {
        static final Side UNKNOWN = new Side(-1, 0);

        static Side of(java.util.Optional<ProcFs.TcpSocket> socket) {
            return socket.map(s -> new Side(s.inode(), s.rxQueue())).orElse(UNKNOWN);
        }

        boolean notAccepted() {
            return inode == 0;
        }
    }

    /** One reply as a check saw it, with what the server's framing was set to. */
    record Seen(byte[] expected, byte[] got, Peer.End end, byte[] earlier, Side side, byte[] prefix, boolean raw, Model model) {
    }

    private static final byte[] REPLACEMENT = {(byte) 0xef, (byte) 0xbf, (byte) 0xbd};
    private static final byte[] ERROR_LINE = Bytes.of("server error# ");

    private Diagnosis() {
    }

    /** The likely causes, likeliest first; every pattern that fits, as a reply can show several defects at once. */
    static List<Cause.Likely> of(Seen seen) {
        var again = cameAgain(seen.earlier(), seen.expected(), seen.got());
        if (again) {
            return List.of(Cause.REPLIES_AGAIN.with());
        }
        var b = seen.got();
        var expected = seen.expected();
        int differs = Arrays.mismatch(expected, b);
        if (!seen.raw() && differs > 0 && differs < Math.min(expected.length, b.length)
                && keptAgain(expected, differs, Arrays.copyOfRange(b, differs, b.length), seen.prefix()).length > 0) {
            return List.of(Cause.KEPT_AGAIN.with());
        }
        if (b.length == 0) {
            return List.of(switch (seen.end()) {
                case TIMEOUT -> seen.side().notAccepted() ? Cause.NOT_ACCEPTED.with()
                        : seen.side().unread() > 0 && seen.model() == Model.EVENT_LOOP
                        ? Cause.NOT_READ_EVENT_LOOP.with(Bytes.count(seen.side().unread()))
                        : seen.side().unread() > 0 ? Cause.NOT_READ.with(Bytes.count(seen.side().unread()))
                        : Cause.NOTHING_WRITTEN.with();
                case EOF -> Cause.CLOSED_WITHOUT_REPLY.with();
                case RESET -> Cause.RESET_BY_SERVER.with();
                case COMPLETE -> Cause.REPLY_DIFFERS.with();
            });
        }
        if (Arrays.mismatch(expected, b) == b.length) {
            if (b.length == expected.length - 1 && expected[expected.length - 1] == '\n') {
                return List.of(Cause.LF_MISSING.with());
            }
            return List.of(seen.end() == Peer.End.EOF ? Cause.CLOSED_MID_REPLY.with() : Cause.PARTIAL_REPLY.with());
        }
        if (indexOf(b, ERROR_LINE, 0) == 0 && indexOf(expected, ERROR_LINE, 0) != 0) {
            return List.of(Cause.REFUSED_AS_TOO_LONG.with());
        }
        var causes = new ArrayList<Cause.Likely>();
        var withoutCr = strip(expected, (byte) '\r');
        int crMismatch = Arrays.mismatch(withoutCr, b);
        if (withoutCr.length < expected.length && (crMismatch < 0 || crMismatch >= Math.min(b.length, withoutCr.length)
                || b[crMismatch] == '\n')) {
            causes.add(Cause.CR_LOST.with());
        }
        if (indexOf(b, REPLACEMENT, 0) >= 0 && indexOf(expected, REPLACEMENT, 0) < 0) {
            causes.add(Cause.DECODED.with());
        }
        if (questionMarks(expected, b)) {
            causes.add(Cause.ENCODED_AS_QUESTION.with());
        }
        // NUL bytes of a whole buffer explain the other differences (a missing prefix, say): told first.
        if (indexOf(b, new byte[] {0, 0, 0, 0}, 0) >= 0 && indexOf(expected, new byte[] {0, 0, 0, 0}, 0) < 0) {
            causes.add(Cause.WHOLE_BUFFER_WRITTEN.with());
        }
        var prefix = seen.prefix();
        if (!seen.raw() && prefix.length > 0) {
            int want = count(expected, prefix);
            int got = count(b, prefix);
            if (got > want && causes.isEmpty()) {
                causes.add(Cause.PREFIX_PER_READ.with(got, want));
            } else if (got < want && indexOf(b, prefix, 0) == 0 && got < count(b, LF)) {
                // Lines that came without their prefix; whole lines missing, prefix and all, are another defect.
                causes.add(Cause.FEWER_PREFIXES.with(got, want));
            } else if (got == 0) {
                causes.add(Cause.NO_PREFIX.with());
            }
        }
        if (causes.isEmpty() && seen.model() == Model.EVENT_LOOP && differs >= 0
                && resumesAt(expected, differs, Arrays.copyOfRange(b, differs, b.length)) > differs) {
            // Later bytes where earlier ones belong: as many as expected, a queued reply overwritten; fewer, dropped.
            causes.add(b.length >= expected.length ? Cause.QUEUED_SHARED.with() : Cause.PARTIAL_WRITE_DROPPED.with());
        }
        if (causes.isEmpty()) {
            causes.add(Cause.REPLY_DIFFERS.with());
        }
        return causes;
    }

    /**
     * Replies sent again: what came begins with what this connection had received before, or the
     * expected reply comes twice. A reply buffer not emptied after it is written does that.
     */
    static boolean cameAgain(byte[] earlier, byte[] expected, byte[] got) {
        int k = Math.min(earlier.length, got.length);
        boolean old = k >= 4 && Arrays.mismatch(earlier, 0, k, got, 0, k) < 0
                && !Arrays.equals(got, 0, k, expected, 0, Math.min(k, expected.length));
        boolean twice = got.length > expected.length && expected.length >= 4
                && Arrays.mismatch(got, 0, expected.length, expected, 0, expected.length) < 0
                && Arrays.mismatch(got, expected.length, Math.min(got.length, 2 * expected.length), expected, 0,
                        Math.min(expected.length, got.length - expected.length)) < 0;
        return old || twice;
    }

    /**
     * The bytes that came, in line mode, between PREFIX and a line's own bytes, when they began a line sent before
     * (or this one): what was kept for an unfinished line, not emptied once it was answered. {@code at} is the first
     * byte that differs, {@code rest} what came from there on; empty when the reply is not that.
     */
    static byte[] keptAgain(byte[] expected, int at, byte[] rest, byte[] prefix) {
        int start = lastLf(expected, at - 1) + 1;
        int content = start + prefix.length;
        int end = indexOf(expected, LF, at);
        int restEnd = indexOf(rest, LF, 0);
        if (prefix.length == 0 || at < content || end < 0 || restEnd < 0
                || !Arrays.equals(expected, start, content, prefix, 0, prefix.length)) {
            return new byte[0];
        }
        var line = Arrays.copyOfRange(expected, content, end + 1);
        var came = Bytes.concat(Arrays.copyOfRange(expected, content, at), Arrays.copyOf(rest, restEnd + 1));
        int extra = came.length - line.length;
        if (extra <= 0 || !Arrays.equals(came, extra, came.length, line, 0, line.length)) {
            return new byte[0];
        }
        // They began this line, or one of the lines before it (a bounded look back).
        for (int from = start, lines = 0; from >= 0 && lines < 1000; from = lastLf(expected, from - 2) + 1, lines++) {
            int at0 = from + prefix.length;
            if (at0 + extra <= expected.length && Arrays.equals(expected, at0, at0 + extra, came, 0, extra)) {
                return Arrays.copyOf(came, extra);
            }
            if (from == 0) {
                break;
            }
        }
        return new byte[0];
    }

    private static final byte[] LF = {'\n'};

    private static int lastLf(byte[] bytes, int from) {
        for (int i = Math.min(from, bytes.length - 1); i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The likely causes of a gap of lost bytes in a long stream, by model: a blocking write takes every byte, so only a
     * non-blocking server (or one of no known model) drops a write's rest, or queues it without a copy.
     */
    static List<Cause> ofGap(Model model) {
        return model == Model.EVENT_LOOP ? List.of(Cause.PARTIAL_WRITE_DROPPED, Cause.QUEUED_SHARED)
                : model == null ? List.of(Cause.PARTIAL_WRITE_DROPPED) : List.of(Cause.BYTES_LOST);
    }

    /**
     * Where in {@code expected}, past {@code at}, the {@code observed} bytes (at least 16 of them) are found again:
     * the end of a gap of lost bytes, however long (a server that drops what a full socket did not take may lose most of
     * the stream while the client does not read); -1 when they are not.
     */
    static int resumesAt(byte[] expected, int at, byte[] observed) {
        int n = Math.min(observed.length, 32);
        if (n < 16) {
            return -1;
        }
        byte first = observed[0];
        for (int from = at + 1, last = expected.length - n; from <= last; from++) {
            if (expected[from] == first && Arrays.equals(expected, from, from + n, observed, 0, n)) {
                return from;
            }
        }
        return -1;
    }

    static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** How many times {@code needle} occurs in {@code haystack}, without overlap. */
    static int count(byte[] haystack, byte[] needle) {
        int n = 0;
        for (int at = indexOf(haystack, needle, 0); at >= 0; at = indexOf(haystack, needle, at + needle.length)) {
            n++;
        }
        return n;
    }

    private static byte[] strip(byte[] bytes, byte drop) {
        var out = new ByteArrayOutputStream(bytes.length);
        for (byte b : bytes) {
            if (b != drop) {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    // '?' in the reply where the expected byte was not ASCII.
    private static boolean questionMarks(byte[] expected, byte[] got) {
        for (int i = 0, j = 0; i < expected.length && j < got.length; i++, j++) {
            if (expected[i] < 0 && got[j] == '?') {
                return true;
            }
            if (expected[i] != got[j]) {
                return false;
            }
        }
        return false;
    }
}
