//JAVA 25+
//SOURCES ../../solutions/shared/EchoServer.java
// Correct: an event-driven server on NIO.2 completion handlers (AsynchronousServerSocketChannel) and one thread: another model's code than lesson 5's Selector loop.
// Launch: ./jbang tests/correct/AsyncChannels.java

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;

/** Reads, frames and writes by completion handlers: the next read is asked for once the last write is done. */
@Command(name = "AsyncChannels")
class AsyncChannels extends EchoServer {

    private AsynchronousServerSocketChannel server;
    private final AtomicInteger clients = new AtomicInteger();
    private final CountDownLatch done = new CountDownLatch(1);

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
        var group = AsynchronousChannelGroup.withFixedThreadPool(1, Thread.ofPlatform().name("completions").factory());
        server = AsynchronousServerSocketChannel.open(group).bind(new InetSocketAddress(InetAddress.getByName(bind), port), BACKLOG);
        return (InetSocketAddress) server.getLocalAddress();
    }

    @Override
    void serve() throws InterruptedException {
        acceptNext();
        done.await();
    }

    private void acceptNext() {
        server.accept(null, new CompletionHandler<AsynchronousSocketChannel, Void>() {
            @Override
            public void completed(AsynchronousSocketChannel channel, Void nothing) {
                new Connection(channel).read();
                // Past --max-clients, the next accept waits until a client leaves.
                if (clients.incrementAndGet() < maxClients()) {
                    acceptNext();
                }
            }

            @Override
            public void failed(Throwable e, Void nothing) {
                done.countDown();
            }
        });
    }

    /** One client: a read, then the write of its reply, then the next read. */
    private final class Connection {
        final AsynchronousSocketChannel channel;
        final Framing framing = Framing.of(raw, prefixBytes(), maxLine);
        final ByteBuffer input = ByteBuffer.allocate(16 * 1024);
        final ByteArrayOutputStream reply = new ByteArrayOutputStream();

        Connection(AsynchronousSocketChannel channel) {
            this.channel = channel;
        }

        void read() {
            input.clear();
            channel.read(input, null, new CompletionHandler<Integer, Void>() {
                @Override
                public void completed(Integer n, Void nothing) {
                    reply.reset();
                    if (n < 0) {
                        framing.end(reply);
                        write(ByteBuffer.wrap(reply.toByteArray()), true);
                    } else if (!framing.read(input.array(), 0, n, reply)) {
                        reply.writeBytes(tooLong());
                        write(ByteBuffer.wrap(reply.toByteArray()), true);
                    } else {
                        write(ByteBuffer.wrap(reply.toByteArray()), false);
                    }
                }

                @Override
                public void failed(Throwable e, Void nothing) {
                    close();
                }
            });
        }

        // Writes all of bytes (a write may take part of them), then reads again, or closes.
        void write(ByteBuffer bytes, boolean last) {
            if (!bytes.hasRemaining()) {
                if (last) {
                    close();
                } else {
                    read();
                }
                return;
            }
            channel.write(bytes, null, new CompletionHandler<Integer, Void>() {
                @Override
                public void completed(Integer n, Void nothing) {
                    write(bytes, last);
                }

                @Override
                public void failed(Throwable e, Void nothing) {
                    close();
                }
            });
        }

        void close() {
            try {
                channel.close();
            } catch (IOException e) {
                log("closing: %s", e.getMessage());
            }
            if (clients.getAndDecrement() == maxClients()) {
                acceptNext();
            }
        }
    }

    @Override
    void release() {
        closeQuietly(server);
        done.countDown();
    }

    public static void main(String[] args) {
        run(new AsyncChannels(), args);
    }
}
