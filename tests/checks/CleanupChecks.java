import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** cleanup.*: every connection gives back its socket, its thread, its process (SPEC §4.1). */
@ExtendWith(Suite.Extension.class)
class CleanupChecks {

    @Test
    @Suite.CheckId("cleanup.close-wait")
    void closeWait(Probe p) throws IOException {
        var target = p.target();
        var ports = new ArrayList<Integer>();
        int n = p.connections(20, 10);
        for (int i = 0; i < n; i++) {
            try (var peer = p.connect()) {
                p.echoes(peer, "client " + (i + 1) + " of " + n, "then I leave\n");
                ports.add(peer.localPort());
            }
        }
        if (!Target.await(() -> target.closeWait(ports) == 0, target.timeouts().settle())) {
            throw p.observed("%d of %d server sockets still in CLOSE_WAIT %s after their clients closed",
                            target.closeWait(ports), n, Peer.seconds(target.timeouts().settle()))
                    .detail("CLOSE_WAIT: the client closed, the server has not: its socket stays open, one fd each")
                    .cause(p.parentHolds(ports) > 0 ? Cause.PARENT_HOLDS : Cause.SOCKET_NOT_CLOSED)
                    .error();
        }
    }

    @Test
    @Suite.CheckId("cleanup.fds")
    void fds(Probe p) throws IOException {
        var target = p.target();
        try (var warm = p.connect()) {
            p.echoes(warm, "a first client", "warm up\n");
        }
        var base = target.baseline();
        int total = p.connections(200, 40);
        // Never more clients waiting for replies at once than the server serves at once.
        int batch = Math.min(10, p.servedAtOnce());
        var ports = new ArrayList<Integer>();
        for (int done = 0; done < total; done += batch) {
            var peers = new ArrayList<Peer>();
            try {
                for (int i = 0; i < batch; i++) {
                    peers.add(p.connect());
                }
                for (var peer : peers) {
                    p.echoes(peer, "client " + (done + peers.indexOf(peer) + 1) + " of " + total, "connection\n");
                    ports.add(peer.localPort());
                }
            } finally {
                Probe.closeAll(peers);
            }
        }
        var now = target.awaitUsage(u -> u.fds() <= base.fds() + Probe.FD_SLACK);
        if (now.fds() > base.fds() + Probe.FD_SLACK) {
            int leaked = now.fds() - base.fds();
            throw p.observed("open files: %d before, %d %s after %d clients left (%+d)", base.fds(), now.fds(),
                            Peer.seconds(target.timeouts().settle()), total, leaked)
                    .detail("by kind, before: " + base.fdKinds() + "; after: " + now.fdKinds())
                    .detail("server sockets of these clients in CLOSE_WAIT: " + target.closeWait(ports))
                    .cause(p.parentHolds(ports) > 0 ? Cause.PARENT_HOLDS
                            : leaked >= total * 9 / 10 ? Cause.EVERY_CONNECTION_LEAKS : Cause.SOME_CONNECTIONS_LEAK)
                    .error();
        }
    }

    @Test
    @Suite.CheckId("cleanup.threads")
    void threads(Probe p) throws IOException {
        var target = p.target();
        var base = target.baseline();
        int workers = p.workers();
        int clients = switch (p.model()) {
            case SINGLE_THREADED -> 8;
            case THREAD_POOL -> Math.min(2 * workers, workers + Math.max(1, target.queue()));
            case null, default -> target.maxClients() > 0 ? Math.min(16, target.maxClients()) : 16;
        };
        int bound = switch (p.model()) {
            case THREAD_POOL -> workers;
            case MULTI_THREADED -> clients;
            case null, default -> 0;
        };
        var peers = new ArrayList<Peer>();
        Target.Usage during;
        try {
            for (int i = 0; i < clients; i++) {
                var peer = p.connect();
                peers.add(peer);
                peer.send("hold a thread\n");
            }
            Target.pause(Duration.ofMillis(300));
            during = target.usage();
        } finally {
            Probe.closeAll(peers);
        }
        if (p.model() != Model.MULTI_THREADED && during.threads() > base.threads() + bound + Probe.THREAD_SLACK) {
            throw p.observed("threads: %d before, %d with %d clients connected (%+d); the bound is %d",
                            base.threads(), during.threads(), clients, during.threads() - base.threads(), bound)
                    .cause(p.model() == Model.THREAD_POOL ? Cause.POOL_GROWS : Cause.THREADS_GROW)
                    .error();
        }
        var now = target.awaitUsage(u -> u.threads() <= base.threads() + bound + Probe.THREAD_SLACK
                && (p.model() != Model.MULTI_THREADED || u.threads() <= base.threads() + Probe.THREAD_SLACK));
        int allowed = p.model() == Model.MULTI_THREADED ? 0 : bound;
        if (now.threads() > base.threads() + allowed + Probe.THREAD_SLACK) {
            throw p.observed("threads: %d before, %d with %d clients connected, still %d %s after they left (%+d)",
                            base.threads(), during.threads(), clients, now.threads(),
                            Peer.seconds(target.timeouts().settle()), now.threads() - base.threads())
                    .cause(Cause.THREAD_NEVER_ENDS)
                    .error();
        }
    }

    @Test
    @Suite.CheckId("cleanup.zombies")
    void zombies(Probe p) throws IOException {
        var target = p.target();
        for (int i = 0; i < 10; i++) {
            try (var peer = p.connect()) {
                p.echoes(peer, "client " + (i + 1) + " of 10", "then I leave\n");
            }
        }
        var zombies = new ArrayList<Long>();
        Target.await(() -> {
            zombies.clear();
            ProcFs.descendants(target.pid()).stream().filter(ProcFs.ProcessInfo::zombie).forEach(z -> zombies.add(z.pid()));
            return zombies.isEmpty();
        }, target.timeouts().settle());
        if (!zombies.isEmpty()) {
            throw p.observed("%d zombie children (state Z, parent %d) %s after their clients left: pids %s",
                            zombies.size(), target.pid(), Peer.seconds(target.timeouts().settle()), zombies)
                    .cause(Cause.NO_REAP)
                    .error();
        }
    }

    @Test
    @Suite.CheckId("cleanup.children")
    void children(Probe p) throws IOException {
        var target = p.target();
        var base = target.usage();
        try (var peer = p.connect()) {
            p.echoes(peer, "a client", "who serves me?\n");
            var holders = ProcFs.listenerOwners(target.port()).stream().filter(pid -> pid != target.pid()).toList();
            if (!holders.isEmpty()) {
                throw p.observed("the listening socket of port %d is also held by pids %s, children of the server",
                                target.port(), holders)
                        .cause(Cause.CHILD_HOLDS_LISTENER)
                        .error();
            }
        }
        var now = target.awaitUsage(u -> u.children() <= base.children());
        if (now.children() > base.children()) {
            throw p.observed("%d child processes before the client, %d %s after it left",
                            base.children(), now.children(), Peer.seconds(target.timeouts().settle()))
                    .cause(Cause.CHILD_NEVER_EXITS)
                    .error();
        }
    }
}
