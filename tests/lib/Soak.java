import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * The soak's mixed load (soak.mix): client threads pick behaviours at random, each from its own
 * seed (good, half-closing, resetting, idle, oversized, vanishing), and check every byte.
 */
final class Soak {

    private final Probe probe;
    private final Target target;
    private final long seed;
    private final Duration length;
    private final long deadline;
    private final Queue<String> errors = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final LongAdder verified = new LongAdder();

    Soak(Probe probe, long seed, Duration length) {
        this.probe = probe;
        this.target = probe.target();
        this.seed = seed;
        this.length = length;
        this.deadline = System.nanoTime() + length.toNanos();
    }

    /** Runs the mix on {@code clients} threads until its time is up (or 5 errors); returns it, with what it saw. */
    Soak run(int clients) throws InterruptedException {
        var threads = new ArrayList<Thread>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            threads.add(Thread.ofPlatform().name("soak-" + i).start(() -> client(id)));
        }
        for (var t : threads) {
            t.join(length.plusSeconds(60));
        }
        return this;
    }

    Queue<String> errors() {
        return errors;
    }

    long total() {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    String summary() {
        return "%d exchanges (%s), %s echoed and checked byte for byte".formatted(total(),
                new TreeMap<>(counts).entrySet().stream().map(e -> e.getKey() + " " + e.getValue().sum())
                        .collect(Collectors.joining(", ")), Bytes.count(verified.sum()));
    }

    private void client(int id) {
        var random = new Random(seed + id);
        while (System.nanoTime() < deadline && errors.size() < 5) {
            int pick = random.nextInt(100);
            var kind = pick < 45 ? "good" : pick < 57 ? "half-closing" : pick < 67 ? "resetting" : pick < 77 ? "idle"
                    : pick < 87 && !target.raw() ? "oversized" : "vanishing";
            try {
                switch (kind) {
                    case "good" -> exchange(random, false);
                    case "half-closing" -> exchange(random, true);
                    case "resetting" -> resetting(random);
                    case "idle" -> idle(random);
                    case "oversized" -> oversized();
                    default -> vanishing();
                }
                counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
            } catch (IOException | RuntimeException e) {
                errors.add(kind + " client (thread " + id + "): " + e.getMessage());
            }
        }
    }

    // Lines of random bytes, written in random pieces; every reply checked; then a half-close and the end.
    private void exchange(Random random, boolean partialLast) throws IOException {
        var input = new ByteArrayOutputStream();
        var expected = new ByteArrayOutputStream();
        int lines = 1 + random.nextInt(20);
        for (int i = 0; i < lines; i++) {
            var line = new byte[random.nextInt(Math.min(300, target.maxLine() - 1))];
            random.nextBytes(line);
            for (int b = 0; b < line.length; b++) {
                if (line[b] == '\n') {
                    line[b] = 'n';
                }
            }
            boolean last = i == lines - 1 && partialLast;
            var bytes = last ? line : Bytes.concat(line, new byte[] {'\n'});
            input.writeBytes(bytes);
            expected.writeBytes(target.raw() ? bytes : (bytes.length == 0 ? bytes : target.replyTo(bytes)));
        }
        var sent = input.toByteArray();
        var want = expected.toByteArray();
        try (var peer = target.connect()) {
            for (int at = 0; at < sent.length; ) {
                int n = Math.min(sent.length - at, 1 + random.nextInt(Math.max(1, sent.length / 3)));
                peer.send(Arrays.copyOfRange(sent, at, at + n));
                at += n;
            }
            peer.halfClose();
            var got = peer.readToEnd(probe.replyFor(4).multipliedBy(2), want.length + (1 << 16));
            if (!Arrays.equals(got.bytes(), want) || got.end() != Peer.End.EOF) {
                var compared = Bytes.compare(want, got.bytes()).lines().toList();
                throw new IllegalStateException(got.describe() + "; " + compared.getFirst()
                        + " / " + (compared.size() > 2 ? compared.get(2) : ""));
            }
            verified.add(want.length);
        }
    }

    private void resetting(Random random) throws IOException {
        var peer = target.connect();
        var bytes = new byte[1 + random.nextInt(200)];
        Arrays.fill(bytes, (byte) 'r');
        peer.send(bytes);
        peer.reset();
    }

    private void idle(Random random) throws IOException {
        try (var peer = target.connect()) {
            Target.pause(Duration.ofMillis(random.nextInt(300)));
        }
    }

    private void oversized() throws IOException {
        try (var peer = target.connect()) {
            try {
                peer.send(Probe.filler(target.maxLine() + 1000));
            } catch (IOException e) {
                return;
            }
            var got = peer.readToEnd(probe.replyFor(4), 1 << 16);
            if (got.end() == Peer.End.TIMEOUT) {
                throw new IllegalStateException("a line past --max-line was not refused: " + got.describe());
            }
        }
    }

    // Sends 256 KiB of lines, reads none of the replies, and resets.
    private void vanishing() throws IOException {
        var peer = target.connect();
        var line = probe.fillerLine();
        var writer = Thread.ofPlatform().daemon().start(() -> {
            try {
                for (int i = 0; i < 256; i++) {
                    peer.send(line);
                }
            } catch (IOException e) {
                // The reset below ends it.
            }
        });
        try {
            writer.join(Duration.ofMillis(500));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        peer.reset();
    }
}
