// Lesson 5's exercise: complete its TODOs, then run ./jbang check 5 (the lesson: README.md here).
//JAVA 25+
//SOURCES ../../solutions/shared/EchoServer.java

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import picocli.CommandLine.Command;

/**
 * Lesson 5: one thread serves every client. A Selector says which sockets are ready; the loop
 * reads what has come, writes what it can, and never blocks on any one client.
 */
@Command(name = "EventLoop")
class EventLoop extends EchoServer {

    // Past this many bytes of replies waiting to be written, a client is not read until they drain:
    // a client that sends and never reads cannot make the server hold more.
    static final int MAX_PENDING = 256 * 1024;

    ServerSocketChannel server;
    Selector selector;
    private final ByteBuffer input = ByteBuffer.allocate(64 * 1024);
    final Reply reply = new Reply();
    private int clients;

    /** What the loop keeps for each client: its framing state and the replies not yet written. */
    final class Client {
        final SocketChannel channel;
        final String name;
        final Framing framing = framing();
        final ArrayDeque<ByteBuffer> output = new ArrayDeque<>();
        long pending;
        long received;
        long sent;
        long lastHeard = System.nanoTime();
        // Set once the client half-closed, or its framing ended the connection: close when the output has drained.
        String ending;

        Client(SocketChannel channel) throws IOException {
            this.channel = channel;
            var peer = (InetSocketAddress) channel.getRemoteAddress();
            this.name = peer.getAddress().getHostAddress() + ":" + peer.getPort();
        }
    }

    /** Framing's output, whose bytes the loop can write without copying them first. */
    static final class Reply extends ByteArrayOutputStream {
        ByteBuffer buffer() {
            return ByteBuffer.wrap(buf, 0, count);
        }
    }

    @Override
    String model() {
        return "event-loop";
    }

    @Override
    String details() {
        return "max-clients=" + maxClients();
    }

    @Override
    InetSocketAddress listen() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getByName(bind), port), BACKLOG);
        return (InetSocketAddress) server.getLocalAddress();
    }

    @Override
    void serve() throws IOException {
        Thread.currentThread().setName("event-loop");
        selector = Selector.open();
        server.configureBlocking(false);
        var accepting = server.register(selector, SelectionKey.OP_ACCEPT);
        long tick = idleTimeout > 0 ? Math.min(1000, idleTimeout * 1000L) : 0;
        while (server.isOpen()) {
            // Wait until a socket is ready (or, with --idle-timeout, for the next look at idle clients).
            selector.select(tick);
            for (var key : selector.selectedKeys()) {
                if (!key.isValid()) {
                    continue;
                }
                if (key.isAcceptable()) {
                    accept(accepting);
                } else {
                    var client = (Client) key.attachment();
                    if (key.isReadable()) {
                        read(key, client);
                    }
                    if (key.isValid() && key.isWritable()) {
                        write(key, client);
                    }
                }
            }
            selector.selectedKeys().clear();
            if (idleTimeout > 0) {
                closeIdle();
            }
        }
        for (var key : new ArrayList<>(selector.keys())) {
            if (key.attachment() instanceof Client client) {
                close(key, client, "server stopping");
            }
        }
        selector.close();
    }

    void accept(SelectionKey accepting) throws IOException {
        var channel = server.accept();
        if (channel == null) {
            return;
        }
        var client = new Client(channel);
        // TODO(1): Make the new client's channel non-blocking (configureBlocking(false)), then register it with
        //   the selector, for reading (OP_READ), the Client attached.
        opened(client.name);
        // At --max-clients, stop accepting until a client leaves: new ones wait in the backlog.
        if (++clients >= maxClients()) {
            accepting.interestOps(0);
        }
    }

    private void read(SelectionKey key, Client client) {
        int n;
        try {
            input.clear();
            n = client.channel.read(input);
        } catch (IOException e) {
            close(key, client, e.getMessage());
            return;
        }
        client.lastHeard = System.nanoTime();
        reply.reset();
        if (n < 0) {
            // End of input: what is still owed, then close once it is written.
            client.framing.end(reply);
            client.ending = "client closed";
        } else {
            client.received += n;
            if (!client.framing.read(input.array(), 0, n, reply)) {
                client.ending = client.framing.ending();
            }
        }
        send(key, client);
    }

    // Queues this read's replies behind any still waiting, and writes as much as the socket takes now.
    void send(SelectionKey key, Client client) {
        if (reply.size() > 0) {
            if (client.output.isEmpty()) {
                var now = reply.buffer();
                if (!writeSome(key, client, now)) {
                    return;
                }
                // TODO(2): A non-blocking write may take only part of the bytes: queue what is left (a copy) in client.output.
            } else {
                client.output.add(copy(reply.buffer()));
            }
            client.pending = client.output.stream().mapToLong(ByteBuffer::remaining).sum();
        }
        interest(key, client);
    }

    private void write(SelectionKey key, Client client) {
        while (!client.output.isEmpty()) {
            var next = client.output.peek();
            if (!writeSome(key, client, next)) {
                return;
            }
            if (next.hasRemaining()) {
                break;
            }
            client.output.poll();
        }
        client.pending = client.output.stream().mapToLong(ByteBuffer::remaining).sum();
        interest(key, client);
    }

    // One non-blocking write: it may take part of the bytes, or none. False when the client is gone.
    boolean writeSome(SelectionKey key, Client client, ByteBuffer bytes) {
        try {
            client.sent += client.channel.write(bytes);
            return true;
        } catch (IOException e) {
            close(key, client, e.getMessage());
            return false;
        }
    }

    // What to wait for next: writable only while output waits; readable unless too much output waits, or input ended.
    void interest(SelectionKey key, Client client) {
        if (client.output.isEmpty() && client.ending != null) {
            close(key, client, client.ending);
            return;
        }
        int ops = 0;
        // TODO(3): Read while the client may send more (client.ending == null) and at most MAX_PENDING bytes
        //   wait (backpressure); wait to write (OP_WRITE) only while output waits: a socket is almost
        //   always writable, so asking always would spin.
        ops = SelectionKey.OP_READ | SelectionKey.OP_WRITE;
        key.interestOps(ops);
    }

    void closeIdle() {
        long limit = System.nanoTime() - idleTimeout * 1_000_000_000L;
        for (var key : new ArrayList<>(selector.keys())) {
            if (key.attachment() instanceof Client client && client.lastHeard < limit && client.ending == null) {
                close(key, client, "idle for " + idleTimeout + " s");
            }
        }
    }

    void close(SelectionKey key, Client client, String ending) {
        key.cancel();
        closed(client.name, ending, client.received, client.sent);
        closeQuietly(client.channel);
        if (clients-- == maxClients() && server.isOpen()) {
            server.keyFor(selector).interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    static ByteBuffer copy(ByteBuffer bytes) {
        var copy = ByteBuffer.allocate(bytes.remaining());
        copy.put(bytes).flip();
        return copy;
    }

    // On SIGTERM: close the listening channel and wake the loop, which then closes every client.
    @Override
    void release() {
        closeQuietly(server);
        if (selector != null) {
            selector.wakeup();
        }
    }

    public static void main(String[] args) {
        run(new EventLoop(), args);
    }
}
