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
import java.util.concurrent.TimeUnit;
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
        final Framing framing = framing();
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
                        write(ByteBuffer.wrap(reply.toByteArray()), Connection.this::close);
                    } else if (!framing.read(input.array(), 0, n, reply)) {
                        // The framing ends the connection (a line too long, or --short-lived's one reply).
                        write(ByteBuffer.wrap(reply.toByteArray()), Connection.this::linger);
                    } else {
                        write(ByteBuffer.wrap(reply.toByteArray()), Connection.this::read);
                    }
                }

                @Override
                public void failed(Throwable e, Void nothing) {
                    close();
                }
            });
        }

        // Writes all of bytes (a write may take part of them), then goes on: reads again, or closes.
        void write(ByteBuffer bytes, Runnable then) {
            if (!bytes.hasRemaining()) {
                then.run();
                return;
            }
            channel.write(bytes, null, new CompletionHandler<Integer, Void>() {
                @Override
                public void completed(Integer n, Void nothing) {
                    write(bytes, then);
                }

                @Override
                public void failed(Throwable e, Void nothing) {
                    close();
                }
            });
        }

        // Our side is done while the client may still be sending: half-close (it reads the reply, then end
        // of stream), and discard what still comes for up to a second, so that closing does not turn
        // into a reset that could destroy the reply before the client has read it.
        void linger() {
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                close();
                return;
            }
            discard(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        }

        void discard(long deadline) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                close();
                return;
            }
            input.clear();
            channel.read(input, left, TimeUnit.NANOSECONDS, null, new CompletionHandler<Integer, Void>() {
                @Override
                public void completed(Integer n, Void nothing) {
                    if (n < 0) {
                        close();
                    } else {
                        discard(deadline);
                    }
                }

                @Override
                public void failed(Throwable e, Void nothing) {
                    close(); // the time is up (InterruptedByTimeoutException), or the client is gone
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
