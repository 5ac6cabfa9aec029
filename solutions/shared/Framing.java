import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The echo protocol (SPEC §2) without any I/O: given the bytes a read returned, what to write
 * back. One instance per connection; every concurrency model of the kit uses it as it is. Line
 * mode is {@link Lines} (lesson 1 writes it); raw mode and --short-lived are here.
 */
sealed interface Framing permits Lines, Framing.Raw, Framing.ShortLived {

    byte LF = '\n';

    /**
     * Appends to {@code reply} everything the bytes {@code in[off, off+len)} call for. Returns false
     * when the connection ends once this reply is written: a line grew past the limit (the reply
     * ends with the error line), or the one line of --short-lived was answered.
     */
    boolean read(byte[] in, int off, int len, ByteArrayOutputStream reply);

    /** The client half-closed: appends what is still owed to it. */
    void end(ByteArrayOutputStream reply);

    /** Why the connection ends, for the log, once read returned false. */
    String ending();

    static Framing of(boolean raw, byte[] prefix, int maxLine) {
        return of(raw, prefix, maxLine, false);
    }

    static Framing of(boolean raw, byte[] prefix, int maxLine, boolean shortLived) {
        return raw ? new Raw() : shortLived ? new ShortLived(new Lines(prefix, maxLine)) : new Lines(prefix, maxLine);
    }

    /** --short-lived (SPEC §3): the reply to the first line, then the connection ends; what follows that line is dropped. */
    final class ShortLived implements Framing {
        private final Lines lines;
        private boolean answered;

        ShortLived(Lines lines) {
            this.lines = lines;
        }

        @Override
        public boolean read(byte[] in, int off, int len, ByteArrayOutputStream reply) {
            int lf = indexOf(in, LF, off, off + len);
            if (lf < 0) {
                return lines.read(in, off, len, reply);
            }
            answered = lines.read(in, off, lf + 1 - off, reply);
            return false;
        }

        @Override
        public void end(ByteArrayOutputStream reply) {
            lines.end(reply);
        }

        @Override
        public String ending() {
            return answered ? "short-lived: its line answered" : lines.ending();
        }
    }

    /** Raw mode (SPEC §2.2, RFC 862): every byte back, unchanged, as soon as it is read. */
    final class Raw implements Framing {
        @Override
        public boolean read(byte[] in, int off, int len, ByteArrayOutputStream reply) {
            reply.write(in, off, len);
            return true;
        }

        @Override
        public void end(ByteArrayOutputStream reply) {
        }

        @Override
        public String ending() {
            return "raw mode never ends a connection itself";
        }
    }

    /** Where byte {@code b} first is in {@code in[from, to)}, or -1. */
    static int indexOf(byte[] in, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (in[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
