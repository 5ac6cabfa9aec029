import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How one submission's grading runs contained (SPEC §10): its own session, limits on CPU time, open
 * files and file size; as root a PID namespace (when its first process ends, the kernel ends every
 * other, daemons included), a network namespace with only the loopback, a temporary folder of bounded
 * size (TMPDIR, a tmpfs), and pids and memory cgroups. Every process carries the grader's mark in its environment, so
 * that what is left can be found from /proc and ended by pid.
 */
record Containment(boolean namespaces, boolean cgroups, List<String> missing) {

    /** The environment variable every process of a grading carries: the grader's mark, and the submission's. */
    static final String MARK = "ECHO_KIT_GRADE_MARK";

    /** Limits of one grading, for each process in it (CPU, files) and for all of it (processes, memory, /tmp). */
    record Limits(Duration cpu, int openFiles, long fileBytes, int processes, long memoryBytes, long tmpBytes, Duration wall) {
        static final Limits DEFAULT = new Limits(Duration.ofMinutes(10), 4096, 256L << 20, 2048, 3L << 30, 256L << 20,
                Duration.ofMinutes(6));
    }

    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");

    /** What this machine allows, tried once: a namespace that runs a command, cgroups that can be made. */
    static Containment probe() {
        var missing = new ArrayList<String>();
        boolean namespaces = false;
        try {
            var p = new ProcessBuilder("unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--mount",
                    "sh", "-c", "ip link set lo up && mount -t tmpfs -o size=1m tmpfs /mnt && true")
                    .redirectErrorStream(true).start();
            namespaces = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            if (!namespaces) {
                p.destroyForcibly();
                missing.add("no PID or network namespace (unshare failed: run as root, with util-linux and iproute2): a daemon is "
                        + "found only by its mark, and a submission shares this machine's network");
            }
        } catch (IOException e) {
            missing.add("no PID or network namespace (unshare: " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean cgroups = Files.isWritable(CGROUPS.resolve("pids")) && Files.isWritable(CGROUPS.resolve("memory"));
        if (!cgroups) {
            missing.add("no pids or memory cgroup (/sys/fs/cgroup/pids and memory not writable): processes and memory are "
                    + "bounded only by each submission's own limits");
        }
        return new Containment(namespaces, cgroups, List.copyOf(missing));
    }

    /** One contained run: its process, its cgroups, its mark. */
    record Run(Process process, List<Path> groups, String mark) {
    }

    /**
     * Starts {@code command} in {@code dir}, contained, its output (both streams) into {@code log}; its temporary
     * folder (TMPDIR) is {@code tmp}, a tmpfs of bounded size where namespaces can be made.
     */
    Run start(List<String> command, Path dir, Map<String, String> environment, Path log, Path tmp, String mark, Limits limits)
            throws IOException {
        Files.createDirectories(tmp);
        var groups = new ArrayList<Path>();
        if (cgroups) {
            groups.add(group("pids", mark, Map.of("pids.max", Integer.toString(limits.processes()))));
            groups.add(group("memory", mark, Map.of("memory.limit_in_bytes", Long.toString(limits.memoryBytes()))));
        }
        var full = new ArrayList<String>();
        // Each process of the run: its own session, its limits.
        full.addAll(List.of("setsid", "prlimit", "--cpu=" + limits.cpu().toSeconds(), "--nofile=" + limits.openFiles(),
                "--fsize=" + limits.fileBytes(), "--"));
        var inside = new StringBuilder();
        for (var g : groups) {
            inside.append("echo $$ > ").append(Launch.shellQuote(g.resolve("cgroup.procs").toString())).append(" && ");
        }
        if (namespaces) {
            full.addAll(List.of("unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--mount"));
            inside.append("ip link set lo up && mount -t tmpfs -o size=").append(limits.tmpBytes()).append(",mode=1777 tmpfs ")
                    .append(Launch.shellQuote(tmp.toString())).append(" && ");
        }
        inside.append("exec \"$@\"");
        full.addAll(List.of("sh", "-c", inside.toString(), "sh"));
        full.addAll(command);
        var builder = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().remove("GITHUB_STEP_SUMMARY");
        builder.environment().putAll(environment);
        builder.environment().put(MARK, mark);
        builder.environment().put("TMPDIR", tmp.toString());
        return new Run(builder.start(), List.copyOf(groups), mark);
    }

    /** Waits for the run within its wall-clock bound; then ends everything it left, and says whether it ended by itself. */
    boolean finish(Run run, Duration wall) throws InterruptedException {
        boolean ended = run.process().waitFor(wall.toMillis(), TimeUnit.MILLISECONDS);
        end(run);
        return ended;
    }

    /** Ends every process of the run: the session's, its cgroups', and any that carries its mark; removes its cgroups. */
    void end(Run run) throws InterruptedException {
        // The namespace's first process ends the namespace; a kill of the whole tree covers the case without one.
        run.process().descendants().forEach(ProcessHandle::destroyForcibly);
        run.process().destroyForcibly();
        run.process().waitFor(5, TimeUnit.SECONDS);
        for (int round = 0; round < 50; round++) {
            var left = left(run);
            if (left.isEmpty()) {
                break;
            }
            left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            Thread.sleep(100);
        }
        for (var g : run.groups()) {
            try {
                Files.deleteIfExists(g);
            } catch (IOException e) {
                // Still busy: a process in it has not ended yet; the next sweep of this mark removes it.
            }
        }
    }

    /** The pids still running that belong to the run: in its cgroups, or carrying its mark. */
    static List<Long> left(Run run) {
        var pids = new java.util.TreeSet<>(marked(run.mark()));
        for (var g : run.groups()) {
            try {
                Files.readAllLines(g.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).map(Long::parseLong).forEach(pids::add);
            } catch (IOException e) {
                // Removed already: nothing in it.
            }
        }
        return List.copyOf(pids);
    }

    /** The pids of the processes whose environment holds {@code MARK=mark}, exactly (another run's mark may start with it). */
    static List<Long> marked(String mark) {
        return marked(mark, true);
    }

    /** The pids of the processes whose environment holds {@code MARK=} a value starting with {@code prefix} ("": any). */
    static List<Long> markedFrom(String prefix) {
        return marked(prefix, false);
    }

    private static List<Long> marked(String mark, boolean exactly) {
        var found = new ArrayList<Long>();
        var wanted = (MARK + "=" + mark).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var entries = Files.list(Path.of("/proc"))) {
            for (var entry : entries.toList()) {
                var name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                environ(entry).filter(e -> contains(e, wanted, exactly)).ifPresent(e -> found.add(Long.parseLong(name)));
            }
        } catch (IOException e) {
            // /proc unreadable: nothing found by mark.
        }
        return found;
    }

    private static Optional<byte[]> environ(Path process) {
        try {
            return Optional.of(Files.readAllBytes(process.resolve("environ")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    // Whether an environ block (NUL-separated) has an entry that is {@code wanted} (or, not exactly, starts with it).
    private static boolean contains(byte[] environ, byte[] wanted, boolean exactly) {
        for (int start = 0; start < environ.length; ) {
            int end = start;
            while (end < environ.length && environ[end] != 0) {
                end++;
            }
            if ((exactly ? end - start == wanted.length : end - start >= wanted.length)
                    && java.util.Arrays.equals(environ, start, start + wanted.length, wanted, 0, wanted.length)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static Path group(String controller, String mark, Map<String, String> settings) throws IOException {
        var dir = CGROUPS.resolve(controller).resolve("echo-kit-" + mark);
        Files.createDirectories(dir);
        for (var s : settings.entrySet()) {
            Files.writeString(dir.resolve(s.getKey()), s.getValue());
        }
        return dir;
    }
}
