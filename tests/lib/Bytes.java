import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/** Bytes shown to a person: as escaped text and as hex, and where two byte strings first differ. */
final class Bytes {

    /** Up to this many bytes are shown whole; longer ones are cut around the place that matters. */
    static final int SHOWN = 96;

    private Bytes() {
    }

    static byte[] of(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        int length = 0;
        for (var part : parts) {
            length += part.length;
        }
        var all = new byte[length];
        int at = 0;
        for (var part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** Text with every byte that is not printable ASCII escaped: "hi\r\n\xc3\xa9". Exact, never decoded. */
    static String text(byte[] bytes, int from, int to) {
        var s = new StringBuilder(to - from + 2).append('"');
        for (int i = from; i < to; i++) {
            int b = bytes[i] & 0xff;
            switch (b) {
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                case '\\' -> s.append("\\\\");
                case '"' -> s.append("\\\"");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        s.append((char) b);
                    } else {
                        s.append("\\x").append(HexFormat.of().toHexDigits((byte) b));
                    }
                }
            }
        }
        return s.append('"').toString();
    }

    static String text(byte[] bytes) {
        return bytes.length <= SHOWN ? text(bytes, 0, bytes.length) : excerpt(bytes, 0);
    }

    static String hex(byte[] bytes, int from, int to) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes, from, to);
    }

    /** About {@link #SHOWN} bytes of {@code bytes} around {@code at}, as text, marking what was cut. */
    static String excerpt(byte[] bytes, int at) {
        int from = Math.max(0, Math.min(at - SHOWN / 3, bytes.length - SHOWN));
        int to = Math.min(bytes.length, from + SHOWN);
        return (from > 0 ? "[" + from + " bytes] " : "") + text(bytes, from, to)
                + (to < bytes.length ? " [" + (bytes.length - to) + " more bytes]" : "");
    }

    /** The index of the first byte where the two differ, the shorter length when one is a prefix of the other, or -1. */
    static int firstDifference(byte[] expected, byte[] observed) {
        return Arrays.mismatch(expected, observed);
    }

    /** Expected and observed bytes, where they first differ, in text and hex around that byte. */
    static String compare(byte[] expected, byte[] observed) {
        int at = firstDifference(expected, observed);
        var s = new StringBuilder();
        s.append("expected ").append(count(expected.length)).append(": ").append(excerpt(expected, Math.max(at, 0))).append('\n');
        s.append("observed ").append(count(observed.length)).append(": ").append(excerpt(observed, Math.max(at, 0))).append('\n');
        if (at < 0) {
            return s.toString();
        }
        int from = Math.max(0, at - 8);
        s.append("first difference at byte ").append(at).append(": expected ")
                .append(at < expected.length ? hex(expected, at, at + 1) + " " + text(expected, at, at + 1) : "nothing more")
                .append(", observed ")
                .append(at < observed.length ? hex(observed, at, at + 1) + " " + text(observed, at, at + 1) : "nothing more")
                .append('\n');
        s.append("  expected bytes ").append(from).append("..: ").append(hexAround(expected, from, at)).append('\n');
        s.append("  observed bytes ").append(from).append("..: ").append(hexAround(observed, from, at)).append('\n');
        return s.toString();
    }

    static String count(long bytes) {
        return bytes == 1 ? "1 byte" : bytes + " bytes";
    }

    // "68 65 6c [6c] 6f": the first differing byte in brackets.
    private static String hexAround(byte[] bytes, int from, int at) {
        var s = new StringBuilder();
        int to = Math.min(bytes.length, at + 8);
        for (int i = from; i < to; i++) {
            var h = hex(bytes, i, i + 1);
            s.append(i == at ? "[" + h + "]" : h).append(' ');
        }
        if (at >= bytes.length) {
            s.append("[end]");
        }
        return s.toString().strip();
    }
}
