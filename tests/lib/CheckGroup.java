/** The suite's groups of checks, in the order they run; a group's checks live in tests/checks/{Name}Checks.java. */
enum CheckGroup {
    ECHO("echo", "each line comes back as PREFIX + line, byte for byte"),
    FRAMING("framing", "TCP is a byte stream; replies never depend on how the bytes were split"),
    STREAM("stream", "half-close, long lines and bulk data"),
    LIMITS("limits", "a client cannot make the server hold unbounded memory"),
    RAW("raw", "RFC 862, every byte back unchanged"),
    CONCURRENCY("concurrency", "clients are served at once, as the model says"),
    CLEANUP("cleanup", "every connection gives back its socket, its thread, its process"),
    ROBUST("robust", "misbehaving clients do not harm the server"),
    SECURITY("security", "nothing a client sends reaches the server's log unescaped"),
    SOAK("soak", "a long mixed load, every byte checked"),
    SHUTDOWN("shutdown", "SIGTERM stops the server cleanly");

    final String id;
    final String title;

    CheckGroup(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /** "echo: each line comes back as PREFIX + line, byte for byte". */
    String heading() {
        return id + ": " + title;
    }

    /** The class that holds the group's checks: "EchoChecks". */
    String className() {
        return id.substring(0, 1).toUpperCase() + id.substring(1) + "Checks";
    }
}
