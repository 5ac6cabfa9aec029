//JAVA 25+
//SOURCES ../../solutions/ThreadPool.java
// Fault: lesson 4's server that takes --short-lived but dies of an exception as it starts with it (status 1, no usage error).
// Must fail: stream.short-lived
// May fail: nothing
// Cause: SHORT_LIVED_START_DIES
// In-process: no, its defect is in main, which a server started in this JVM does not run

import java.util.Arrays;
import picocli.CommandLine.Command;

/** Lesson 4's server whose short-lived mode throws before it listens. */
@Command(name = "ShortLivedCrashes")
class ShortLivedCrashes extends ThreadPool {

    public static void main(String[] args) {
        // The defect: the mode is parsed, then fails at start: a crash, not a refusal of the option.
        if (Arrays.asList(args).contains("--short-lived")) {
            throw new IllegalStateException("short-lived mode is not built yet");
        }
        run(new ShortLivedCrashes(), args);
    }
}
