import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A failed check, told so that a student knows what to fix: what was observed (bytes as text and
 * hex, counts, socket states), the rule, the likely cause in the server's code, the lesson to
 * reread, and what the server logged meanwhile.
 */
final class Finding {

    /** The running check's rule and where its part of the server log begins; set before each check. */
    static volatile String rule = "";
    static volatile Launch launch;
    static volatile long logMark;

    private static final byte[] REPLACEMENT = {(byte) 0xef, (byte) 0xbf, (byte) 0xbd};

    private final String observed;
    private final List<String> details = new ArrayList<>();
    private String cause = "";
    private String lesson = "";

    private Finding(String observed) {
        this.observed = observed;
    }

    static Finding observed(String format, Object... args) {
        return new Finding(args.length == 0 ? format : format.formatted(args));
    }

    /** More of what was observed; blank text is left out. */
    Finding detail(String text) {
        if (text != null && !text.isBlank()) {
            details.add(text.stripTrailing());
        }
        return this;
    }

    Finding cause(String text) {
        cause = text;
        return this;
    }

    Finding lesson(String ref) {
        lesson = ref;
        return this;
    }

    String message() {
        var s = new StringBuilder("observed: ").append(observed);
        for (var d : details) {
            s.append('\n').append(d.replace("\n", "\n  ").replaceFirst("^", "  "));
        }
        s.append("\nrule: ").append(rule);
        if (!cause.isEmpty()) {
            s.append("\nlikely cause: ").append(cause);
        }
        if (!lesson.isEmpty()) {
            s.append("\nreread: ").append(lesson);
        }
        var log = launch == null ? List.<String>of() : launch.stderrSince(logMark, 8);
        if (!log.isEmpty()) {
            s.append("\nserver log during this check (last lines):");
            log.forEach(l -> s.append("\n  | ").append(Sanitize.line(l)));
        }
        return s.toString();
    }

    AssertionError error() {
        return new AssertionError(message());
    }

    /**
     * Why a reply differs from the expected one: the bytes compared, the server's side of the
     * connection, and the defect that most often produces such a difference.
     */
    static Finding reply(Target target, Peer peer, String what, byte[] expected, Peer.Reply got) {
        var f = observed("%s: %s", what, got.describe())
                .detail(got.bytes().length == 0
                        ? "expected " + Bytes.count(expected.length) + ": " + Bytes.text(expected)
                        : Bytes.compare(expected, got.bytes()));
        if (!got.complete() && got.end() != Peer.End.EOF) {
            f.detail(target.serverSide(peer.localPort()));
        }
        f.detail(peer.trace());
        var server = target.serverSocket(peer.localPort());
        var again = cameAgain(peer.earlier(), expected, got.bytes());
        return f.cause(again != null ? again : cause(target, expected, got, server.map(ProcFs.TcpSocket::inode).orElse(-1L),
                        server.map(ProcFs.TcpSocket::rxQueue).orElse(0L)))
                .lesson(lessonFor(target, got));
    }

    private static String lessonFor(Target target, Peer.Reply got) {
        var model = target.claimed();
        boolean waiting = got.bytes().length == 0 && got.end() == Peer.End.TIMEOUT;
        if (waiting && model != null && model.lesson != 1) {
            return model.lessonRef() + "; and " + Model.ECHO_LESSON;
        }
        return waiting && model != null ? model.lessonRef() : Model.ECHO_LESSON;
    }

    /**
     * Replies sent again: what came begins with what this connection had received before, or the
     * expected reply comes twice. A reply buffer not emptied after it is written does that.
     */
    static String cameAgain(byte[] earlier, byte[] expected, byte[] got) {
        int k = Math.min(earlier.length, got.length);
        boolean old = k >= 4 && Arrays.mismatch(earlier, 0, k, got, 0, k) < 0 && !Arrays.equals(got, 0, k, expected, 0, Math.min(k, expected.length));
        boolean twice = got.length > expected.length && expected.length >= 4 && Arrays.mismatch(got, 0, expected.length, expected, 0, expected.length) < 0
                && Arrays.mismatch(got, expected.length, Math.min(got.length, 2 * expected.length), expected, 0,
                        Math.min(expected.length, got.length - expected.length)) < 0;
        if (old || twice) {
            return "replies came again: the server writes again what it wrote before. A reply buffer not emptied after it "
                    + "is written (ByteArrayOutputStream.reset()), or a write of a whole old buffer, does that";
        }
        return null;
    }

    private static String cause(Target target, byte[] expected, Peer.Reply got, long inode, long unread) {
        var b = got.bytes();
        if (b.length == 0) {
            return switch (got.end()) {
                case TIMEOUT -> inode == 0
                        ? "the server has not accepted this connection: the thread that accepts is busy (serving a client itself?) or gone"
                        : unread > 0 && target.claimed() == Model.EVENT_LOOP
                        ? "the loop does not read this client (" + Bytes.count(unread) + " wait unread): its channel is "
                          + "not registered for OP_READ (or OP_READ is off), or the loop is stuck in another client's handler"
                        : unread > 0
                        ? "the server accepted the connection but does not read it (" + Bytes.count(unread)
                          + " wait unread): no thread serves this client (all busy? serving one client at a time?)"
                        : "the server read the bytes but wrote nothing back: the reply is never written, sits in a buffer "
                          + "that is not flushed (BufferedOutputStream, PrintWriter without flush), or the server waits for more "
                          + "input first (until its buffer is full, or until end of stream)";
                case EOF -> "the server closed the connection without a reply: the handler ended early "
                        + "(an exception? see the server log) or stops after its first read";
                case RESET -> "the server reset the connection: it closed its socket with bytes unread, or crashed";
                case COMPLETE -> "";
            };
        }
        if (Arrays.mismatch(expected, b) == b.length) {
            if (b.length == expected.length - 1 && expected[expected.length - 1] == '\n') {
                return "the reply lacks its LF: readLine() drops the line terminator and print() does not put it back; "
                        + "echo the line's own bytes, terminator included";
            }
            return got.end() == Peer.End.EOF
                    ? "the server closed the connection before the reply was complete: replies still owed were not written "
                      + "before close"
                    : "only part of the reply came: the rest is not written (a partial write not completed, a write of "
                      + "part of the buffer) or sits in an unflushed buffer";
        }
        if (indexOf(b, Bytes.of("server error# ")) == 0 && indexOf(expected, Bytes.of("server error# ")) != 0) {
            return "the server refused the line as longer than its --max-line: is its limit smaller than the suite's "
                    + "(give the suite the server's --max-line), or does it count the bytes wrong?";
        }
        // Every pattern that fits: a reply can show several defects at once.
        var causes = new ArrayList<String>();
        var withoutCr = strip(expected, (byte) '\r');
        int crMismatch = Arrays.mismatch(withoutCr, b);
        if (withoutCr.length < expected.length && (crMismatch < 0 || crMismatch >= Math.min(b.length, withoutCr.length)
                || b[crMismatch] == '\n')) {
            causes.add("the CR was lost or taken for a line end: readLine() ends a line at \"\\r\", \"\\n\" or "
                    + "\"\\r\\n\" and drops it, println() writes \"\\n\"; find the LF in the bytes, keep the rest as it is");
        }
        if (indexOf(b, REPLACEMENT) >= 0 && indexOf(expected, REPLACEMENT) < 0) {
            causes.add("bytes came back as ef bf bd (U+FFFD, the replacement character): the server decodes bytes into "
                    + "text (new String, InputStreamReader, readLine) and encodes them again; bytes that are not valid UTF-8, "
                    + "or a character split across two reads, are lost. Echo bytes; never decode");
        }
        if (questionMarks(expected, b)) {
            causes.add("characters came back as '?': the server encodes text with a charset that cannot hold them "
                    + "(US-ASCII, ISO-8859-1); echo bytes, never encode");
        }
        var prefix = target.prefix();
        if (!target.raw() && prefix.length > 0) {
            int want = count(expected, prefix);
            int seen = count(b, prefix);
            if (seen > want && causes.isEmpty()) {
                causes.add("the prefix came " + seen + " times where " + want + " were expected: the server writes it per "
                        + "read() instead of per line; TCP is a byte stream, so one line can arrive in several reads");
            } else if (seen < want && indexOf(b, prefix) == 0) {
                causes.add("fewer prefixes than lines (" + seen + " for " + want + "): when one read holds several lines, "
                        + "each needs its own PREFIX; find every LF in the bytes read");
            } else if (seen == 0) {
                causes.add("no prefix: every reply starts with PREFIX (--prefix, default 'server echo# ')");
            }
        }
        if (indexOf(b, new byte[] {0, 0, 0, 0}) >= 0 && indexOf(expected, new byte[] {0, 0, 0, 0}) < 0) {
            causes.add("NUL bytes from an unused part of a buffer came back: write(buffer) sends the whole array; "
                    + "write(buffer, 0, n) sends the n bytes read");
        }
        if (causes.isEmpty()) {
            causes.add("the reply differs from what was sent: echo exactly the bytes read, in order, each complete line once");
        }
        return String.join("; also, ", causes);
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        return indexOf(haystack, needle, 0);
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

    static int count(byte[] haystack, byte[] needle) {
        int n = 0;
        for (int at = indexOf(haystack, needle, 0); at >= 0; at = indexOf(haystack, needle, at + needle.length)) {
            n++;
        }
        return n;
    }

    private static byte[] strip(byte[] bytes, byte drop) {
        var out = new java.io.ByteArrayOutputStream(bytes.length);
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

    /** Server output made safe to print: control characters escaped. */
    static final class Sanitize {
        private Sanitize() {
        }

        static String line(String s) {
            var out = new StringBuilder(s.length());
            s.codePoints().forEach(c -> {
                if (c < 0x20 || c == 0x7f) {
                    out.append("\\x%02x".formatted(c));
                } else {
                    out.appendCodePoint(c);
                }
            });
            return out.toString();
        }
    }
}
