import java.util.Arrays;
import java.util.List;

/**
 * The likely causes a failed check names, each once: a key that hints.md, the faults' headers and
 * the reports refer to, the sentence a student reads (with %s for what was measured), and where the
 * code that causes it is taught.
 */
enum Cause {
    // The accept loop and who serves.
    NOT_ACCEPTED(Where.MODEL, "the server has not accepted this connection: the thread that accepts is busy (serving a "
            + "client itself?) or gone"),
    NOT_READ(Where.MODEL, "the server accepted the connection but does not read it (%s wait unread): no thread serves "
            + "this client (all busy? serving one client at a time?)"),
    NOT_READ_EVENT_LOOP(Where.EVENT_LOOP, "the loop does not read this client (%s wait unread): its channel is not "
            + "registered for OP_READ (or OP_READ is off), or the loop is stuck in another client's handler"),
    SERIAL(Where.MODEL, "the server serves one client at a time: it serves each client on the thread that accepts "
            + "(echo(client) called in the accept loop) instead of handing it to %s"),
    FEW_AT_ONCE(Where.MODEL, "only %s clients are served at once and the others wait: fewer threads than the clients it "
            + "claims to serve, or an accept loop that waits"),
    LOOP_SERVES_FEW(Where.EVENT_LOOP, "the loop serves only %s of them: new clients not registered for OP_READ, "
            + "OP_ACCEPT turned off, or a handler that blocks the loop"),
    NOT_SINGLE_THREADED(Where.SINGLE_THREADED, "this server serves clients at once: that is not the single-threaded model "
            + "(its one thread serves a client until it leaves)"),
    UNBOUNDED_THREADS(Where.MODEL, "a new thread for every client, without bound: that is the multi-threaded model, not %s"),
    POOL_SIZE_MISMATCH(Where.MODEL, "the pool serves %s clients at once, not the %s workers it announces"),
    SERVES_WITHOUT_THREADS(Where.MODEL, "every client is served at once without a thread each: an event loop or "
            + "virtual threads, not %s"),
    SERVES_BY_PROCESSES(Where.MODEL, "each client is served by a child process: that is the multi-process model, not %s"),
    SERVES_AT_ONCE(Where.MODEL, "every client is served at once, none waits: that is not %s"),
    PROBE_UNANSWERED(Where.MODEL, "the server did not answer the probe's clients at all (see the echo checks)"),

    // The echo loop: reading, writing back, ending.
    NOTHING_WRITTEN(Where.MODEL_THEN_ECHO, "the server read the bytes but wrote nothing back: the reply is never "
            + "written, sits in a buffer that is not flushed (BufferedOutputStream, PrintWriter without flush), or the "
            + "server waits for more input first (until its buffer is full, or until end of stream)"),
    CLOSED_WITHOUT_REPLY(Where.ECHO, "the server closed the connection without a reply: the handler ended early (an "
            + "exception? see the server log) or stops after its first read"),
    NO_READ_LOOP(Where.ECHO, "the handler ends at once: no read loop, or one that stops at its first read (or an "
            + "exception: see the server log)"),
    RESET_BY_SERVER(Where.ECHO, "the server reset the connection: it closed its socket with bytes unread, or crashed"),
    RESET_MID_STREAM(Where.ECHO, "the server reset the connection mid-stream: it crashed, or closed with input unread"),
    CONNECTION_ENDED_EARLY(Where.MODEL, "the server closed the connection (or it was reset) before the exchange was over: "
            + "its handler ended early (no read loop yet? an exception? see the server log), or it crashed"),
    REPLIES_AGAIN(Where.ECHO, "replies came again: the server writes again what it wrote before. A reply buffer not "
            + "emptied after it is written (ByteArrayOutputStream.reset()), or a write of a whole old buffer, does that"),
    PARTIAL_REPLY(Where.ECHO, "only part of the reply came: the rest is not written (a partial write not completed, a "
            + "write of part of the buffer) or sits in an unflushed buffer"),
    CLOSED_MID_REPLY(Where.ECHO, "the server closed the connection before the reply was complete: replies still owed were "
            + "not written before close"),
    REPLY_DIFFERS(Where.ECHO, "the reply differs from what was sent: echo exactly the bytes read, in order, each complete "
            + "line once"),
    WHOLE_BUFFER_WRITTEN(Where.ECHO, "NUL bytes from an unused part of a buffer came back: the whole array was used where "
            + "only the n bytes read belong; framing.read(buffer, 0, n, reply) and write(buffer, 0, n), not buffer.length"),

    // Framing: lines in a byte stream.
    NO_PREFIX(Where.ECHO, "no prefix: every reply starts with PREFIX (--prefix, default 'server echo# ')"),
    PREFIX_PER_READ(Where.ECHO, "the prefix came %s times where %s were expected: the server writes it per read() "
            + "instead of per line; TCP is a byte stream, so one line can arrive in several reads"),
    FEWER_PREFIXES(Where.ECHO, "fewer prefixes than lines (%s for %s): when one read holds several lines, each needs its "
            + "own PREFIX; find every LF in the bytes read"),
    KEPT_AGAIN(Where.ECHO, "bytes kept from an earlier line came again in front of a later one: what is kept of a line "
            + "whose LF has not come must be emptied once that line is answered (partialLength = 0)"),
    REPLY_PER_READ(Where.ECHO, "the server answers each read instead of each line: it must keep the bytes until the LF "
            + "arrives, then write PREFIX + the whole line once"),
    LF_MISSING(Where.ECHO, "the reply lacks its LF: readLine() drops the line terminator and print() does not put it "
            + "back; echo the line's own bytes, terminator included"),
    CR_LOST(Where.ECHO, "the CR was lost or taken for a line end: readLine() ends a line at \"\\r\", \"\\n\" or \"\\r\\n\" "
            + "and drops it, println() writes \"\\n\"; find the LF in the bytes, keep the rest as it is"),
    DECODED(Where.ECHO, "bytes came back as ef bf bd (U+FFFD, the replacement character): the server decodes bytes into "
            + "text (new String, InputStreamReader, readLine) and encodes them again; bytes that are not valid UTF-8, or "
            + "a character split across two reads, are lost. Echo bytes; never decode"),
    ENCODED_AS_QUESTION(Where.ECHO, "characters came back as '?': the server encodes text with a charset that cannot hold "
            + "them (US-ASCII, ISO-8859-1); echo bytes, never encode"),
    EMPTY_LINE_SKIPPED(Where.ECHO, "an empty line is a line too: its reply is PREFIX + \\n. A check like line.isEmpty() or "
            + "\"length == 1\" that skips it, or a read loop that stops on an empty line, drops it"),
    LINE_CUT(Where.ECHO, "the line came back cut into pieces, each with its own PREFIX: the server takes a full buffer "
            + "for a line. A line ends at its LF only, and may be as long as --max-line"),
    REFUSED_AS_TOO_LONG(Where.ECHO, "the server refused the line as longer than its --max-line: is its limit smaller than "
            + "the suite's (give the suite the server's --max-line), or does it count the bytes wrong?"),

    // End of input.
    OWED_DROPPED(Where.ECHO, "what was owed was dropped: at end of input, write every reply still owed (and a last line "
            + "without LF), then close"),
    LF_ADDED(Where.ECHO, "a LF was added to the last line: println() or readLine()+newline; echo the bytes as they came"),
    NO_CLOSE_AT_EOF(Where.ECHO, "every reply came, but the server never closed the connection: when read() returns -1 "
            + "(end of input) the loop must end and the socket be closed, after writing what is owed, or the client "
            + "waits forever"),
    SOCKET_NOT_CLOSED(Where.ECHO, "the server does not close a client's socket once read() returns -1 (end of stream): "
            + "close it when the client leaves, also when an exception ends the loop (try-with-resources)"),
    EVERY_CONNECTION_LEAKS(Where.ECHO, "every connection leaks its socket: close the client socket when the client leaves, "
            + "also when an exception ends the loop (try-with-resources)"),
    SOME_CONNECTIONS_LEAK(Where.ECHO, "some connections leak their socket: a path (an exception, an early return) skips "
            + "the close"),

    // --short-lived.
    SHORT_LIVED_REFUSED(Where.ECHO, "the server does not take --short-lived (SPEC §3): every server takes it, and in line "
            + "mode closes a connection once its first line is answered"),
    SHORT_LIVED_START_DIES(Where.ECHO, "with --short-lived the server died as it started (its last lines above say which "
            + "exception, and where): it takes the option, but its start with it fails"),
    SHORT_LIVED_NO_READY(Where.ECHO, "with --short-lived the server ran on but closed its standard output without the "
            + "ready line: it prints that line in every mode (SPEC §3), once its socket listens"),
    SHORT_LIVED_STAYS_OPEN(Where.ECHO, "with --short-lived the connection stays open after its first reply: when "
            + "framing.read returns false, the echo loop must end (ending = framing.ending()) and close the socket"),
    SHORT_LIVED_ANSWERS_MORE(Where.ECHO, "with --short-lived more came after the first reply: the connection ends once the "
            + "first line is answered, and what follows that line is dropped (framing.read returns false: stop there)"),

    // Long lines and bulk data.
    NO_LINE_LIMIT(Where.ECHO, "the server keeps buffering a line past --max-line: one client can make it hold any amount "
            + "of memory. Once more than --max-line bytes arrive without LF, write 'server error# ...' and close"),
    STOPPED_READING_NO_CLOSE(Where.ECHO, "the server stopped reading this client (%s left unread) but did not close the "
            + "connection: close it once the line is refused"),
    ECHOED_PART_OF_LONG_LINE(Where.ECHO, "past --max-line the server may write one line starting with 'server error# ', "
            + "nothing else: it must not echo part of the line as if it were complete"),
    PARTIAL_WRITE_DROPPED(Where.MODEL, "replies were lost: a write that took part of the bytes (a non-blocking socket may) "
            + "had the rest dropped instead of kept for later"),
    QUEUED_SHARED(Where.EVENT_LOOP, "later bytes came where earlier ones belong: a reply queued for later shares the buffer "
            + "that the next read's replies overwrite; queue a copy of what is left"),
    BYTES_LOST(Where.ECHO, "bytes were lost from the stream: a reply buffer emptied (or reused) before all of it was "
            + "written, or only part of it written"),
    OWED_NOT_WRITTEN(Where.MODEL, "replies were lost: a write that took part of the bytes (a non-blocking socket may) had "
            + "the rest dropped, or what was owed was not written before the close"),
    BYTES_CHANGED(Where.ECHO, "bytes were changed or reordered: is a buffer reused (or shared) before it was written?"),
    DIFFERS_UNDER_LOAD(Where.ECHO, "a reply differs under load: lines split across reads (framing), or output dropped on "
            + "a partial write"),
    TOO_SLOW(Where.ECHO, "the server is very slow on bulk data: tiny reads or writes, or a flush per byte"),
    DEADLOCK(Where.ECHO, "deadlock: the server writes nothing back until it has read everything (or until end of input); "
            + "with both sides' buffers full, neither can move. Write each reply as soon as it is ready"),
    STOPPED_MID_STREAM(Where.ECHO, "the server stopped mid-stream: it stopped reading while its writes were blocked, or "
            + "it lost output on a partial write and now waits for nothing"),
    NO_BACKPRESSURE(Where.MODEL, "the server keeps reading a client while the replies it owes pile up unwritten: past a "
            + "bound, stop reading that client (a blocking write does it by itself; an event loop turns OP_READ off) "
            + "until its output drains"),

    // Idle clients.
    IDLE_TIMEOUT_EARLY(Where.MODEL, "the idle timeout is shorter than asked: setSoTimeout takes milliseconds "
            + "(--idle-timeout is seconds)"),
    NO_IDLE_TIMEOUT(Where.MODEL, "reads wait for ever: a read timeout (Socket.setSoTimeout) ends a silent client's wait "
            + "with SocketTimeoutException; then close it"),
    LOOP_NO_IDLE_TIMEOUT(Where.EVENT_LOOP, "the loop never closes a silent client: keep each client's last activity, look "
            + "at it on every wake-up (select with a timeout), close the silent ones"),

    // Resources: threads, children, bounds.
    POOL_GROWS(Where.MODEL, "more threads than workers: the pool creates threads past --workers (a cached pool, or a new "
            + "thread per client next to the pool)"),
    THREADS_GROW(Where.MODEL, "threads grow with clients in a model that should not start any per client"),
    THREAD_NEVER_ENDS(Where.MODEL, "the thread serving a client does not end when the client leaves: its loop does not "
            + "stop at end of stream (read() returned -1), or it waits on something else"),
    THREADS_UNCAPPED(Where.MODEL, "threads are not capped: acquire a slot (--max-clients) before accepting, so that past it "
            + "clients wait in the backlog"),
    LOOP_OR_POOL_UNBOUNDED(Where.MODEL, "threads grow with clients: the pool or the loop is not bounded"),
    CLIENTS_UNCAPPED(Where.MODEL, "the server accepts every client at once: accept only while a slot is free (--max-clients), "
            + "and give the slot back only once the client's thread has served it"),
    ACCEPTS_BEFORE_SLOT(Where.MODEL, "the server accepts a client before a slot is free (at --max-clients an accepted "
            + "connection waits for its thread), or its cap is above --max-clients: take the slot (slots.acquire()) "
            + "before accept(), so that past the cap clients wait in the backlog"),
    QUEUE_UNBOUNDED(Where.MODEL, "the server holds more clients than its workers and queue: the queue is unbounded (a "
            + "LinkedBlockingQueue without capacity, Executors.newFixedThreadPool): bound it and close the client when it "
            + "is full"),
    RESET_NOT_HANDLED(Where.MODEL, "a reset (IOException: Connection reset) is not handled: the socket is not closed on "
            + "that path, or the thread that met it ends without giving back what it held"),
    IDLE_CLIENT_NOT_HANDLED(Where.MODEL, "a client that sends nothing, or closes before sending, is not handled: read() "
            + "returning -1 at once must end the loop and close the socket"),
    WRITE_ERROR_NOT_HANDLED(Where.MODEL, "a write to a client that is gone (IOException: Broken pipe, Connection reset) is "
            + "not handled: close the socket on that path too"),
    REJECTED_UNCAUGHT(Where.MODEL, "the server died of a RejectedExecutionException: a full pool throws it from execute(), "
            + "and nothing caught it; catch it around pool.execute and refuse(client, why)", "RejectedExecutionException"),
    CHANNEL_BLOCKING(Where.EVENT_LOOP, "the server died of an IllegalBlockingModeException: a channel must be made "
            + "non-blocking (configureBlocking(false)) before it is registered with a selector", "IllegalBlockingModeException"),
    REFUSED_NOT_CLOSED(Where.MODEL, "clients the pool had no room for are never closed: each keeps its socket open in the "
            + "server after its client left; refuse(client, why) closes it"),
    WAITING_NOT_CLEANED(Where.MODEL, "connections closed while waiting (in the backlog or the queue) are not cleaned up"),
    SERVER_DIED(Where.MODEL, "the server died: an exception that nothing caught ended it (its last lines above say "
            + "which, and where), or a signal killed it (SIGPIPE: it wrote to a client that had gone, with SIGPIPE not ignored)"),
    SERVER_GONE(Where.MODEL, "nothing listens on the port any more: the server died or closed its listening socket (an "
            + "exception in the accept loop? see the server log)"),
    BACKLOG_FULL(Where.MODEL, "the listen backlog is full: the server has stopped accepting connections"),

    // Processes (lesson 2).
    ACCEPTS_PAST_CAP(Where.MULTI_PROCESS, "the parent accepts a client before a slot is free: at --max-clients it holds the "
            + "accepted connection with no child to serve it; take the slot (slots.acquire()) before accept()"),
    PARENT_HOLDS(Where.MULTI_PROCESS, "the parent still holds its copy of the connection: when the child ends, the socket "
            + "stays open in the parent. Close it in the parent right after the child is started"),
    NO_REAP(Where.MULTI_PROCESS, "the server does not reap its children: a child that has exited stays a zombie until its "
            + "parent waits for it (waitpid)"),
    CHILDREN_UNCAPPED(Where.MULTI_PROCESS, "children are not capped: acquire a slot before accepting, and free it when a "
            + "child is reaped, so that past --max-clients new clients wait in the backlog"),
    CHILD_HOLDS_LISTENER(Where.MULTI_PROCESS, "the child inherited the listening socket: fds are not close-on-exec by "
            + "default; close every fd but the connection in the child (closefrom, or FD_CLOEXEC)"),
    CHILD_NEVER_EXITS(Where.MULTI_PROCESS, "the child does not exit when its client leaves: it must end once it has read "
            + "end of stream and written what it owed"),
    CHILDREN_NOT_ENDED(Where.MULTI_PROCESS, "children are not ended when the server stops: signal them on SIGTERM and wait "
            + "for them"),
    LISTENER_OUTLIVES_SERVER(Where.MULTI_PROCESS, "another process holds the listening socket: a child that inherited it "
            + "outlives the server"),

    // Shutdown, the log, long runs.
    SIGTERM_IGNORED(Where.ECHO, "SIGTERM does not stop the server: the signal is ignored, or a shutdown hook waits for "
            + "threads that never end (a blocked accept or read)"),
    EXIT_143(Where.ECHO, "143 is 128 + 15: the JVM's default for SIGTERM. Handle the signal, close the sockets, then exit 0"),
    FAILED_WHILE_STOPPING(Where.ECHO, "the server failed while stopping (see the server log)"),
    LOG_UNESCAPED(Where.ECHO, "the server writes a client's bytes to its log as they are: a client can then clear the "
            + "terminal of whoever reads the log, or forge log lines. Escape control characters, or do not log client data"),
    SOAK_ERRORS(Where.MODEL, "under a mixed load the server loses, corrupts or holds bytes: a race between clients (shared "
            + "buffers?), or a client's misbehaviour harming others"),
    SOAK_LEAK(Where.MODEL, "some misbehaving client of the mix leaves something behind"),
    MEMORY_GROWS(Where.MODEL, "memory grows with the clients served: something per client is kept after it leaves, or a "
            + "client's input is buffered without bound");

    /** Where the code that causes it is taught: a lesson, or the lesson of the model under test. */
    enum Where { ECHO, MODEL, MODEL_THEN_ECHO, SINGLE_THREADED, MULTI_PROCESS, EVENT_LOOP }

    final Where where;
    private final String sentence;
    // The exception that, when a server dies of it, shows this cause (empty: none).
    private final String thrown;

    Cause(Where where, String sentence) {
        this(where, sentence, "");
    }

    Cause(Where where, String sentence, String thrown) {
        this.where = where;
        this.sentence = sentence;
        this.thrown = thrown;
    }

    /** Whether a server's death shows this cause, by the exception it died of (see ofDeath). */
    boolean namedByDeath() {
        return !thrown.isEmpty();
    }

    /** The cause a server's death shows, from what it printed as it died: one named by its exception, else SERVER_DIED. */
    static Cause ofDeath(List<String> lastWords) {
        return Arrays.stream(values()).filter(c -> !c.thrown.isEmpty())
                .filter(c -> lastWords.stream().anyMatch(l -> l.contains(c.thrown))).findFirst().orElse(SERVER_DIED);
    }

    /** The cause with what was measured filled in. */
    Likely with(Object... args) {
        return new Likely(this, List.of(Arrays.stream(args).map(String::valueOf).toArray(String[]::new)));
    }

    /** The sentence as written, with %s where a measurement goes. */
    String template() {
        return sentence;
    }

    /** A cause named in a finding: its key, and the measurements its sentence holds. */
    record Likely(Cause key, List<String> args) {
        String sentence() {
            return args.isEmpty() ? key.sentence : key.sentence.formatted(args.toArray());
        }
    }

    /** The key named {@code name}, if there is one. */
    static java.util.Optional<Cause> named(String name) {
        return Arrays.stream(values()).filter(c -> c.name().equals(name)).findFirst();
    }
}
