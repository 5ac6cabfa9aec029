import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The concurrency model as seen from outside (SPEC §4.1 concurrency.model): how many clients are
 * answered at once, and what the server's threads and processes do meanwhile.
 */
record Observation(Kind kind, int servedAtOnce, String evidence) {

    /** What the server was seen to do. */
    enum Kind {
        SERIAL("one client at a time"),
        PROCESS_PER_CONNECTION("a child process per connection"),
        THREAD_PER_CONNECTION("a thread per connection"),
        POOL("a bounded pool: a fixed number served at once, the others waiting"),
        FIXED_THREADS("a fixed set of threads serving every client at once"),
        CONCURRENT("every client served at once (threads not visible from here)"),
        UNRESPONSIVE("no echo to a first client");

        final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    /** How many clients the probe connects at most. */
    static final int PROBE = 32;

    /** The model this observation points to, or null when it does not point to one. */
    Model model() {
        return switch (kind) {
            case SERIAL -> Model.SINGLE_THREADED;
            case PROCESS_PER_CONNECTION -> Model.MULTI_PROCESS;
            case THREAD_PER_CONNECTION -> Model.MULTI_THREADED;
            case POOL -> Model.THREAD_POOL;
            case FIXED_THREADS, CONCURRENT, UNRESPONSIVE -> null;
        };
    }

    /** The model's name, or what was seen when no single model fits. */
    String modelName() {
        var m = model();
        return m != null ? m.label : switch (kind) {
            case FIXED_THREADS -> "event-loop or virtual-threads";
            case CONCURRENT -> "concurrent";
            default -> "unknown";
        };
    }

    /** Whether what was seen is what {@code claimed} does. */
    boolean matches(Model claimed, int workers) {
        return switch (claimed) {
            case SINGLE_THREADED -> kind == Kind.SERIAL;
            case MULTI_PROCESS -> kind == Kind.PROCESS_PER_CONNECTION;
            case MULTI_THREADED -> kind == Kind.THREAD_PER_CONNECTION || kind == Kind.CONCURRENT;
            case THREAD_POOL -> (kind == Kind.POOL && (workers == 0 || servedAtOnce == workers))
                    || (kind == Kind.SERIAL && workers == 1);
            case EVENT_LOOP, VIRTUAL_THREADS -> kind == Kind.FIXED_THREADS || kind == Kind.CONCURRENT;
        };
    }

    String describe() {
        return modelName() + ": " + kind.words + " (" + evidence + ")";
    }

    /** Connects clients one after another and sees which are answered while the others stay connected. */
    static Observation of(Target target) {
        var t = target.timeouts();
        int probe = PROBE;
        if (target.maxClients() > 0) {
            probe = Math.min(probe, target.maxClients());
        }
        if (target.workers() > 0) {
            probe = Math.max(probe, Math.min(target.workers() + 1, 2 * PROBE));
        }
        var base = target.baseline();
        var clients = new ArrayList<Client>();
        try {
            var first = Client.open(target, 0);
            clients.add(first);
            if (!first.answered(t.reply())) {
                return new Observation(Kind.UNRESPONSIVE, 0, (first.got.size() == 0 ? "a first client got no reply within "
                        + Peer.seconds(t.reply()) : "a first client got " + Bytes.text(first.got.toByteArray()) + ", not the echo expected")
                        + "; " + target.serverSide(first.peer.localPort()));
            }
            var second = Client.open(target, 1);
            clients.add(second);
            // A child process that is still starting is not a client kept waiting.
            boolean answered = second.answered(t.quiet())
                    || childOwners(target, List.of(second)) == 1 && second.answered(t.reply());
            if (!answered) {
                // Not answered while the first is connected: is it answered once the first leaves?
                first.peer.close();
                long start = System.nanoTime();
                if (second.answered(t.reply())) {
                    return new Observation(Kind.SERIAL, 1, "a second client was answered only after the first left ("
                            + (System.nanoTime() - start) / 1_000_000 + " ms later)");
                }
                return new Observation(Kind.UNRESPONSIVE, 1, "a second client was not answered, even after the first left");
            }
            if (childOwners(target, clients) == 2) {
                // Each connection held by a child process of its own: a few more clients confirm it.
                for (int i = 2; i < Math.min(probe, 6); i++) {
                    clients.add(Client.open(target, i));
                }
                int served = 0;
                for (var client : clients) {
                    served += client.answered(t.reply()) ? 1 : 0;
                }
                int owners = childOwners(target, clients);
                if (owners == clients.size()) {
                    return new Observation(Kind.PROCESS_PER_CONNECTION, served, "%d clients connected at once, %d answered; "
                            .formatted(clients.size(), served) + "each connection's socket is held by a child process of its "
                            + "own (%d distinct children of pid %d)".formatted(owners, target.pid()));
                }
                return new Observation(Kind.CONCURRENT, served, "%d clients connected at once, their sockets held by %d children"
                        .formatted(clients.size(), owners));
            }
            for (int i = 2; i < probe; i++) {
                clients.add(Client.open(target, i));
            }
            int served = 2;
            var waiting = new ArrayList<Client>();
            long deadline = System.nanoTime() + t.quiet().toNanos();
            for (var client : clients.subList(2, probe)) {
                if (client.answered(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())))) {
                    served++;
                } else {
                    waiting.add(client);
                }
            }
            var during = target.usage();
            if (served < probe) {
                var evidence = new StringBuilder("%d of %d clients connected at once were answered, %d waited"
                        .formatted(served, probe, probe - served));
                if (base != null && during != null) {
                    evidence.append("; threads %+d".formatted(during.threads() - base.threads()));
                }
                // The pool's promise: a waiting client is served as soon as a worker is free.
                first.peer.close();
                long start = System.nanoTime();
                boolean next = false;
                while (!next && System.nanoTime() - start < t.reply().toNanos()) {
                    for (var client : waiting) {
                        next |= client.answered(Duration.ofMillis(20));
                    }
                }
                evidence.append(next ? "; when one left, a waiting client was answered"
                        : "; when one left, no waiting client was answered");
                return new Observation(Kind.POOL, served, evidence.toString());
            }
            if (base == null || during == null) {
                return new Observation(Kind.CONCURRENT, served, "all " + probe + " clients connected at once were answered");
            }
            int grew = during.threads() - base.threads();
            if (grew >= probe * 3 / 4) {
                clients.forEach(c -> c.peer.close());
                int threshold = probe / 2;
                var after = target.awaitUsage(u -> u.threads() - base.threads() < threshold);
                int left = after.threads() - base.threads();
                if (left < threshold) {
                    return new Observation(Kind.THREAD_PER_CONNECTION, served,
                            "all %d clients answered at once; threads %+d with them connected, %+d after they left"
                                    .formatted(probe, grew, left));
                }
                // The threads stayed: a pool reuses them for a second batch of clients; a thread per client that
                // never ends starts as many again (its leak is cleanup.threads' to judge).
                var batch = new ArrayList<Client>();
                try {
                    for (int i = 0; i < probe; i++) {
                        batch.add(Client.open(target, probe + i));
                    }
                    for (var client : batch) {
                        client.answered(t.reply());
                    }
                    var again = target.usage();
                    int more = again.threads() - after.threads();
                    if (more >= probe * 3 / 4) {
                        return new Observation(Kind.THREAD_PER_CONNECTION, served, ("all %d clients answered at once; threads %+d "
                                + "with them connected, still %+d after they left, and %+d more for a second batch of %d: a new "
                                + "thread for every client, kept after it leaves").formatted(probe, grew, left, more, probe));
                    }
                    return new Observation(Kind.POOL, served, ("all %d clients answered at once; threads %+d, still %+d after they "
                            + "left, and %+d for a second batch of %d: a pool of at least %d workers, reused")
                            .formatted(probe, grew, left, more, probe, probe));
                } finally {
                    batch.forEach(c -> c.peer.close());
                }
            }
            // Threads of earlier clients that were still ending when the probe began hide the growth: a thread per
            // client shows as many ending when the clients leave.
            clients.forEach(c -> c.peer.close());
            var left = target.awaitUsage(u -> during.threads() - u.threads() >= clients.size() * 3 / 4, t.scaled(Duration.ofMillis(500)));
            int ended = during.threads() - left.threads();
            if (ended >= probe * 3 / 4) {
                return new Observation(Kind.THREAD_PER_CONNECTION, served,
                        "all %d clients answered at once; %d threads with them connected (%+d), %d fewer after they left"
                                .formatted(probe, during.threads(), grew, ended));
            }
            return new Observation(Kind.FIXED_THREADS, served, "all %d clients answered at once by %d OS threads (%+d), "
                    .formatted(probe, during.threads(), grew) + "no thread per client; its own threads: "
                    + threadGroups(target.pid()));
        } catch (IOException | AssertionError e) {
            return new Observation(Kind.UNRESPONSIVE, 0, "the probe failed: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        } finally {
            clients.forEach(c -> c.peer.close());
            // Leave the server idle for the checks that follow.
            target.awaitUsage(u -> base == null || u.threads() <= base.threads() + 4);
        }
    }

    /** A probe client: it sends one line at once, and counts the bytes of its reply as they come. */
    private static final class Client {
        final Target target;
        final Peer peer;
        final int expected;
        final java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        int received;

        private Client(Target target, Peer peer, int expected) {
            this.target = target;
            this.peer = peer;
            this.expected = expected;
        }

        static Client open(Target target, int i) throws IOException {
            var line = "probe " + i + "\n";
            var peer = target.connect();
            peer.send(line);
            return new Client(target, peer, target.replyTo(line).length);
        }

        /** Whether the whole reply has come, waiting at most {@code within} for the rest (longer while the server is busy). */
        boolean answered(Duration within) throws IOException {
            if (received < expected) {
                var bytes = target.patientRead(peer, expected - received, within, slow -> { }).bytes();
                got.writeBytes(bytes);
                received += bytes.length;
            }
            return received == expected;
        }
    }

    // Threads every JVM has (their names as /proc shows them, cut at 15 characters).
    private static final java.util.regex.Pattern JVM_THREADS = java.util.regex.Pattern.compile(
            "C[12] CompilerThre|Common-Cleaner|Finalizer|G1 .*|GC Thread#.*|Monitor Deflati|Notification Th|Reference Handl|"
                    + "Service Thread|Signal Dispatch|VM Periodic Tas|VM Thread|Attach Listener|java|process reaper");

    /** A process's own threads by name, the JVM's left out and numbers folded: "ForkJoinPool-1- x2 (virtual-thread carriers)". */
    static String threadGroups(long pid) {
        var groups = new java.util.TreeMap<String, Integer>();
        for (var name : ProcFs.threadNames(pid)) {
            if (!JVM_THREADS.matcher(name).matches()) {
                groups.merge(name.replaceAll("\\d+$", "*"), 1, Integer::sum);
            }
        }
        if (groups.isEmpty()) {
            return "none but the runtime's";
        }
        return groups.entrySet().stream()
                .map(e -> e.getKey() + (e.getValue() > 1 ? " x" + e.getValue() : "")
                        + (e.getKey().startsWith("ForkJoinPool") ? " (virtual-thread carriers)" : ""))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    // How many of the probe's connections are held by distinct children of the server, not by the server.
    private static int childOwners(Target target, List<Client> clients) {
        if (!target.local()) {
            return 0;
        }
        var children = ProcFs.descendants(target.pid()).stream().map(ProcFs.ProcessInfo::pid).toList();
        if (children.isEmpty()) {
            return 0;
        }
        var owners = ProcFs.socketOwners();
        var distinct = new HashSet<Long>();
        for (var client : clients) {
            target.serverSocket(client.peer.localPort()).ifPresent(s -> owners.getOrDefault(s.inode(), List.of()).stream()
                    .filter(children::contains).findFirst().ifPresent(distinct::add));
        }
        return distinct.size();
    }
}
