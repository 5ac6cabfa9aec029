import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Linux /proc, read the way netstat and ss read it: TCP sockets with their states and queues,
 * the processes that own them, and a process's threads, open files and children. The kit's one
 * implementation, used by the suite and its tools.
 */
final class ProcFs {

    private static final Path PROC = Path.of("/proc");
    private static final Pattern SOCKET_LINK = Pattern.compile("socket:\\[(\\d+)]");

    private ProcFs() {
    }

    /** TCP states as the kernel numbers them (include/net/tcp_states.h). */
    enum TcpState {
        UNKNOWN, ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK,
        LISTEN, CLOSING, NEW_SYN_RECV;

        static TcpState of(int code) {
            return code > 0 && code < values().length ? values()[code] : UNKNOWN;
        }
    }

    /**
     * One line of /proc/net/tcp or tcp6. For a listening socket, {@code rxQueue} is the number of
     * connections waiting to be accepted; otherwise it is the bytes received and not yet read.
     */
    record TcpSocket(String protocol, InetSocketAddress local, InetSocketAddress remote, TcpState state, long txQueue,
                     long rxQueue, long inode) {

        boolean localPort(int port) {
            return local.getPort() == port;
        }
    }

    /** A process as /proc/PID/stat describes it. */
    record ProcessInfo(long pid, long ppid, char state, String comm) {

        boolean zombie() {
            return state == 'Z';
        }
    }

    /** Every TCP socket of this network namespace, IPv4 and IPv6 (IPv4-mapped addresses come out as IPv4). */
    static List<TcpSocket> tcpSockets() {
        var sockets = new ArrayList<TcpSocket>();
        for (var table : List.of("tcp", "tcp6")) {
            var lines = readLines(PROC.resolve("net").resolve(table));
            for (int i = 1; i < lines.size(); i++) {
                sockets.add(parseTcpLine(table, lines.get(i)));
            }
        }
        return sockets;
    }

    /** The sockets whose local port is {@code port}. */
    static List<TcpSocket> tcpSockets(int port) {
        return tcpSockets().stream().filter(s -> s.localPort(port)).toList();
    }

    /** Parses a data line of /proc/net/tcp or tcp6 ({@code protocol} "tcp" or "tcp6"). */
    static TcpSocket parseTcpLine(String protocol, String line) {
        var f = line.trim().split("\\s+");
        var queues = f[4].split(":");
        return new TcpSocket(protocol, parseEndpoint(f[1]), parseEndpoint(f[2]), TcpState.of(Integer.parseInt(f[3], 16)),
                Long.parseLong(queues[0], 16), Long.parseLong(queues[1], 16), Long.parseLong(f[9]));
    }

    /** "0100007F:1F90" is 127.0.0.1:8080: the address is in 32-bit words of host byte order (little endian). */
    static InetSocketAddress parseEndpoint(String field) {
        var parts = field.split(":");
        var hex = parts[0];
        var bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), Integer.parseInt(parts[1], 16));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + field, e);
        }
    }

    /** The inodes of the sockets process {@code pid} holds open (its fds that link to socket:[N]). */
    static Set<Long> socketInodes(long pid) {
        var inodes = new HashSet<Long>();
        for (var fd : list(PROC.resolve(Long.toString(pid)).resolve("fd"))) {
            var matcher = SOCKET_LINK.matcher(readLink(fd));
            if (matcher.matches()) {
                inodes.add(Long.parseLong(matcher.group(1)));
            }
        }
        return inodes;
    }

    /** For each socket inode, the pids of the processes that hold it open (as {@code ss -p} shows). */
    static Map<Long, List<Long>> socketOwners() {
        var owners = new HashMap<Long, List<Long>>();
        for (long pid : pids()) {
            for (long inode : socketInodes(pid)) {
                owners.computeIfAbsent(inode, i -> new ArrayList<>()).add(pid);
            }
        }
        return owners;
    }

    /** The pids holding the listening socket of {@code port} open. */
    static List<Long> listenerOwners(int port) {
        var inodes = tcpSockets(port).stream()
                .filter(s -> s.state() == TcpState.LISTEN && s.inode() != 0).map(TcpSocket::inode).toList();
        if (inodes.isEmpty()) {
            return List.of();
        }
        var owners = socketOwners();
        return inodes.stream().flatMap(i -> owners.getOrDefault(i, List.of()).stream()).distinct().sorted().toList();
    }

    /** Every pid in /proc. */
    static List<Long> pids() {
        return list(PROC).stream().map(p -> p.getFileName().toString())
                .filter(n -> n.chars().allMatch(Character::isDigit)).map(Long::parseLong).toList();
    }

    /** The process {@code pid}, if it exists (a zombie still does). */
    /** Whether the environment of process {@code pid} (its NUL-separated VAR=value list) holds {@code entry}. */
    static boolean hasEnvironment(long pid, String entry) {
        byte[] environ;
        try {
            environ = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
        } catch (IOException | SecurityException e) {
            return false;
        }
        var wanted = entry.getBytes(StandardCharsets.UTF_8);
        for (int from = 0; from < environ.length; ) {
            int end = from;
            while (end < environ.length && environ[end] != 0) {
                end++;
            }
            if (java.util.Arrays.equals(environ, from, end, wanted, 0, wanted.length)) {
                return true;
            }
            from = end + 1;
        }
        return false;
    }

    /** The processes whose environment holds {@code entry}, but this one. */
    static List<Long> marked(String entry) {
        long self = ProcessHandle.current().pid();
        return pids().stream().filter(pid -> pid != self && hasEnvironment(pid, entry)).toList();
    }

    static Optional<ProcessInfo> process(long pid) {
        var stat = readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
        if (stat.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parseStat(stat));
    }

    /** Parses /proc/PID/stat: "PID (COMM) STATE PPID ..."; COMM may hold spaces and parentheses. */
    static ProcessInfo parseStat(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        var rest = stat.substring(close + 2).split(" ");
        return new ProcessInfo(Long.parseLong(stat.substring(0, open).trim()), Long.parseLong(rest[1]),
                rest[0].charAt(0), stat.substring(open + 1, close));
    }

    /** The processes whose parent is {@code pid}. */
    static List<ProcessInfo> children(long pid) {
        return pids().stream().map(ProcFs::process).flatMap(Optional::stream).filter(p -> p.ppid() == pid).toList();
    }

    /** The children of {@code pid}, their children, and so on. */
    static List<ProcessInfo> descendants(long pid) {
        var all = pids().stream().map(ProcFs::process).flatMap(Optional::stream).toList();
        var found = new ArrayList<ProcessInfo>();
        var parents = new ArrayDeque<Long>(List.of(pid));
        while (!parents.isEmpty()) {
            long parent = parents.pop();
            for (var p : all) {
                if (p.ppid() == parent) {
                    found.add(p);
                    parents.push(p.pid());
                }
            }
        }
        return found;
    }

    /**
     * Whether a thread of process {@code pid} is at work now: runnable (state R: running, or waiting for a CPU that
     * other work holds) or waiting on the disk (state D: a class or page being read in).
     */
    static boolean runnable(long pid) {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.anyMatch(task -> {
                try {
                    var stat = Files.readString(task.resolve("stat"));
                    var state = stat.charAt(stat.lastIndexOf(')') + 2);
                    return state == 'R' || state == 'D';
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /** The CPU time {@code pid} has used, in clock ticks (utime + stime of /proc/PID/stat), or 0 when it is gone. */
    static long cpuTicks(long pid) {
        return statSum(pid, 11, 12);
    }

    /** The CPU time of the children {@code pid} has waited for (cutime + cstime), in clock ticks, or 0. */
    static long reapedTicks(long pid) {
        return statSum(pid, 13, 14);
    }

    // Two numeric fields of /proc/PID/stat, counted from the state after "(COMM) ", added; 0 when it is gone.
    private static long statSum(long pid, int a, int b) {
        var stat = readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
        int close = stat.lastIndexOf(')');
        var rest = close < 0 ? new String[0] : stat.substring(close + 2).split(" ");
        return rest.length > b ? Long.parseLong(rest[a]) + Long.parseLong(rest[b]) : 0;
    }

    /** The number of threads of {@code pid} ("Threads:" in /proc/PID/status), or -1 when it is gone. */
    static int threads(long pid) {
        for (var line : readLines(PROC.resolve(Long.toString(pid)).resolve("status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring(8).trim());
            }
        }
        return -1;
    }

    /** The names of the threads of {@code pid} (/proc/PID/task/TID/comm, at most 15 characters each). */
    static List<String> threadNames(long pid) {
        return list(PROC.resolve(Long.toString(pid)).resolve("task")).stream()
                .map(task -> readString(task.resolve("comm")).strip()).filter(s -> !s.isEmpty()).sorted().toList();
    }

    /** The number of open file descriptors of {@code pid}, or -1 when it is gone. */
    static int fds(long pid) {
        var dir = PROC.resolve(Long.toString(pid)).resolve("fd");
        return Files.isDirectory(dir) ? list(dir).size() : -1;
    }

    /** What the fds of {@code pid} point at, counted by kind: socket, pipe, file, anon_inode, ... */
    static Map<String, Integer> fdKinds(long pid) {
        var kinds = new TreeMap<String, Integer>();
        for (var fd : list(PROC.resolve(Long.toString(pid)).resolve("fd"))) {
            var target = readLink(fd);
            var kind = target.startsWith("/") ? "file" : target.replaceAll("[:\\[].*", "");
            if (!target.isEmpty()) {
                kinds.merge(kind, 1, Integer::sum);
            }
        }
        return kinds;
    }

    /** The resident memory of {@code pid} in KiB ("VmRSS:" in /proc/PID/status), or -1. */
    static long rssKiB(long pid) {
        for (var line : readLines(PROC.resolve(Long.toString(pid)).resolve("status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    // A process may end while we read it: a file gone is read as empty, never as an error.
    private static List<Path> list(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    private static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
