//JAVA 25+
//SOURCES ../../solutions/MultiThreaded.java
// Fault: the server says single-threaded in its ready line, but serves clients at once: the model it claims is not the one it runs.
// Must fail: concurrency.parallel concurrency.model
// May fail: nothing
// Cause: NOT_SINGLE_THREADED

import picocli.CommandLine.Command;

/** Lesson 3's server under lesson 1's name. */
@Command(name = "ConcurrentClaimsSerial")
class ConcurrentClaimsSerial extends MultiThreaded {

    @Override
    String model() {
        // The defect: the wrong name for what serve() does.
        return "single-threaded";
    }

    public static void main(String[] args) {
        run(new ConcurrentClaimsSerial(), args);
    }
}
