//JAVA 25+
//SOURCES ../../solutions/EventLoop.java
//SOURCES ChannelLeftBlocking.java
// Fault: ChannelLeftBlocking, whose JVM takes a second to end: it dies of the suite's first connection (is it reachable?), its trace written before the first check begins.
// Must fail: echo.basic shutdown.sigterm
// May fail: security.log-escaping (the server dies at its first client, in every check)
// In-process: no, the loop dies of an exception, which ends a process but not the self-test
// Cause: CHANNEL_BLOCKING

import picocli.CommandLine.Command;

/** Lesson 5's loop that dies of a blocking channel, with a shutdown hook that holds the JVM a second. */
@Command(name = "SlowToDie")
class SlowToDie extends ChannelLeftBlocking {

    public static void main(String[] args) {
        // The hook stands for a slow end (a loaded machine, a log flushed): the trace comes well before the exit.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        run(new SlowToDie(), args);
    }
}
