//JAVA 25+
//DEPS info.picocli:picocli:4.7.7
//SOURCES lib/Peer.java lib/Bytes.java

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A telnet-like client (SPEC §6). Interactive: each line typed is sent, replies are printed as
 * they arrive, end of input (Ctrl-D) half-closes. Scripted: --send lines, print the replies, exit
 * with a status that says whether the exchange worked.
 */
@Command(name = "telnet", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, version = "Echo Kit telnet 1",
        description = {"Talks to a TCP server, like telnet.",
                "Interactive: type lines; Ctrl-D half-closes and waits for the server to close.",
                "Scripted (--send): sends each line, prints each reply line, half-closes, waits for the close."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the exchange worked: every reply came, then the server closed after our end of input",
                        "1:the server closed early, or a reply did not come in time",
                        "2:could not connect, or bad usage"},
        footerHeading = "%nExamples:%n",
        footer = {"  ./jbang telnet localhost 8888", "  ./jbang telnet localhost 8888 --send hello --send world",
                "  ./jbang telnet localhost 8888 --crlf --hex --send 'caf\u00e9'"})
public class Telnet implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "HOST", description = "The server's host.")
    String host;

    @Parameters(index = "1", paramLabel = "PORT", description = "The server's port.")
    int port;

    @Option(names = "--crlf", description = "End each line with CR LF, as telnet does, instead of LF.")
    boolean crlf;

    @Option(names = "--send", paramLabel = "TEXT", description = "Send TEXT as a line (repeatable): scripted mode.")
    List<String> lines = new ArrayList<>();

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "5",
            description = "Scripted: how long each reply, and the server's close, may take (default: ${DEFAULT-VALUE}).")
    double waitSeconds;

    @Option(names = "--hex", description = "Show what the server sends as hex and text, byte by byte.")
    boolean hex;

    private final PrintStream out = System.out;
    private long shown;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Telnet()).execute(args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        // Scripted, stdout holds only the replies; the rest goes to stderr.
        var status = lines.isEmpty() ? out : System.err;
        var address = new InetSocketAddress(InetAddress.getByName(host), port);
        status.println("Trying " + address.getAddress().getHostAddress() + "...");
        Peer peer;
        try {
            peer = Peer.connect(address, Duration.ofSeconds(10));
        } catch (IOException e) {
            System.err.println("telnet: Unable to connect to remote host: " + e.getMessage());
            return 2;
        }
        status.println("Connected to " + host + ".");
        try (peer) {
            return lines.isEmpty() ? interactive(peer) : scripted(peer);
        }
    }

    // Replies are printed by a thread of their own, as they arrive; this thread sends what is typed.
    private int interactive(Peer peer) throws IOException, InterruptedException {
        var halfClosed = new boolean[1];
        var printer = Thread.ofPlatform().name("replies").start(() -> {
            try {
                var in = peer.socket().getInputStream();
                var buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    show(buffer, n);
                }
            } catch (IOException e) {
                out.println("telnet: " + e.getMessage());
            }
            out.println("Connection closed by foreign host.");
            out.flush();
            // The server is gone: stop waiting for typing.
            System.exit(halfClosed[0] ? 0 : 1);
        });
        var stdin = System.in;
        for (Line line; (line = readLine(stdin)) != null; ) {
            // A last line without LF (end of input mid-line) goes as it is, as telnet sends it.
            peer.send(line.ended() ? Bytes.concat(line.bytes(), ending()) : line.bytes());
        }
        // End of input (Ctrl-D): tell the server, and keep printing until it closes.
        halfClosed[0] = true;
        peer.halfClose();
        printer.join();
        return 0;
    }

    private int scripted(Peer peer) throws IOException {
        var wait = Duration.ofMillis((long) (waitSeconds * 1000));
        for (var text : lines) {
            peer.send(Bytes.concat(Bytes.of(text), ending()));
            // One reply line per line sent: bytes up to and including LF.
            var reply = new ByteArrayOutputStream();
            while (reply.size() == 0 || reply.toByteArray()[reply.size() - 1] != '\n') {
                var got = peer.read(1, wait);
                reply.writeBytes(got.bytes());
                if (!got.complete()) {
                    show(reply.toByteArray(), reply.size());
                    System.err.println(got.end() == Peer.End.TIMEOUT
                            ? "telnet: no reply to \"" + text + "\" within " + Peer.seconds(wait)
                            : "Connection closed by foreign host.");
                    return 1;
                }
            }
            show(reply.toByteArray(), reply.size());
        }
        // A server that closes now, before our end of input, closed early.
        var early = peer.quiet(Duration.ofMillis(100));
        show(early.bytes(), early.bytes().length);
        if (early.end() == Peer.End.EOF || early.end() == Peer.End.RESET) {
            System.err.println("Connection closed by foreign host.");
            return 1;
        }
        peer.halfClose();
        var rest = peer.readToEnd(wait, 1 << 20);
        show(rest.bytes(), rest.bytes().length);
        if (rest.end() == Peer.End.TIMEOUT) {
            System.err.println("telnet: the server did not close the connection within " + Peer.seconds(wait) + " of our end of input");
            return 1;
        }
        System.err.println("Connection closed by foreign host.");
        return 0;
    }

    private byte[] ending() {
        return crlf ? new byte[] {'\r', '\n'} : new byte[] {'\n'};
    }

    // Bytes as they came, or as "offset  hex  |text|" rows with --hex.
    private synchronized void show(byte[] bytes, int n) {
        if (!hex) {
            out.write(bytes, 0, n);
        } else {
            for (int row = 0; row < n; row += 16) {
                int end = Math.min(n, row + 16);
                var text = new StringBuilder();
                for (int i = row; i < end; i++) {
                    text.append(bytes[i] >= 0x20 && bytes[i] < 0x7f ? (char) bytes[i] : '.');
                }
                out.printf("%08x  %-47s  |%s|%n", shown + row, HexFormat.ofDelimiter(" ").formatHex(bytes, row, end), text);
            }
            shown += n;
        }
        out.flush();
    }

    /** A line as typed: its bytes without the LF (nor a CR before it), and whether an LF ended it. */
    private record Line(byte[] bytes, boolean ended) {
    }

    // The next line of input; null at end of input.
    private static Line readLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != -1; ) {
            if (b == '\n') {
                var bytes = line.toByteArray();
                return new Line(bytes.length > 0 && bytes[bytes.length - 1] == '\r'
                        ? java.util.Arrays.copyOf(bytes, bytes.length - 1) : bytes, true);
            }
            line.write(b);
        }
        return line.size() > 0 ? new Line(line.toByteArray(), false) : null;
    }
}
