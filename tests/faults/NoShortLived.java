//JAVA 25+
//SOURCES ../../solutions/ThreadPool.java
// Fault: lesson 4's server that does not take --short-lived: it stops with a usage error (status 2), as for an unknown option.
// Must fail: stream.short-lived
// May fail: nothing
// Cause: SHORT_LIVED_REFUSED
// In-process: no, its defect is in main, which a server started in this JVM does not run

import java.util.Arrays;
import picocli.CommandLine.Command;

/** Lesson 4's server, as if --short-lived were not among its options. */
@Command(name = "NoShortLived")
class NoShortLived extends ThreadPool {

    public static void main(String[] args) {
        // The defect: the option is refused as a usage error.
        if (Arrays.asList(args).contains("--short-lived")) {
            System.err.println("error: unknown option '--short-lived'");
            System.exit(2);
        }
        run(new NoShortLived(), args);
    }
}
