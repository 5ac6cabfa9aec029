//JAVA 25+
//DEPS io.netty:netty-all:4.2.18.Final

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;

/**
 * The benchmark's reference (tests/Bench.java --anchor netty): Netty's echo server, as in its
 * example/echo, on the NIO transport with one event loop. Raw echo only; --port and --bind as the
 * kit's servers take them, other options ignored.
 */
public class NettyEcho {

    /** Writes back what it reads; flushes once per read burst. */
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    public static void main(String[] args) throws Exception {
        int port = 8888;
        String bind = "127.0.0.1";
        for (int i = 0; i + 1 < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--bind" -> bind = args[++i];
                default -> { }
            }
        }
        // One event loop accepts and serves every connection.
        var loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            var channel = new ServerBootstrap()
                    .group(loop)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        public void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new EchoHandler());
                        }
                    })
                    .bind(bind, port).sync().channel();
            var address = (InetSocketAddress) channel.localAddress();
            System.out.printf("listening on %s:%d model=netty pid=%d mode=raw%n", address.getAddress().getHostAddress(),
                    address.getPort(), ProcessHandle.current().pid());
            System.out.flush();
            channel.closeFuture().sync();
        } finally {
            loop.shutdownGracefully();
        }
    }
}
