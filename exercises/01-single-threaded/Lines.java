// Lesson 1's copy of solutions/shared/Lines.java, with the TODOs of this lesson; later lessons use the whole one.
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Line mode (SPEC §2.1): PREFIX + line for every complete line, whatever the reads' sizes. */
final class Lines implements Framing {
    private final byte[] prefix;
    private final int maxLine;
    // The start of a line whose LF has not arrived yet; grows only as far as maxLine.
    private byte[] partial = new byte[0];
    private int partialLength;

    Lines(byte[] prefix, int maxLine) {
        this.prefix = prefix.clone();
        this.maxLine = maxLine;
    }

    @Override
    public boolean read(byte[] in, int off, int len, ByteArrayOutputStream reply) {
        // TODO(3): Lines: for each LF in in[off, off+len), write prefix, the kept start of the line
        //   (partial, partialLength bytes) and the bytes up to and including the LF, then forget
        //   the kept bytes. keep(...) the bytes after the last LF for the next read. A line may have
        //   up to maxLine bytes, LF included: return tooLong(reply) as soon as one has more, even
        //   before its LF arrives. (Framing.indexOf finds an LF.)
        reply.write(in, off, len);
        return true;
    }

    @Override
    public void end(ByteArrayOutputStream reply) {
        // TODO(4): A line the client never ended with LF is still owed at its end of input: prefix and the kept bytes.
    }

    @Override
    public String ending() {
        return "line longer than " + maxLine + " bytes";
    }

    // The error line (SPEC §2.1), after the replies to the read's earlier lines; then the connection ends.
    private boolean tooLong(ByteArrayOutputStream reply) {
        reply.writeBytes("server error# line longer than %d bytes\n".formatted(maxLine).getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private void keep(byte[] in, int off, int len) {
        if (partialLength + len > partial.length) {
            int grown = Math.max(partialLength + len, Math.min(maxLine, Math.max(256, 2 * partial.length)));
            partial = Arrays.copyOf(partial, grown);
        }
        System.arraycopy(in, off, partial, partialLength, len);
        partialLength += len;
    }

}
