import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A failed check, told so that a student knows what to fix: what was observed (bytes as text and
 * hex, counts, socket states), the rule, the likely cause in the server's code (a {@link Cause}),
 * the lesson to reread, and what the server logged meanwhile.
 */
final class Finding {

    /**
     * The check a finding belongs to: its rule, the model the server is held to (null while unknown), and where
     * its part of the server log begins.
     */
    record Context(String rule, java.util.function.Supplier<Model> model, Launch launch, long logMark) {
    }

    /** A check's failure as JUnit sees it: the message, and the causes as keys for the reports. */
    static final class Failure extends AssertionError implements TestRun.Keyed {
        private final List<Cause.Likely> causes;
        private final String lesson;

        Failure(String message, List<Cause.Likely> causes, String lesson) {
            super(message);
            this.causes = List.copyOf(causes);
            this.lesson = lesson;
        }

        List<Cause.Likely> causes() {
            return causes;
        }

        /** The first cause's key, or "" when none was named. */
        @Override
        public String cause() {
            return causes.isEmpty() ? "" : causes.getFirst().key().name();
        }

        String lesson() {
            return lesson;
        }
    }

    private final Context context;
    private final String observed;
    private final List<String> details = new ArrayList<>();
    private final List<Cause.Likely> causes = new ArrayList<>();
    private String lesson;

    private Finding(Context context, String observed) {
        this.context = context;
        this.observed = observed;
    }

    static Finding observed(Context context, String format, Object... args) {
        return new Finding(context, args.length == 0 ? format : format.formatted(args));
    }

    /** More of what was observed; blank text is left out. */
    Finding detail(String text) {
        if (text != null && !text.isBlank()) {
            details.add(text.stripTrailing());
        }
        return this;
    }

    /** The likely cause, with what was measured for its sentence. */
    Finding cause(Cause key, Object... args) {
        return cause(key.with(args));
    }

    Finding cause(Cause.Likely likely) {
        causes.clear();
        causes.add(likely);
        return this;
    }

    Finding causes(List<Cause.Likely> likely) {
        causes.clear();
        causes.addAll(likely);
        return this;
    }

    /** The lesson to reread, when it is not the first cause's. */
    Finding lesson(String ref) {
        lesson = ref;
        return this;
    }

    private String lessonRef() {
        if (lesson != null) {
            return lesson;
        }
        return causes.isEmpty() ? "" : lessonOf(causes.getFirst().key().where, context.model().get());
    }

    /** The number of the lesson {@code where} points to, for a server held to {@code model} (null: not known). */
    static int lessonNumberOf(Cause.Where where, Model model) {
        return switch (where) {
            case ECHO -> 1;
            case MODEL, MODEL_THEN_ECHO -> model == null ? 1 : model.lesson;
            case SINGLE_THREADED -> Model.SINGLE_THREADED.lesson;
            case MULTI_PROCESS -> Model.MULTI_PROCESS.lesson;
            case EVENT_LOOP -> Model.EVENT_LOOP.lesson;
        };
    }

    /** Where {@code where} points for a server held to {@code model} (null: not known). */
    static String lessonOf(Cause.Where where, Model model) {
        return switch (where) {
            case ECHO -> Model.ECHO_LESSON;
            case MODEL -> model == null ? Model.ECHO_LESSON : model.lessonRef();
            case MODEL_THEN_ECHO -> model == null ? Model.ECHO_LESSON
                    : model.lesson != 1 ? model.lessonRef() + "; and " + Model.ECHO_LESSON : model.lessonRef();
            case SINGLE_THREADED -> Model.SINGLE_THREADED.lessonRef();
            case MULTI_PROCESS -> Model.MULTI_PROCESS.lessonRef();
            case EVENT_LOOP -> Model.EVENT_LOOP.lessonRef();
        };
    }

    String message() {
        var s = new StringBuilder("observed: ").append(observed);
        for (var d : details) {
            s.append('\n').append(d.replace("\n", "\n  ").replaceFirst("^", "  "));
        }
        s.append("\nrule: ").append(context.rule());
        if (!causes.isEmpty()) {
            s.append("\nlikely cause: ").append(causes.stream().map(Cause.Likely::sentence).collect(Collectors.joining("; also, ")));
        }
        var ref = lessonRef();
        if (!ref.isEmpty()) {
            s.append("\nreread: ").append(ref);
        }
        var launch = context.launch();
        var thrown = launch == null ? List.<String>of() : launch.thrown(context.logMark());
        // The first check of a launch owns what came before it (Launch.beginCheck), and says so.
        var when = context.logMark() == 0 ? "since it started" : "during this check";
        if (!thrown.isEmpty()) {
            // A crash in plain sight: the exception, and where in the server's own code it came from.
            s.append("\nthe server threw ").append(when).append(':');
            thrown.forEach(l -> s.append("\n  | ").append(Sanitize.line(l)));
        }
        var log = launch == null ? List.<String>of() : launch.logSince(context.logMark(), 8);
        if (!log.isEmpty()) {
            s.append("\nserver log ").append(when).append(" (last lines):");
            log.forEach(l -> s.append("\n  | ").append(Sanitize.line(l)));
        }
        return s.toString();
    }

    Failure error() {
        return new Failure(message(), causes, lessonRef());
    }

    /** Server output made safe to print: control characters escaped. */
    static final class Sanitize {
        private Sanitize() {
        }

        static String line(String s) {
            var out = new StringBuilder(s.length());
            s.codePoints().forEach(c -> {
                if (c < 0x20 || c == 0x7f) {
                    out.append("\\x%02x".formatted(c));
                } else {
                    out.appendCodePoint(c);
                }
            });
            return out.toString();
        }
    }
}
