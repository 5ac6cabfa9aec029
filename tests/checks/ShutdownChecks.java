import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** shutdown.*: SIGTERM stops the server cleanly (SPEC §3). */
@ExtendWith(Suite.Extension.class)
class ShutdownChecks {

    @Test
    @Suite.CheckId("shutdown.sigterm")
    void sigterm(Probe p) throws IOException, InterruptedException {
        var target = p.target();
        // SIGTERM goes to the process the suite launched, as Docker, systemd and supervisord send it; its exit
        // status is the verdict. The server's own process (the ready line's pid) may be a child of it.
        var launched = target.launch().process();
        var tree = new java.util.LinkedHashSet<Long>();
        try (var peer = p.connect()) {
            // A client is connected and mid-exchange: SIGTERM must not wait for it to leave.
            peer.send("before shutdown\n");
            // The reply is the echo checks' to judge; a server that died of this client, before any SIGTERM, is told so.
            var before = p.read(peer, target.replyTo("before shutdown\n").length, p.reply());
            if (before.end() != Peer.End.COMPLETE && launched.waitFor(200, TimeUnit.MILLISECONDS)) {
                target.launch().awaitLastWords(Duration.ofSeconds(1));
                throw p.observed("the server %s before SIGTERM was sent, as it served a client", Launch.describeExit(launched.exitValue()))
                        .cause(Cause.ofDeath(target.launch().crashLines(0)))
                        .error();
            }
            tree.add(target.pid());
            for (long root : List.of(launched.pid(), target.pid())) {
                ProcFs.descendants(root).forEach(d -> tree.add(d.pid()));
            }
            tree.remove(launched.pid());
            launched.destroy();
            var bound = Duration.ofSeconds(5).multipliedBy((long) Math.ceil(target.timeouts().scale()));
            if (!launched.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                throw p.observed("the launched process (pid %d) was still running %s after SIGTERM", launched.pid(), Peer.seconds(bound))
                        .detail(target.serverSide(peer.localPort()))
                        .cause(Cause.SIGTERM_IGNORED)
                        .error();
            }
            if (launched.exitValue() != 0) {
                throw p.observed("after SIGTERM the launched process (pid %d) %s", launched.pid(), Launch.describeExit(launched.exitValue()))
                        .cause(launched.exitValue() == 143 ? Cause.EXIT_143 : Cause.FAILED_WHILE_STOPPING)
                        .error();
            }
            // Judged while the client is still connected: a child serving it would end on its own once it left. The
            // server's processes: its tree before SIGTERM, and whatever carries the launch's mark (started since).
            // A zombie is not running: init reaps what the server left unreaped (cleanup.zombies tells of those).
            tree.addAll(target.launch().marked());
            var left = running(tree);
            if (!Target.await(() -> running(tree).isEmpty(), Duration.ofSeconds(2))) {
                var still = running(tree).stream().map(c -> c.pid() + " (" + c.comm() + ")").toList();
                throw p.observed("%s of the server outlived the process the suite launched, with a client still connected: %s",
                                still.size() == 1 ? "1 process" : still.size() + " processes", still)
                        .detail(left.stream().anyMatch(c -> c.pid() == target.pid()) ? "among them the server itself, pid " + target.pid()
                                + ", which the ready line names: the launched process did not end it" : "")
                        .cause(Cause.CHILDREN_NOT_ENDED)
                        .error();
            }
        }
        if (!Target.await(() -> canBind(target.address()), Duration.ofSeconds(2))) {
            var holders = ProcFs.listenerOwners(target.port());
            throw p.observed("port %d cannot be bound again after the server exited%s", target.port(),
                            holders.isEmpty() ? "" : ": still listened on by pids " + holders)
                    .cause(Cause.LISTENER_OUTLIVES_SERVER)
                    .error();
        }
    }

    private static List<ProcFs.ProcessInfo> running(java.util.Collection<Long> pids) {
        return pids.stream().map(ProcFs::process).flatMap(Optional::stream).filter(c -> !c.zombie()).toList();
    }

    private static boolean canBind(InetSocketAddress address) {
        try (var socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(address);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
