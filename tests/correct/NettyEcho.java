// Correct: model event-loop, built on Netty (NIO transport): a boss loop accepts, a fixed group of worker loops serves every client with a hand-written line framer, half-closure and autoRead backpressure.
// Launch: ./jbang tests/correct/NettyEcho.java
//JAVA 25+
//DEPS io.netty:netty-all:4.2.18.Final
//JAVAC_OPTIONS -XDignore.symbol.file

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Echo server (SPEC §2, §3) on Netty's event loops.
 *
 * <p>Line mode: each complete line (LF included) is answered with PREFIX + line, bytes verbatim,
 * never decoded. A partial line is kept in a buffer of at most --max-line bytes; more than that
 * without an LF gets one {@code server error# } line, then the connection is closed. Raw mode
 * passes each received ByteBuf straight back. Both modes stop reading while the channel is not
 * writable (autoRead off) and resume when it drains. With ALLOW_HALF_CLOSURE the end of the
 * client's input arrives as an event: what is owed is written, then the connection is closed.
 */
public class NettyEcho {

    static final String MODEL = "event-loop";
    static final byte LF = '\n';

    static final String USAGE = """
            usage: NettyEcho [--port 8888] [--bind 127.0.0.1] [--prefix 'server echo# ']
                             [--raw] [--max-line 65536] [--workers N] [--queue N]
                             [--max-clients 256] [--idle-timeout SECONDS] [--short-lived] [--quiet]
              --port N            TCP port, 0 takes a free one (default 8888)
              --bind HOST         address to listen on (default 127.0.0.1)
              --prefix S          prefix of every reply in line mode, may be empty (default 'server echo# ')
              --raw               RFC 862 echo: bytes back unchanged, no framing
              --max-line N        longest line in bytes, LF included (default 65536)
              --workers N         event loop threads serving clients (default: number of cores)
              --queue N           accepted and ignored (no queue in this model)
              --max-clients N     most connections open at once (default 256); past it, accepting pauses
              --idle-timeout S    close a client silent for S seconds (default: never)
              --short-lived       line mode: close after the reply to the first line
              --quiet             no per-connection log lines""";

    // ---- configuration -------------------------------------------------------------------------

    static int port = 8888;
    static String bind = "127.0.0.1";
    static byte[] prefix;
    static boolean raw;
    static int maxLine = 65536;
    static int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
    static int queue = 0;
    static int maxClients = 256;
    static double idleTimeout = 0;
    static boolean shortLived;
    static boolean quiet;

    static final class UsageError extends Exception {
        UsageError(String m) { super(m); }
    }

    static void parseArgs(String[] args) throws UsageError {
        String prefixText = "server echo# ";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a, value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 2) { name = a.substring(0, eq); value = a.substring(eq + 1); }
            switch (name) {
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    System.out.flush();
                    System.exit(0);
                }
                case "--raw" -> { noValue(name, value); raw = true; }
                case "--short-lived" -> { noValue(name, value); shortLived = true; }
                case "--quiet" -> { noValue(name, value); quiet = true; }
                case "--port", "--bind", "--prefix", "--max-line", "--workers", "--queue",
                     "--max-clients", "--idle-timeout" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) throw new UsageError(name + " needs a value");
                        value = args[++i];
                    }
                    switch (name) {
                        case "--port" -> port = intArg(name, value, 0, 65535);
                        case "--bind" -> {
                            if (value.isEmpty()) throw new UsageError("--bind needs an address");
                            bind = value;
                        }
                        case "--prefix" -> prefixText = value;
                        case "--max-line" -> maxLine = intArg(name, value, 1, Integer.MAX_VALUE / 4);
                        case "--workers" -> workers = intArg(name, value, 1, 1024);
                        case "--queue" -> queue = intArg(name, value, 0, Integer.MAX_VALUE);
                        case "--max-clients" -> maxClients = intArg(name, value, 1, 1_000_000);
                        case "--idle-timeout" -> {
                            try { idleTimeout = Double.parseDouble(value); }
                            catch (NumberFormatException e) { throw new UsageError("--idle-timeout: not a number: " + value); }
                            if (!(idleTimeout >= 0) || idleTimeout > 1e7) throw new UsageError("--idle-timeout: out of range: " + value);
                        }
                        default -> throw new AssertionError(name);
                    }
                }
                default -> throw new UsageError(a.startsWith("-") ? "unknown option " + a : "unexpected argument " + a);
            }
        }
        if (shortLived && raw) throw new UsageError("--short-lived is a line-mode option; it cannot be used with --raw");
        // The prefix comes from argv: encode it back with the charset the JVM decoded argv with.
        String jnu = System.getProperty("sun.jnu.encoding");
        Charset cs;
        try { cs = jnu == null ? StandardCharsets.UTF_8 : Charset.forName(jnu); }
        catch (RuntimeException e) { cs = StandardCharsets.UTF_8; }
        prefix = prefixText.getBytes(cs);
    }

    static void noValue(String name, String value) throws UsageError {
        if (value != null) throw new UsageError(name + " takes no value");
    }

    static int intArg(String name, String v, int min, int max) throws UsageError {
        long n;
        try { n = Long.parseLong(v.trim()); }
        catch (NumberFormatException e) { throw new UsageError(name + ": not a number: " + v); }
        if (n < min || n > max) throw new UsageError(name + ": out of range (" + min + ".." + max + "): " + v);
        return (int) n;
    }

    // ---- logging -------------------------------------------------------------------------------

    /** Log text never carries client bytes, but escape control characters anyway. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') b.append("\\\\");
            else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    static void log(String msg) {
        System.err.println("[netty-echo] " + escape(msg));
    }

    static String addr(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String h = i.getHostString();
            return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    // ---- per-connection handlers ---------------------------------------------------------------

    static final AtomicInteger openNow = new AtomicInteger();

    /** First in every child pipeline: the open/close log lines, byte counts, errors, idle timeout. */
    static final class ConnLog extends ChannelDuplexHandler {
        long in, out;
        String peer = "?";
        String why = "";

        @Override public void channelActive(ChannelHandlerContext ctx) throws Exception {
            peer = addr(ctx.channel().remoteAddress());
            int n = openNow.incrementAndGet();
            if (!quiet) log("connection opened " + peer + " (open " + n + ")");
            super.channelActive(ctx);
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            int n = openNow.decrementAndGet();
            if (!quiet) log("connection closed " + peer + " (in " + in + " B, out " + out + " B" + why + ", open " + n + ")");
            super.channelInactive(ctx);
        }

        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof ByteBuf b) in += b.readableBytes();
            super.channelRead(ctx, msg);
        }

        @Override public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof ByteBuf b) out += b.readableBytes();
            super.write(ctx, msg, promise);
        }

        @Override public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                why = ", idle timeout";
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Resets, broken pipes: the client is gone. Close quietly and go on.
            String m = cause.getMessage();
            why = ", " + cause.getClass().getSimpleName() + (m == null ? "" : ": " + m);
            ctx.close();
        }
    }

    /** Common to both modes: autoRead backpressure and the orderly end of a connection. */
    abstract static class EchoBase extends ChannelInboundHandlerAdapter {
        boolean closing;             // no more echoing: only drain (and discard) until closed
        ChannelFuture lastWrite;     // the last thing written before closing

        /** Writes and flushes, and stops reading while the outbound buffer is over its high mark. */
        ChannelFuture send(ChannelHandlerContext ctx, ByteBuf b) {
            ChannelFuture f = ctx.writeAndFlush(b);
            if (!ctx.channel().isWritable()) ctx.channel().config().setAutoRead(false);
            return f;
        }

        @Override public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable() && !closing) ctx.channel().config().setAutoRead(true);
            super.channelWritabilityChanged(ctx);
        }

        /** The client's end of input: everything owed has been written; close once it is flushed. */
        abstract void endOfInput(ChannelHandlerContext ctx);

        /**
         * Our side is done (oversized line, short-lived reply): once {@code last} is written, send
         * FIN, then read and discard until the client closes too (so no unread data turns our close
         * into a reset that could swallow the reply), for at most a second.
         */
        void finish(ChannelHandlerContext ctx, ChannelFuture last) {
            closing = true;
            lastWrite = last;
            Channel ch = ctx.channel();
            last.addListener((ChannelFutureListener) f -> {
                if (!ch.isActive()) return;
                if (ch instanceof DuplexChannel d && !d.isOutputShutdown()) d.shutdownOutput();
                ch.config().setAutoRead(true);
                ch.eventLoop().schedule(() -> { ch.close(); }, 1, TimeUnit.SECONDS);
            });
            // Whatever happens (a client that never reads), the connection ends.
            ch.eventLoop().schedule(() -> { ch.close(); }, 3, TimeUnit.SECONDS);
        }

        @Override public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ChannelInputShutdownEvent) {
                if (closing) { if (lastWrite != null) lastWrite.addListener(ChannelFutureListener.CLOSE); else ctx.close(); }
                else { closing = true; endOfInput(ctx); }
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** RFC 862: every ByteBuf read is written back as it is. */
    static final class RawEcho extends EchoBase {
        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closing) { ((ByteBuf) msg).release(); return; }
            lastWrite = ctx.write(msg);
            if (!ctx.channel().isWritable()) ctx.channel().config().setAutoRead(false);
        }

        @Override public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override void endOfInput(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Line mode with its own framing: PREFIX + line per LF, a bounded buffer for the partial line. */
    static final class LineEcho extends EchoBase {
        ByteBuf partial;   // bytes of the current line seen so far (no LF yet), at most maxLine

        int held() { return partial == null ? 0 : partial.readableBytes(); }

        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (closing) return;
                ByteBuf out = null;
                int i = in.readerIndex();
                final int end = in.writerIndex();
                while (i < end) {
                    int lf = in.indexOf(i, end, LF);
                    int len = (lf < 0 ? end : lf + 1) - i;
                    if (held() + len > maxLine) {
                        // More than --max-line bytes with no LF among the first --max-line: the
                        // optional error line, after the replies already owed, then close.
                        if (out != null) send(ctx, out);
                        releasePartial();
                        ByteBuf err = Unpooled.copiedBuffer("server error# line longer than "
                                + maxLine + " bytes (--max-line), closing\n", StandardCharsets.US_ASCII);
                        ctx.pipeline().get(ConnLog.class).why = ", line over --max-line " + maxLine;
                        finish(ctx, ctx.writeAndFlush(err));
                        return;
                    }
                    if (lf < 0) {
                        if (partial == null) partial = ctx.alloc().buffer(Math.min(maxLine, Math.max(len, 256)));
                        partial.writeBytes(in, i, len);
                        break;
                    }
                    if (out == null) out = ctx.alloc().buffer(Math.max(256, end - i + prefix.length * 4));
                    out.writeBytes(prefix);
                    if (partial != null) { out.writeBytes(partial); releasePartial(); }
                    out.writeBytes(in, i, len);
                    i = lf + 1;
                    if (shortLived) {
                        // The seed's short-lived connection: one reply, the rest is dropped.
                        finish(ctx, send(ctx, out));
                        return;
                    }
                }
                if (out != null) lastWrite = send(ctx, out);
            } finally {
                in.release();
            }
        }

        @Override void endOfInput(ChannelHandlerContext ctx) {
            if (partial != null) {
                ByteBuf out = ctx.alloc().buffer(prefix.length + partial.readableBytes());
                out.writeBytes(prefix).writeBytes(partial);
                releasePartial();
                ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        void releasePartial() {
            if (partial != null) { partial.release(); partial = null; }
        }

        @Override public void handlerRemoved(ChannelHandlerContext ctx) {
            releasePartial();
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            releasePartial();
            super.channelInactive(ctx);
        }
    }

    // ---- the accept side: --max-clients -------------------------------------------------------

    /**
     * On the server channel, ahead of Netty's acceptor; all its state lives on the boss loop.
     * At --max-clients open connections it stops accepting (new clients wait in the backlog) and
     * resumes when one closes. Should one be accepted past the cap all the same, it is closed.
     */
    @ChannelHandler.Sharable
    static final class Admission extends ChannelInboundHandlerAdapter {
        int open;

        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            Channel server = ctx.channel();
            if (open >= maxClients) {
                if (!quiet) log("connection refused " + addr(child.remoteAddress()) + " (max-clients " + maxClients + " reached)");
                child.unsafe().closeForcibly();
                server.config().setAutoRead(false);
                return;
            }
            open++;
            if (open >= maxClients) server.config().setAutoRead(false);
            child.closeFuture().addListener(f -> {
                if (server.eventLoop().isShuttingDown()) return;   // SIGTERM: nothing to resume
                try {
                    server.eventLoop().execute(() -> {
                        open--;
                        if (open < maxClients && server.isOpen() && !server.config().isAutoRead()) server.config().setAutoRead(true);
                    });
                } catch (RejectedExecutionException e) {
                    // the boss loop ended meanwhile: the server is stopping
                }
            });
            ctx.fireChannelRead(child);
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // accept() failures (EMFILE...): log and go on; Netty's acceptor pauses briefly itself.
            log("accept failed: " + cause);
        }
    }

    // ---- main ----------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        try {
            parseArgs(args);
        } catch (UsageError e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }

        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup work = new MultiThreadIoEventLoopGroup(workers, NioIoHandler.newFactory());

        ServerBootstrap sb = new ServerBootstrap()
                .group(boss, work)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                // One accept per read, so that Admission's pause takes effect at once (Netty
                // otherwise accepts up to 16 in a batch before any handler sees the first).
                .option(ChannelOption.RECVBUF_ALLOCATOR, new ServerChannelRecvByteBufAllocator().maxMessagesPerRead(1))
                .handler(new Admission())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override protected void initChannel(SocketChannel ch) {
                        if (idleTimeout > 0) {
                            // First, so that its IdleStateEvent passes ConnLog, which closes.
                            long ms = Math.max(1, Math.round(idleTimeout * 1000));
                            ch.pipeline().addLast(new IdleStateHandler(ms, 0, 0, TimeUnit.MILLISECONDS));
                        }
                        ch.pipeline().addLast(new ConnLog());
                        ch.pipeline().addLast(raw ? new RawEcho() : new LineEcho());
                    }
                });

        Channel server;
        try {
            server = sb.bind(bind, port).sync().channel();
        } catch (Exception e) {
            String what = e instanceof BindException ? "address already in use or not available"
                    : e.getClass().getSimpleName();
            String m = e.getMessage();
            System.err.println("error: cannot listen on " + bind + ":" + port + ": " + what
                    + (m == null ? "" : " (" + escape(m) + ")"));
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            work.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            System.exit(1);
            return;
        }

        CountDownLatch stop = new CountDownLatch(1);
        String[] signalName = {"?"};
        for (String sig : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> { signalName[0] = s.getName(); stop.countDown(); });
        }

        StringBuilder ready = new StringBuilder("listening on ")
                // The host as given (Java reports 0.0.0.0 as :: on a dual-stack socket), the port as bound.
                .append(bind.indexOf(':') >= 0 ? "[" + bind + "]" : bind).append(':')
                .append(((InetSocketAddress) server.localAddress()).getPort())
                .append(" model=").append(MODEL)
                .append(" pid=").append(ProcessHandle.current().pid())
                .append(" workers=").append(workers)
                .append(" max-clients=").append(maxClients)
                .append(" mode=").append(raw ? "raw" : "line")
                .append(" transport=nio");
        if (!raw) ready.append(" max-line=").append(maxLine);
        if (shortLived) ready.append(" short-lived=true");
        if (idleTimeout > 0) ready.append(" idle-timeout=").append(idleTimeout == Math.rint(idleTimeout) ? String.valueOf((long) idleTimeout) : String.valueOf(idleTimeout));
        System.out.println(ready);
        System.out.flush();

        stop.await();
        log("SIG" + signalName[0] + ": stopping (no more accepts, closing every connection)");
        server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        // The worker loops close every channel they own as they shut down; then the boss loop.
        work.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS);
        System.out.flush();
        System.err.flush();
        System.exit(0);
    }
}
