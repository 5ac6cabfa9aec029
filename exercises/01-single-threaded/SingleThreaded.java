// Lesson 1's exercise: complete its TODOs, then run ./jbang check 1 (the lesson: README.md here).
//JAVA 25+
//SOURCES EchoServer.java

import java.io.IOException;
import java.net.ServerSocket;
import picocli.CommandLine.Command;

/** Lesson 1: one thread accepts a client and serves it until it leaves; the next one waits. */
@Command(name = "SingleThreaded")
class SingleThreaded extends EchoServer {

    @Override
    String model() {
        return "single-threaded";
    }

    @Override
    void serve(ServerSocket listener) throws IOException, InterruptedException {
        while (true) {
            // TODO(1): Accept the next client: listener.accept() waits for one and returns its Socket.
            //   Then serve it to the end with echo(client), before accepting again. (The line under
            //   a TODO is a placeholder that keeps the exercise running: replace it.)
            new java.util.concurrent.CountDownLatch(1).await();
        }
    }

    public static void main(String[] args) {
        run(new SingleThreaded(), args);
    }
}
