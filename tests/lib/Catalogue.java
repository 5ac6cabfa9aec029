import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Every check of the suite, once (SPEC §4.1): its id, group, rule, why it matters, how to fix a
 * failure, the lesson and TODO that teach it, its points, what it needs to apply, and the rules it
 * relies on. The run order, --list, --explain, the reports, the README's check list and the lesson
 * texts come from here; a check's method names its entry by id ({@code @Check("echo.basic")}).
 * A {KEY} in a text names a {@link Cause}.
 */
final class Catalogue {

    /** A lesson number meaning "the lesson of the model under test". */
    static final int MODEL_LESSON = 0;

    /**
     * One check. {@code lesson} teaches it ({@link #MODEL_LESSON}: the model's own), at {@code todo}
     * (0: no TODO of its own; the cause of a failure finds one in the lesson's hints).
     */
    record Entry(String id, CheckGroup group, String rule, String why, String fix, int lesson, int todo, int points,
                 Set<Need> needs, List<String> reliesOn, boolean endsTheServer) {

        Entry teaches(int lesson, int todo) {
            return new Entry(id, group, rule, why, fix, lesson, todo, points, needs, reliesOn, endsTheServer);
        }

        Entry points(int points) {
            return new Entry(id, group, rule, why, fix, lesson, todo, points, needs, reliesOn, endsTheServer);
        }

        Entry needs(Need... needs) {
            return new Entry(id, group, rule, why, fix, lesson, todo, points, Set.of(needs), reliesOn, endsTheServer);
        }

        /** The rules this check cannot judge without: when one of them failed, this one is blocked, not failed. */
        Entry reliesOn(String... ids) {
            return new Entry(id, group, rule, why, fix, lesson, todo, points, needs, List.of(ids), endsTheServer);
        }

        /** The check stops the server itself: its end is no death, and nothing runs after it. */
        Entry endingTheServer() {
            return new Entry(id, group, rule, why, fix, lesson, todo, points, needs, reliesOn, true);
        }

        Entry explained(String why, String fix) {
            return new Entry(id, group, rule, why.strip(), fix.strip(), lesson, todo, points, needs, reliesOn, endsTheServer);
        }

        /** "lesson 1, TODO(2)", or "the lesson of the server's model". */
        String teachingPlace() {
            var where = lesson == MODEL_LESSON ? "the lesson of the server's model" : "lesson " + lesson;
            return todo > 0 ? where + ", TODO(" + todo + ")" : where;
        }
    }

    private static Entry check(String id, CheckGroup group, String rule) {
        return new Entry(id, group, rule, "", "", 1, 0, 1, Set.of(), List.of(), false);
    }

    private static final String BASIC = "echo.basic";

    static final List<Entry> ALL = List.of(
            check("echo.basic", CheckGroup.ECHO, "hello\\n is answered with PREFIX + hello\\n")
                    .teaches(1, 2).points(2).needs(Need.LINE_MODE).explained("""
                    It is the protocol itself. A client sends `hello\\n` and expects `server echo# hello\\n`, every
                    byte of it, nothing else.""", """
                    The message says what came back. Nothing at all: {NOTHING_WRITTEN}. No prefix: {NO_PREFIX}.
                    No LF: {LF_MISSING}."""),
            check("echo.sequence", CheckGroup.ECHO, "100 lines sent one at a time on one connection are each answered, in order")
                    .teaches(1, 2).needs(Need.LINE_MODE).reliesOn(BASIC).explained("""
                    A connection carries many lines; each gets its reply, in order, as soon as it is complete. A
                    server that answers only the first, or answers late, fails real clients.""", """
                    The message names the first line whose reply was wrong. Keep reading after a reply (a loop, not
                    one read); write every reply before the next read; do not reuse an old buffer ({REPLIES_AGAIN})."""),
            check("echo.crlf", CheckGroup.ECHO, "hello\\r\\n comes back with its CR")
                    .teaches(1, 3).needs(Need.LINE_MODE).reliesOn(BASIC).explained("""
                    telnet ends its lines with CR LF. The server echoes bytes, so the CR comes back.""", """
                    {CR_LOST}."""),
            check("echo.empty-line", CheckGroup.ECHO, "an empty line, \\n alone, is answered with PREFIX + \\n")
                    .teaches(1, 3).needs(Need.LINE_MODE).reliesOn(BASIC).explained("""
                    `\\n` alone is a line, and a client waits for its reply. Skipping it desynchronizes every later
                    reply.""", """
                    {EMPTY_LINE_SKIPPED}."""),
            check("echo.binary", CheckGroup.ECHO, "every byte value but LF inside a line is echoed verbatim: CR, NUL, bytes that are not UTF-8")
                    .teaches(1, 3).needs(Need.LINE_MODE).reliesOn(BASIC).explained("""
                    An echo server does not know what the bytes mean. NUL, CR, bytes that are not UTF-8: all come back
                    unchanged.""", """
                    Never turn bytes into a String: {DECODED}. Encoding may do worse: {ENCODED_AS_QUESTION}. Find the
                    LF in the byte array; copy the bytes."""),
            check("echo.utf8", CheckGroup.ECHO, "multi-byte UTF-8 text is echoed verbatim")
                    .teaches(1, 3).needs(Need.LINE_MODE).reliesOn(BASIC).explained("""
                    Text in any language is bytes; multi-byte characters must come back whole.""", """
                    As for echo.binary: echo bytes, never decode or encode them ({DECODED}; {ENCODED_AS_QUESTION})."""),

            check("framing.split", CheckGroup.FRAMING, "one line written a byte at a time, with pauses, gets exactly one reply, once its LF arrives")
                    .teaches(1, 3).needs(Need.LINE_MODE).reliesOn(BASIC).explained("""
                    TCP is a byte stream. One line may arrive in several reads (here one byte per read), and the
                    server must answer it once, when its LF arrives.""", """
                    {REPLY_PER_READ}. Keep the start of a line between reads."""),
            check("framing.coalesced", CheckGroup.FRAMING, "50 lines in one write get 50 replies, in order")
                    .teaches(1, 3).needs(Need.LINE_MODE).reliesOn(BASIC).explained("""
                    Many lines may arrive in one read. Each needs its own reply.""", """
                    After a read, find every LF in it, not just the first; answer each line ({FEWER_PREFIXES})."""),
            check("framing.utf8-split", CheckGroup.FRAMING, "a character whose bytes are split across two writes comes back whole")
                    .teaches(1, 3).needs(Need.LINE_MODE).reliesOn("echo.utf8").explained("""
                    A read may end inside a multi-byte character. Decoding per read loses it.""", """
                    Do not decode; frame bytes ({DECODED}). If you must decode, keep the undecoded tail between reads
                    (a CharsetDecoder does); but an echo server has no reason to decode."""),
            check("framing.partial-at-eof", CheckGroup.FRAMING, "abc then half-close: PREFIX + abc comes back, then end of stream")
                    .teaches(1, 4).needs(Need.LINE_MODE).reliesOn(BASIC).explained("""
                    A last line without LF is still a line: at the client's end of input the server answers it
                    (PREFIX + the bytes), then closes.""", """
                    When read() returns -1, write PREFIX + the kept bytes if there are any, without adding an LF
                    ({LF_ADDED}); then close. Closing at once drops them: {OWED_DROPPED}."""),

            check("stream.half-close", CheckGroup.STREAM, "lines then half-close: every reply arrives, then the server closes")
                    .teaches(1, 2).needs(Need.LINE_MODE).reliesOn("framing.split", "framing.coalesced").explained("""
                    A client that half-closes still reads. It waits for every reply, then for the end of the stream,
                    which the server's close gives it.""", """
                    {NO_CLOSE_AT_EOF}. Every descriptor of the connection must be closed, in a child process and in
                    the parent of lesson 2 too ({PARENT_HOLDS})."""),
            check("stream.large-line", CheckGroup.STREAM, "a line of --max-line bytes, LF included, is echoed intact")
                    .teaches(1, 3).needs(Need.LINE_MODE).reliesOn("framing.split").explained("""
                    A line may be as long as --max-line. A fixed 8 KiB buffer is not a line limit.""", """
                    Keep a line's start across reads, growing up to --max-line; answer it when its LF arrives, in one
                    reply ({LINE_CUT})."""),
            check("stream.bulk", CheckGroup.STREAM, "16 MiB of lines, written while reading: byte-exact, no deadlock")
                    .teaches(1, 2).points(2).needs(Need.LINE_MODE).reliesOn("framing.split", "framing.coalesced", "echo.empty-line").explained("""
                    A client that writes while it reads sends megabytes with no pause. A server that holds back its
                    replies, or drops part of a write, deadlocks or corrupts the stream.""", """
                    Write each reply as soon as it is ready, never at end of input ({DEADLOCK}); when a non-blocking
                    write takes only part of the bytes, keep the rest ({PARTIAL_WRITE_DROPPED})."""),
            check("stream.short-lived", CheckGroup.STREAM, "with --short-lived: exactly one reply, then the server closes; resources back to baseline")
                    .teaches(1, 2).needs(Need.LINE_MODE, Need.LAUNCH).reliesOn(BASIC, "framing.coalesced").explained("""
                    The seed's short-lived connection: a client comes, asks one line and goes. The suite launches a
                    second server with --short-lived; each client gets the reply to its first line, then the end of
                    the connection, and 200 of them (10 for processes) leave nothing behind.""", """
                    {SHORT_LIVED_STAYS_OPEN}. {SHORT_LIVED_ANSWERS_MORE}. {SHORT_LIVED_REFUSED}; or {SHORT_LIVED_START_DIES}, or {SHORT_LIVED_NO_READY}. Sockets left open:
                    {EVERY_CONNECTION_LEAKS}, or {SOME_CONNECTIONS_LEAK}; in lesson 2, {PARENT_HOLDS}."""),

            check("limits.oversized-line", CheckGroup.LIMITS, "more than --max-line bytes without LF: the connection is closed, others are still served")
                    .teaches(1, 3).needs(Need.LINE_MODE).reliesOn("framing.split", "stream.large-line", "stream.half-close").explained("""
                    Without a limit, one client sending bytes without an LF makes the server hold any amount of
                    memory.""", """
                    {NO_LINE_LIMIT}. Other clients go on."""),
            check("limits.backpressure", CheckGroup.LIMITS, "a client that sends and never reads cannot make the server buffer without bound: the server stops reading it")
                    .teaches(MODEL_LESSON, 0).reliesOn(BASIC).explained("""
                    A client that sends and never reads its replies must not make the server buffer without bound.
                    A blocking server stops reading by itself (its write blocks); an event loop must choose to.""", """
                    {NO_BACKPRESSURE}; TCP then slows the client down."""),
            check("limits.idle-timeout", CheckGroup.LIMITS, "with --idle-timeout N: a client silent for N seconds is closed, not before")
                    .teaches(MODEL_LESSON, 0).needs(Need.IDLE_TIMEOUT).reliesOn(BASIC).explained("""
                    A client that connects and falls silent holds a socket, and in the blocking models a thread or a
                    process, for ever. With --idle-timeout N the server takes them back after N seconds.""", """
                    Closed too early: {IDLE_TIMEOUT_EARLY}. Never closed: {NO_IDLE_TIMEOUT}; in the event loop,
                    {LOOP_NO_IDLE_TIMEOUT}."""),

            check("raw.basic", CheckGroup.RAW, "raw mode: hello\\n comes back unchanged, and bytes without LF come back without waiting for one")
                    .teaches(1, 2).needs(Need.RAW_MODE).explained("""
                    Raw mode (RFC 862) echoes bytes, not lines: no prefix, and no wait for an LF.""", """
                    In raw mode, write back what each read returned, at once (Framing.Raw)."""),
            check("raw.binary", CheckGroup.RAW, "raw mode: all 256 byte values come back unchanged and in order")
                    .teaches(1, 2).needs(Need.RAW_MODE).reliesOn("raw.basic").explained("""
                    Every byte value, LF included, comes back unchanged and in order.""", """
                    No Reader or Writer, no String: copy bytes ({DECODED})."""),
            check("raw.bulk", CheckGroup.RAW, "raw mode: 64 MiB written while reading come back byte-exact, without deadlock")
                    .teaches(1, 2).points(2).needs(Need.RAW_MODE).reliesOn("raw.binary").explained("""
                    64 MiB written while reading must come back byte-exact, without deadlock.""", """
                    As for stream.bulk: write as soon as you read ({DEADLOCK}), and keep what a partial write left
                    ({PARTIAL_WRITE_DROPPED})."""),
            check("raw.half-close", CheckGroup.RAW, "raw mode: bytes then half-close: all of them come back, then the server closes")
                    .teaches(1, 2).needs(Need.RAW_MODE).reliesOn("raw.basic").explained("""
                    At the client's end of input, the server writes what it still holds, then closes.""", """
                    {NO_CLOSE_AT_EOF}."""),

            check("concurrency.parallel", CheckGroup.CONCURRENCY, "16 clients connected at once are all served while all stay open (single-threaded: the second only after the first leaves)")
                    .teaches(MODEL_LESSON, 0).points(2).reliesOn(BASIC).explained("""
                    It is what the course is about: who serves a second client while a first stays connected. The
                    single-threaded server must not (the second waits); every other model must.""", """
                    Concurrent models: {SERIAL}. A pool serves as many at once as it has workers. Single-threaded:
                    {NOT_SINGLE_THREADED}."""),
            check("concurrency.stalled-peer", CheckGroup.CONCURRENCY, "a client stalled mid-line does not hold up other clients")
                    .teaches(MODEL_LESSON, 0).needs(Need.CONCURRENT).reliesOn(BASIC).explained("""
                    A client may stop mid-line for a long time. In a concurrent server it must hold up no one else.""", """
                    Never read a client on a thread that others depend on: not on the accepting thread, not in a
                    blocking call inside an event loop handler ({SERIAL})."""),
            check("concurrency.model", CheckGroup.CONCURRENCY, "what is observed matches the model: serial, a thread per connection, a bounded pool, ...")
                    .teaches(MODEL_LESSON, 0).points(2).reliesOn(BASIC).explained("""
                    The suite observes from outside how clients are served (how many at once, with what threads and
                    processes) and holds the server to the model it claims.""", """
                    The message says what was seen; make the server do what its model says, or claim the model it
                    does."""),

            check("cleanup.close-wait", CheckGroup.CLEANUP, "after clients close, no server socket of the port stays in CLOSE_WAIT")
                    .teaches(1, 2).needs(Need.PROCESS).reliesOn(BASIC).explained("""
                    CLOSE_WAIT is a socket whose peer has closed and the server has not: it holds a descriptor and
                    kernel memory until the process ends.""", """
                    {SOCKET_NOT_CLOSED}. In lesson 2: {PARENT_HOLDS}."""),
            check("cleanup.fds", CheckGroup.CLEANUP, "the open file count of the server (and its children) returns to its baseline after 200 connections (multi-process: 40)")
                    .teaches(1, 2).needs(Need.PROCESS).reliesOn(BASIC).explained("""
                    Every descriptor leaked is a step towards "Too many open files", after which the server accepts no
                    one.""", """
                    The message counts open files by kind before and after: {EVERY_CONNECTION_LEAKS}, or
                    {SOME_CONNECTIONS_LEAK}."""),
            check("cleanup.threads", CheckGroup.CLEANUP, "the thread count returns to its baseline (thread per connection) or stays bounded (pool, serial, event loop, virtual threads)")
                    .teaches(MODEL_LESSON, 0).needs(Need.PROCESS, Need.THREADS).reliesOn("concurrency.model").explained("""
                    A thread per client must end when its client leaves; a pool must not grow past its workers; the
                    other models must not grow with clients at all.""", """
                    {THREAD_NEVER_ENDS}. Bound the pool ({POOL_GROWS}); in the event loop and virtual threads, start no
                    platform thread per client ({THREADS_GROW})."""),
            check("cleanup.zombies", CheckGroup.CLEANUP, "no zombie child is left after its client leaves (multi-process)")
                    .teaches(2, 2).needs(Need.MULTI_PROCESS, Need.PROCESS).reliesOn(BASIC).explained("""
                    A child that has exited stays a zombie until its parent waits for it; zombies fill the process
                    table.""", """
                    {NO_REAP}: waitpid(pid) for every child (a thread per child, or onExit() followed by waitpid);
                    ignoring SIGCHLD would break the JVM's own processes."""),
            check("cleanup.children", CheckGroup.CLEANUP, "each child process exits when its client leaves, and none holds the listening socket (multi-process)")
                    .teaches(2, 4).needs(Need.MULTI_PROCESS, Need.PROCESS).reliesOn(BASIC).explained("""
                    A child must end when its client leaves, and must not hold the listening socket, or the port stays
                    open after the parent is gone.""", """
                    {CHILD_HOLDS_LISTENER}. {CHILD_NEVER_EXITS}."""),

            check("robust.reset", CheckGroup.ROBUST, "clients that reset the connection mid-line do not harm the server")
                    .teaches(1, 2).reliesOn("cleanup.fds", "cleanup.threads", "cleanup.zombies").explained("""
                    Clients crash and reset connections. An exception from one client must not stop the server or leak
                    its socket.""", """
                    {RESET_NOT_HANDLED}. Catch the IOException of one client in that client's code, close its socket,
                    and go on accepting."""),
            check("robust.idle", CheckGroup.ROBUST, "clients that connect and send nothing, or close at once, do not harm the server")
                    .teaches(1, 2).reliesOn("cleanup.fds", "cleanup.threads", "cleanup.zombies").explained("""
                    Clients that connect and send nothing, or close at once, are normal. They must not block the accept
                    loop or leak.""", """
                    Never read a client on the accepting thread; {IDLE_CLIENT_NOT_HANDLED}."""),
            check("robust.peer-gone", CheckGroup.ROBUST, "clients that send 1 MiB and vanish (reset), or send lines and close at once, reading nothing, do not harm the server")
                    .teaches(1, 2).reliesOn("cleanup.fds", "cleanup.threads", "cleanup.zombies").explained("""
                    A client may vanish while the server writes to it (Broken pipe, Connection reset).""", """
                    {WRITE_ERROR_NOT_HANDLED}."""),
            check("robust.flood", CheckGroup.ROBUST, "more connections at once than the server's bound (--max-clients, else 256; 500 at least, but for processes): the server survives, its resources stay under its bounds and return to baseline")
                    .teaches(MODEL_LESSON, 0).reliesOn("concurrency.model", "cleanup.fds", "cleanup.threads", "cleanup.zombies", "robust.reset").explained("""
                    500 clients at once must not make the server start 500 threads or processes, or hold 500 sockets
                    past its bounds; after they leave, it gives everything back.""", """
                    Cap what each client costs: {CLIENTS_UNCAPPED}, a slot before accept ({ACCEPTS_BEFORE_SLOT}); bound the pool's queue ({QUEUE_UNBOUNDED}), and
                    close whom it refuses ({REFUSED_NOT_CLOSED}; {REJECTED_UNCAUGHT}); cap children
                    ({CHILDREN_UNCAPPED}), a slot taken before accept ({ACCEPTS_PAST_CAP})."""),

            check("security.log-escaping", CheckGroup.SECURITY, "bytes a client sends (escape sequences, CR, a forged log line) reach the server's log, if at all, escaped")
                    .needs(Need.LAUNCH).explained("""
                    A server logs what clients do, and an administrator reads the log in a terminal. Client bytes
                    written as they are can forge log lines (a CR or LF) or drive the terminal (ESC sequences that
                    clear the screen or retitle the window).""", """
                    {LOG_UNESCAPED}: log counts, or escape every control byte (\\r, \\n, \\x1b) before it reaches the
                    log, as the shared EchoServer.log does."""),
            check("soak.mix", CheckGroup.SOAK, "with --soak S: S seconds of good, resetting, idle, half-closing, oversized and vanishing clients; every byte right, every resource back")
                    .teaches(MODEL_LESSON, 0).points(2).needs(Need.SOAK).reliesOn("stream.half-close", "limits.oversized-line", "robust.reset", "robust.idle", "robust.peer-gone").explained("""
                    Each check alone passes with one kind of client at a time; real load mixes them. A race between
                    clients, a leak on one error path, or a buffer shared between connections shows up only under a
                    long mixed load.""", """
                    The message says which kind of client saw wrong bytes ({SOAK_ERRORS}) or what was not given back
                    ({SOAK_LEAK}). Keep each connection's state in that connection's own objects; close every socket
                    on every path (try-with-resources)."""),
            check("shutdown.sigterm", CheckGroup.SHUTDOWN, "with --launch: SIGTERM ends the server with status 0 within 5 s, the port can be bound again, no child is left")
                    .needs(Need.LAUNCH, Need.PROCESS).endingTheServer().explained("""
                    SIGTERM is how servers are stopped. The server must stop accepting, close its sockets, end its
                    children, and exit with status 0 within 5 s, leaving the port free.""", """
                    {EXIT_143}. {SIGTERM_IGNORED}. In lesson 2: {CHILDREN_NOT_ENDED}."""));

    private Catalogue() {
    }

    static Optional<Entry> entry(String id) {
        return ALL.stream().filter(e -> e.id().equals(id)).findFirst();
    }

    /** The entry of {@code id}; naming a check that does not exist is a bug of the kit. */
    static Entry of(String id) {
        return entry(id).orElseThrow(() -> new IllegalArgumentException("no check has the id " + id + " (tests/lib/Catalogue.java)"));
    }

    /** A rule relied on, in the server's mode: in raw mode the basic echo is raw.basic's. */
    static String mapped(String relied, boolean raw) {
        return raw && relied.equals(BASIC) ? "raw.basic" : relied;
    }

    /** The position of {@code id} in the run order (unknown ids last). */
    static int order(String id) {
        for (int i = 0; i < ALL.size(); i++) {
            if (ALL.get(i).id().equals(id)) {
                return i;
            }
        }
        return ALL.size();
    }

    /** The first of {@code entry}'s needs that {@code run} lacks, in the order of {@link Need}. */
    static Optional<Need> missing(Entry entry, Need.Run run) {
        return Arrays.stream(Need.values()).filter(n -> entry.needs().contains(n) && !n.heldBy(run)).findFirst();
    }

    /** The checks that apply to {@code run}. */
    static List<Entry> applicable(Need.Run run) {
        return ALL.stream().filter(e -> missing(e, run).isEmpty()).toList();
    }

    static List<Entry> inGroup(CheckGroup group) {
        return ALL.stream().filter(e -> e.group() == group).toList();
    }

    /** The ids by group, for the README: "`echo.*` (basic, sequence, ...), `framing.*` (...)". */
    static String idSummary() {
        return String.join(", ", Arrays.stream(CheckGroup.values()).map(g -> "`" + g.id + ".*` ("
                + String.join(", ", inGroup(g).stream().map(e -> e.id().substring(g.id.length() + 1)).toList()) + ")")
                .toList());
    }

    /** Where the README holds {@link #idSummary()}, made by ./jbang tests/MakeExercises.java. */
    static final String IDS_BEGIN = "<!-- check ids: made from tests/lib/Catalogue.java by ./jbang tests/MakeExercises.java -->";
    static final String IDS_END = "<!-- /check ids -->";

    /** Where the README holds {@link Points#lessonTable()}, made the same way. */
    static final String POINTS_BEGIN = "<!-- lesson points: made from tests/lib/Catalogue.java by ./jbang tests/MakeExercises.java -->";
    static final String POINTS_END = "<!-- /lesson points -->";

    /** {@code readme} with its check list and its table of lesson points made anew from the catalogue (each unchanged without its markers). */
    static String withIdSummary(String readme) {
        return between(between(readme, IDS_BEGIN, IDS_END, idSummary() + "."), POINTS_BEGIN, POINTS_END, Points.DEFAULT.lessonTable());
    }

    private static String between(String text, String beginMark, String endMark, String made) {
        int begin = text.indexOf(beginMark);
        int end = text.indexOf(endMark);
        if (begin < 0 || end < begin) {
            return text;
        }
        return text.substring(0, begin + beginMark.length()) + "\n" + made + "\n" + text.substring(end);
    }

    /** A text of the catalogue with each {KEY} replaced by its cause's sentence ({@code ...} where it takes a measure). */
    static String expand(String text) {
        var m = java.util.regex.Pattern.compile("\\{([A-Z0-9_]+)}").matcher(text);
        var out = new StringBuilder();
        while (m.find()) {
            var sentence = Cause.named(m.group(1)).map(c -> c.template().replace("%s", "...")).orElse(m.group());
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(sentence));
        }
        return m.appendTail(out).toString();
    }
}
