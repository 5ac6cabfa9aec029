//JAVA 25+
//SOURCES shared/EchoServer.java

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
    void serve(ServerSocket listener) throws IOException {
        while (true) {
            // Accept the next client; meanwhile new ones wait in the listen backlog.
            var client = listener.accept();
            // Serve it to the end before accepting again.
            echo(client);
        }
    }

    public static void main(String[] args) {
        run(new SingleThreaded(), args);
    }
}
