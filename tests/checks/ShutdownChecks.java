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
        var launch = target.launch();
        var server = ProcessHandle.of(target.pid()).orElse(null);
        if (server == null) {
            throw p.observed("the server (pid %d) was gone before the suite sent SIGTERM", target.pid())
                    .cause(Cause.SERVER_GONE)
                    .error();
        }
        List<Long> children;
        try (var peer = p.connect()) {
            // A client is connected and mid-exchange: SIGTERM must not wait for it to leave.
            peer.send("before shutdown\n");
            peer.read(target.replyTo("before shutdown\n").length, p.reply());
            children = ProcFs.descendants(target.pid()).stream().map(ProcFs.ProcessInfo::pid).toList();
            server.destroy();
            var bound = Duration.ofSeconds(5).multipliedBy((long) Math.ceil(target.timeouts().scale()));
            if (!Target.await(() -> !server.isAlive(), bound)) {
                throw p.observed("the server (pid %d) was still running %s after SIGTERM", target.pid(), Peer.seconds(bound))
                        .detail(target.serverSide(peer.localPort()))
                        .cause(Cause.SIGTERM_IGNORED)
                        .error();
            }
        }
        var process = launch.process();
        if (process.waitFor(2, TimeUnit.SECONDS) && process.exitValue() != 0) {
            throw p.observed("after SIGTERM the server exited with status %d", process.exitValue())
                    .cause(process.exitValue() == 143 ? Cause.EXIT_143 : Cause.FAILED_WHILE_STOPPING)
                    .error();
        }
        // A zombie is not running: init reaps what the server left unreaped (cleanup.zombies tells of those).
        var left = children.stream().map(ProcFs::process).flatMap(Optional::stream).filter(c -> !c.zombie())
                .map(ProcFs.ProcessInfo::pid).toList();
        if (!left.isEmpty()) {
            throw p.observed("%d child processes outlived the server: pids %s", left.size(), left)
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
