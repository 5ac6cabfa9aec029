import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One run of the suite against one server: the server as it is now (launched again if it died,
 * SPEC §4), what each check has judged so far, and why the server is gone when it cannot be had
 * again. The checks take their server from here; the suite keeps it, check after check.
 */
final class Session {

    /** How often a server that keeps dying is launched again before the rest of the checks are blocked. */
    static final int RELAUNCHES = 3;

    private final Target.Settings settings;
    private final Target.Timeouts timeouts;
    private final String command;
    private final Long givenPid;
    private final boolean tracing;
    private final Map<String, TestRun.Status> verdicts = new ConcurrentHashMap<>();
    private volatile Target target;
    private volatile String gone;
    private int relaunches;

    Session(Target target, Target.Settings settings, String command, Long givenPid, boolean tracing) {
        this.target = target;
        this.settings = settings;
        this.timeouts = target.timeouts();
        this.command = command;
        this.givenPid = givenPid;
        this.tracing = tracing;
        this.unstarted = null;
    }

    Target target() {
        return target;
    }

    /** How many times the server was launched again after it died. */
    synchronized int relaunches() {
        return relaunches;
    }

    /** What check {@code id} came to, if it ran. */
    Optional<TestRun.Status> verdict(String id) {
        return Optional.ofNullable(verdicts.get(id));
    }

    void record(String id, TestRun.Status status) {
        verdicts.put(id, status);
    }

    /** Why the server cannot be checked any more, or empty while it can. */
    Optional<String> gone() {
        return Optional.ofNullable(gone);
    }

    /** Told by a check that found nothing listening: with no launch to start it again, later checks are blocked. */
    void lost(String why) {
        if (target.launch() == null) {
            gone = why;
        }
    }

    /** How the server died, when it has since the last check, or empty while it runs. */
    Optional<String> death() {
        var launch = target.launch();
        if (launch != null && !launch.process().isAlive()) {
            return Optional.of("the server " + Launch.describeExit(launch.process().exitValue()));
        }
        if (target.local() && ProcFs.process(target.pid()).filter(p -> !p.zombie()).isEmpty()) {
            return Optional.of("the server's process, pid " + target.pid() + ", is gone");
        }
        return Optional.empty();
    }

    /**
     * Before a check: a launched server that died is launched again (a few times at most); one that cannot be, or
     * a server given by its port that is gone, makes the check blocked.
     */
    synchronized void ensureServer() throws IOException, InterruptedException {
        if (gone != null) {
            return;
        }
        var died = death();
        if (died.isEmpty()) {
            return;
        }
        var launch = target.launch();
        if (launch == null) {
            gone = died.get();
            return;
        }
        launch.stop();
        if (relaunches >= RELAUNCHES) {
            gone = died.get() + ", and was launched again " + relaunches + " times already";
            return;
        }
        relaunches++;
        var again = Launch.start(command, settings.launchOptions(command), timeouts.ready());
        if (again.ready() == null) {
            gone = died.get() + "; launched again, it did not start: " + again.whyNotReady().lines().findFirst().orElse("");
            return;
        }
        target = Target.resolve(settings, again, givenPid, timeouts, tracing);
    }

    /**
     * A second server, launched as this one was but with {@code more} options and on a free port: for a check of a mode
     * the server under test does not run (stream.short-lived). Its ready line is null when it did not start; the
     * caller stops it.
     */
    Session another(List<String> more) throws IOException, InterruptedException {
        var s = settings;
        var free = new Target.Settings(s.host(), 0, s.prefix(), s.raw(), s.maxLine(), s.workers(), s.idleTimeout(), s.claimed());
        var args = new java.util.ArrayList<>(free.launchOptions(command));
        args.addAll(more);
        var launch = Launch.start(command, args, timeouts.ready());
        if (launch.ready() == null) {
            return new Session(launch);
        }
        return new Session(Target.resolve(free, launch, null, timeouts, tracing), free, command, null, tracing);
    }

    // A launch that did not start: nothing to check, only why and to stop.
    private final Launch unstarted;

    private Session(Launch unstarted) {
        this.unstarted = unstarted;
        this.settings = null;
        this.timeouts = null;
        this.command = null;
        this.givenPid = null;
        this.tracing = false;
    }

    /** The launch of {@link #another} when it did not start (why: its whyNotReady()), or null. */
    Launch unstarted() {
        return unstarted;
    }

    /** The launched processes' pids, now: the launched one and the one the ready line names, when they differ. */
    List<Long> pids() {
        var launch = target.launch();
        return launch == null || launch.process().pid() == target.pid() ? List.of(target.pid())
                : List.of(launch.process().pid(), target.pid());
    }

    /** Stops the server the suite launched, whichever launch it is now. */
    void stop() {
        if (unstarted != null) {
            unstarted.stop();
            return;
        }
        var launch = target.launch();
        if (launch != null) {
            launch.stop();
        }
    }
}
