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
            peer.read(target.replyTo("before shutdown\n").length, p.reply());
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
        }
        if (launched.exitValue() != 0) {
            throw p.observed("after SIGTERM the launched process (pid %d) %s", launched.pid(), Launch.describeExit(launched.exitValue()))
                    .cause(launched.exitValue() == 143 ? Cause.EXIT_143 : Cause.FAILED_WHILE_STOPPING)
                    .error();
        }
        // A zombie is not running: init reaps what the server left unreaped (cleanup.zombies tells of those).
        var left = tree.stream().map(ProcFs::process).flatMap(Optional::stream).filter(c -> !c.zombie())
                .map(ProcFs.ProcessInfo::pid).toList();
        if (!Target.await(() -> tree.stream().map(ProcFs::process).flatMap(Optional::stream).allMatch(ProcFs.ProcessInfo::zombie),
                Duration.ofSeconds(2))) {
            var still = tree.stream().map(ProcFs::process).flatMap(Optional::stream).filter(c -> !c.zombie())
                    .map(c -> c.pid() + " (" + c.comm() + ")").toList();
            throw p.observed("%d processes of the server outlived the process the suite launched: pids %s", still.size(), still)
                    .detail(left.contains(target.pid()) ? "among them the server itself, pid " + target.pid()
                            + ", which the ready line names: the launched process did not end it" : "")
                    .cause(Cause.CHILDREN_NOT_ENDED)
                    .error();
        }
        if (!Target.await(() -> canBind(target.address()), Duration.ofSeconds(2))) {
            var holders = ProcFs.listenerOwners(target.port());
            throw p.observed("port %d cannot be bound again after the server exited%s", target.port(),
                            holders.isEmpty() ? "" : ": still listened on by pids " + holders)
                    .cause(Cause.LISTENER_OUTLIVES_SERVER)
                    .error();
        }
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
