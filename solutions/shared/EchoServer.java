//SOURCES Server.java Framing.java Lines.java

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * The echo server of every blocking model (SPEC §2): {@link #echo} serves one client on a blocking
 * socket, with the framing the options ask for. The options, the ready line and the log are
 * Server's; a lesson extends this and writes {@link #serve}: who accepts clients, and who serves them.
 */
abstract class EchoServer extends Server {

    /** Serves one client to the end on the calling thread: read, frame, write back; then close. */
    void echo(Socket client) {
        var peer = client.getInetAddress().getHostAddress() + ":" + client.getPort();
        track(client);
        opened(peer);
        long received = 0;
        long sent = 0;
        var ending = "client closed";
        try {
            client.setSoTimeout(idleTimeout * 1000);
            var in = client.getInputStream();
            var out = client.getOutputStream();
            var framing = framing();
            var buffer = new byte[8192];
            var reply = new ByteArrayOutputStream();
            //> 2 Echo: read until the client's end of input; give the framing the bytes each read
            //>   returned (those alone), and write its reply, then empty it, before reading again. When
            //>   the framing says the connection ends, still write the reply, keep its reason as ending,
            //>   and return. Count received and sent bytes for the log. (./jbang check 1 --hint 2)
            for (int n; (n = in.read(buffer)) != -1; ) {
                received += n;
                boolean more = framing.read(buffer, 0, n, reply);
                // Write what this read completed before reading again: a ready reply never waits.
                reply.writeTo(out);
                sent += reply.size();
                reply.reset();
                if (!more) {
                    ending = framing.ending();
                    return;
                }
            }
            //<
            //> 5 End of input: framing.end(reply) gives what is still owed (a last line without LF);
            //>   write it before the socket is closed.
            // End of input: what is still owed (a last line without LF), then close.
            framing.end(reply);
            reply.writeTo(out);
            sent += reply.size();
            //<
        } catch (SocketTimeoutException e) {
            ending = "idle for " + idleTimeout + " s";
        } catch (IOException e) {
            ending = stopping() ? "server stopping" : e.getMessage();
        } finally {
            untrack(client);
            // Log, then close: closing a socket inherited as fd 0 also detaches stdout and stderr (lesson 2).
            closed(peer, ending, received, sent);
            closeQuietly(client);
        }
    }

    /** A new connection's framing, as the options say (SPEC §2, --short-lived of §3). */
    Framing framing() {
        return Framing.of(raw, prefixBytes(), maxLine, shortLived);
    }

    /** The prefix as bytes, for Framing. */
    byte[] prefixBytes() {
        return prefix.getBytes(StandardCharsets.UTF_8);
    }
}
