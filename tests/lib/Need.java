/** What a check needs of the run to apply (SPEC §4: skipped, with the reason, when it does not). */
enum Need {
    LINE_MODE("the server runs in raw mode: the raw.* checks apply instead"),
    RAW_MODE("the server runs in line mode; start it with --raw (and give the suite --raw) for raw.* checks"),
    PROCESS("needs the server's process, to read /proc; it was not found on this machine (--pid gives it)"),
    LAUNCH("needs --launch: the suite reads the log of, and signals, only a server it started"),
    MULTI_PROCESS("applies to the multi-process model (lesson 2)"),
    THREADS("the multi-process model's resources are its children: see cleanup.children"),
    CONCURRENT("the server serves one client at a time by its model (single-threaded, or a pool of one worker): "
            + "a stalled client holds it by design"),
    IDLE_TIMEOUT("the server runs without --idle-timeout (give the suite --idle-timeout N with --launch)"),
    SOAK("runs with --soak SECONDS");

    /** What a run is, as far as needs go; the model is asked for only by the needs that depend on it (it may take a probe). */
    record Run(boolean raw, boolean local, boolean launched, java.util.function.Supplier<Model> model, int workers,
               int idleTimeout, int soakSeconds) {
    }

    /** Why a check that needs this is skipped when the run lacks it. */
    final String missing;

    Need(String missing) {
        this.missing = missing;
    }

    /** Whether {@code run} has what this need asks for. */
    boolean heldBy(Run run) {
        return switch (this) {
            case LINE_MODE -> !run.raw();
            case RAW_MODE -> run.raw();
            case PROCESS -> run.local();
            case LAUNCH -> run.launched();
            case MULTI_PROCESS -> run.model().get() == Model.MULTI_PROCESS;
            case THREADS -> run.model().get() != Model.MULTI_PROCESS;
            case CONCURRENT -> run.model().get() != Model.SINGLE_THREADED
                    && !(run.model().get() == Model.THREAD_POOL && run.workers() == 1);
            case IDLE_TIMEOUT -> run.idleTimeout() > 0;
            case SOAK -> run.soakSeconds() > 0;
        };
    }
}
