//JAVA 25+
//SOURCES ../../solutions/shared/EchoServer.java
// Fault: listens and prints its ready line, but never calls accept(): clients wait in the backlog forever.
// Wrong step: lesson 1, TODO(1)
// Must fail: echo.basic
// May fail: nothing
// Cause: NOT_ACCEPTED

import java.net.ServerSocket;
import picocli.CommandLine.Command;

/** Lesson 1's server with its accept loop forgotten: the listening socket only queues connections. */
@Command(name = "NeverAccepts")
class NeverAccepts extends EchoServer {

    @Override
    String model() {
        return "single-threaded";
    }

    @Override
    void serve(ServerSocket listener) throws InterruptedException {
        // The defect: no listener.accept() loop.
        Thread.sleep(Long.MAX_VALUE);
    }

    public static void main(String[] args) {
        run(new NeverAccepts(), args);
    }
}
