import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The libc calls of lesson 2, through java.lang.foreign: sockets as plain file descriptors
 * (socket, bind, listen, accept4, close), posix_spawn, waitpid. Each method is the C call of the
 * same name, with its error turned into an IOException. Linux, x86-64 and aarch64 glibc; IPv4.
 */
final class Posix {

    static final int AF_INET = 2;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int SHUT_RDWR = 2;
    private static final int EINTR = 4;
    private static final int EADDRINUSE = 98;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;

    /** What a call that sets errno returned, and errno right after it. */
    private record Result(int value, int errno) {
    }

    /** An accepted connection: its descriptor and the client's address. */
    record Accepted(int fd, InetSocketAddress peer) {
    }

    private Posix() {
    }

    static int socket(int domain, int type, int protocol) throws IOException {
        return check("socket", sys(Native.SOCKET, domain, type, protocol));
    }

    static void setsockopt(int fd, int level, int option, int value) throws IOException {
        try (var arena = Arena.ofConfined()) {
            check("setsockopt", sys(Native.SETSOCKOPT, fd, level, option, arena.allocateFrom(JAVA_INT, value), 4));
        }
    }

    /** bind(2) to an IPv4 address; EADDRINUSE comes out as a BindException, as Java's own sockets say it. */
    static void bind(int fd, InetSocketAddress address) throws IOException {
        try (var arena = Arena.ofConfined()) {
            var sockaddr = sockaddrIn(arena, address);
            var result = sys(Native.BIND, fd, sockaddr, (int) sockaddr.byteSize());
            if (result.value() < 0 && result.errno() == EADDRINUSE) {
                throw new BindException("Address already in use");
            }
            check("bind", result);
        }
    }

    static void listen(int fd, int backlog) throws IOException {
        check("listen", sys(Native.LISTEN, fd, backlog));
    }

    /** The address a socket is bound to (the port the kernel chose for port 0). */
    static InetSocketAddress getsockname(int fd) throws IOException {
        try (var arena = Arena.ofConfined()) {
            var sockaddr = arena.allocate(16);
            var length = arena.allocateFrom(JAVA_INT, 16);
            check("getsockname", sys(Native.GETSOCKNAME, fd, sockaddr, length));
            return fromSockaddrIn(sockaddr);
        }
    }

    /** accept4(2); the new descriptor is close-on-exec. Retries when a signal interrupts the wait. */
    static Accepted accept(int fd, int flags) throws IOException {
        try (var arena = Arena.ofConfined()) {
            var sockaddr = arena.allocate(16);
            var length = arena.allocateFrom(JAVA_INT, 16);
            while (true) {
                var client = sys(Native.ACCEPT4, fd, sockaddr, length, flags);
                if (client.value() >= 0) {
                    return new Accepted(client.value(), fromSockaddrIn(sockaddr));
                }
                if (client.errno() != EINTR) {
                    throw error("accept4", client.errno());
                }
            }
        }
    }

    static void close(int fd) throws IOException {
        check("close", sys(Native.CLOSE, fd));
    }

    static void shutdown(int fd, int how) throws IOException {
        check("shutdown", sys(Native.SHUTDOWN, fd, how));
    }

    /**
     * posix_spawn(3): starts {@code argv} with descriptor {@code stdin} as its fd 0, stdout and
     * stderr shared with this process, default signal handling, and, when {@code closeOthers},
     * every other descriptor closed (posix_spawn_file_actions_addclosefrom_np, glibc 2.34+).
     */
    static long spawn(List<String> argv, List<String> environment, int stdin, boolean closeOthers) throws IOException {
        try (var arena = Arena.ofConfined()) {
            // The two structs are opaque; glibc's are 80 and 336 bytes on x86-64.
            var actions = arena.allocate(256);
            var attributes = arena.allocate(512);
            checkSpawn("posix_spawn_file_actions_init", (int) call(Native.FILE_ACTIONS_INIT, actions));
            checkSpawn("posix_spawnattr_init", (int) call(Native.ATTR_INIT, attributes));
            try {
                checkSpawn("posix_spawn_file_actions_adddup2", (int) call(Native.ADDDUP2, actions, stdin, 0));
                if (closeOthers) {
                    checkSpawn("posix_spawn_file_actions_addclosefrom_np", (int) call(Native.ADDCLOSEFROM, actions, 3));
                }
                // The child starts with no signal blocked and every handler at its default.
                var none = arena.allocate(128);
                var all = arena.allocate(128);
                call(Native.SIGEMPTYSET, none);
                call(Native.SIGFILLSET, all);
                checkSpawn("posix_spawnattr_setsigmask", (int) call(Native.SETSIGMASK, attributes, none));
                checkSpawn("posix_spawnattr_setsigdefault", (int) call(Native.SETSIGDEFAULT, attributes, all));
                checkSpawn("posix_spawnattr_setflags", (int) call(Native.SETFLAGS, attributes,
                        (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)));
                var pid = arena.allocate(JAVA_INT);
                checkSpawn("posix_spawn", (int) call(Native.POSIX_SPAWN, pid, arena.allocateFrom(argv.getFirst()),
                        actions, attributes, strings(arena, argv), strings(arena, environment)));
                return pid.get(JAVA_INT, 0);
            } finally {
                call(Native.FILE_ACTIONS_DESTROY, actions);
                call(Native.ATTR_DESTROY, attributes);
            }
        }
    }

    /** waitpid(pid, &status, 0): waits for the child to end and reaps it; returns its wait status. */
    static int waitpid(long pid) throws IOException {
        try (var arena = Arena.ofConfined()) {
            var status = arena.allocate(JAVA_INT);
            while (true) {
                var result = sys(Native.WAITPID, (int) pid, status, 0);
                if (result.value() >= 0) {
                    return status.get(JAVA_INT, 0);
                }
                if (result.errno() != EINTR) {
                    throw error("waitpid", result.errno());
                }
            }
        }
    }

    /** A wait status in words: "exited with status 0", "killed by signal 15". */
    static String describeStatus(int status) {
        return (status & 0x7f) == 0 ? "exited with status " + ((status >> 8) & 0xff) : "killed by signal " + (status & 0x7f);
    }

    // struct sockaddr_in: family (host order), port and address (network order), 8 bytes of zeros.
    private static MemorySegment sockaddrIn(Arena arena, InetSocketAddress address) throws IOException {
        var bytes = address.getAddress().getAddress();
        if (bytes.length != 4) {
            throw new IOException("lesson 2's server listens on IPv4 addresses only, not " + address.getAddress());
        }
        var sockaddr = arena.allocate(16);
        sockaddr.set(JAVA_SHORT, 0, (short) AF_INET);
        sockaddr.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) address.getPort());
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, sockaddr, 4, 4);
        return sockaddr;
    }

    private static InetSocketAddress fromSockaddrIn(MemorySegment sockaddr) throws IOException {
        int port = Short.toUnsignedInt(sockaddr.get(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
        var bytes = sockaddr.asSlice(4, 4).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
    }

    // A NULL-terminated array of C strings, as argv and envp are.
    private static MemorySegment strings(Arena arena, List<String> values) {
        var array = arena.allocate(ADDRESS, values.size() + 1);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    // posix_spawn and its helpers return the error number instead of setting errno.
    private static void checkSpawn(String function, int result) throws IOException {
        if (result != 0) {
            throw new IOException(function + ": " + strerror(result));
        }
    }

    private static IOException error(String function, int errno) {
        return new IOException(function + ": " + strerror(errno));
    }

    private static String strerror(int errno) {
        var message = (MemorySegment) call(Native.STRERROR, errno);
        return message.reinterpret(256).getString(0) + " (errno " + errno + ")";
    }

    // Calls a function whose handle captures errno.
    private static Result sys(MethodHandle function, Object... args) {
        try (var arena = Arena.ofConfined()) {
            var state = arena.allocate(Native.CAPTURED);
            var all = new Object[args.length + 1];
            all[0] = state;
            System.arraycopy(args, 0, all, 1, args.length);
            int value = (int) call(function, all);
            return new Result(value, (int) Native.ERRNO.get(state, 0L));
        }
    }

    private static int check(String function, Result result) throws IOException {
        if (result.value() < 0) {
            throw error(function, result.errno());
        }
        return result.value();
    }

    private static Object call(MethodHandle function, Object... args) {
        try {
            return function.invokeWithArguments(args);
        } catch (Throwable e) {
            throw new IllegalStateException("calling libc: " + e.getMessage(), e);
        }
    }

    /**
     * The downcall handles, in a class of their own: a JVM that never calls libc (a child serving
     * its one connection) never loads them, and starts faster.
     */
    private static final class Native {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final SymbolLookup LIBC = LINKER.defaultLookup();
        static final MemoryLayout CAPTURED = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURED.varHandle(MemoryLayout.PathElement.groupElement("errno"));

        static final MethodHandle SOCKET = errnoFunction("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle SETSOCKOPT = errnoFunction("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle BIND = errnoFunction("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle LISTEN = errnoFunction("listen", JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle GETSOCKNAME = errnoFunction("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle ACCEPT4 = errnoFunction("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
        static final MethodHandle CLOSE = errnoFunction("close", JAVA_INT, JAVA_INT);
        static final MethodHandle SHUTDOWN = errnoFunction("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle WAITPID = errnoFunction("waitpid", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle STRERROR = function("strerror", ADDRESS, JAVA_INT);
        static final MethodHandle FILE_ACTIONS_INIT = function("posix_spawn_file_actions_init", JAVA_INT, ADDRESS);
        static final MethodHandle FILE_ACTIONS_DESTROY = function("posix_spawn_file_actions_destroy", JAVA_INT, ADDRESS);
        static final MethodHandle ADDDUP2 = function("posix_spawn_file_actions_adddup2", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        static final MethodHandle ADDCLOSEFROM = function("posix_spawn_file_actions_addclosefrom_np", JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle ATTR_INIT = function("posix_spawnattr_init", JAVA_INT, ADDRESS);
        static final MethodHandle ATTR_DESTROY = function("posix_spawnattr_destroy", JAVA_INT, ADDRESS);
        static final MethodHandle SETSIGMASK = function("posix_spawnattr_setsigmask", JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle SETSIGDEFAULT = function("posix_spawnattr_setsigdefault", JAVA_INT, ADDRESS, ADDRESS);
        static final MethodHandle SETFLAGS = function("posix_spawnattr_setflags", JAVA_INT, ADDRESS, JAVA_SHORT);
        static final MethodHandle SIGEMPTYSET = function("sigemptyset", JAVA_INT, ADDRESS);
        static final MethodHandle SIGFILLSET = function("sigfillset", JAVA_INT, ADDRESS);
        static final MethodHandle POSIX_SPAWN = function("posix_spawn", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);

        private static MethodHandle function(String name, MemoryLayout result, MemoryLayout... args) {
            return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name + " not in libc")),
                    FunctionDescriptor.of(result, args));
        }

        // A function that sets errno: its handle takes a segment where errno is captured, first.
        private static MethodHandle errnoFunction(String name, MemoryLayout result, MemoryLayout... args) {
            return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name + " not in libc")),
                    FunctionDescriptor.of(result, args), Linker.Option.captureCallState("errno"));
        }
    }
}
