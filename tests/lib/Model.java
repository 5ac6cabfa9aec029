import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The concurrency models of the kit (SPEC §3), each with the lesson that teaches it. */
enum Model {
    SINGLE_THREADED("single-threaded", 1, "serves one client at a time"),
    MULTI_PROCESS("multi-process", 2, "a child process per connection"),
    MULTI_THREADED("multi-threaded", 3, "a thread per connection"),
    THREAD_POOL("thread-pool", 4, "a fixed pool of worker threads"),
    EVENT_LOOP("event-loop", 5, "one thread multiplexes every connection"),
    VIRTUAL_THREADS("virtual-threads", 6, "a virtual thread per connection");

    /** Where the echo loop itself (framing, writing back, closing) is taught. */
    static final String ECHO_LESSON = "lesson 1 (single-threaded), the echo loop: exercises/01-single-threaded/README.md";

    final String label;
    final int lesson;
    final String idea;

    Model(String label, int lesson, String idea) {
        this.label = label;
        this.lesson = lesson;
        this.idea = idea;
    }

    /** "lesson 4 (thread-pool): exercises/04-thread-pool/README.md". */
    String lessonRef() {
        return "lesson %d (%s): exercises/%02d-%s/README.md".formatted(lesson, label, lesson, label);
    }

    boolean concurrent() {
        return this != SINGLE_THREADED;
    }

    static Optional<Model> of(String label) {
        return Arrays.stream(values()).filter(m -> m.label.equals(label)).findFirst();
    }

    static List<String> labels() {
        return Arrays.stream(values()).map(m -> m.label).toList();
    }
}
