#!/usr/bin/env python3
# Fault: no cap on live children: the parent forks a child for every client it accepts, however many are alive, while its ready line still says max-clients=N.
# Launch: python3 tests/faults/fork_no_cap.py
# Must fail: robust.flood
# May fail: nothing
# Cause: CHILDREN_UNCAPPED
"""Echo server (SPEC sections 2 and 3), multi-process model, Python standard library only.

The parent owns the listening socket.  It waits in select() on the listening socket and on
a self-pipe that signal.set_wakeup_fd() writes to (SIGCHLD, SIGTERM, SIGINT).  For each
accepted connection it forks a child and closes its own copy of the connection at once.
(FAULT: it never stops accepting: --max-clients is parsed and printed in the ready line,
but the number of live children is not capped.)  Every SIGCHLD wakes it to reap
(waitpid WNOHANG), so no zombie is left.

The child closes the listening socket and the pipe first, then serves its one connection
with blocking recv()/sendall(): while a reply cannot be sent, it does not read (the kernel's
buffers and TCP flow control are the backpressure), then it exits with os._exit().

SIGTERM/SIGINT: the parent closes the listening socket, sends SIGTERM to every child, reaps
them (SIGKILL after a grace period), and exits 0.  Bytes are never decoded; client bytes
never reach the log.
"""

import errno
import math
import os
import re
import select
import signal
import socket
import sys
import time

PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "fork_no_cap.py"
MODEL = "multi-process"
BACKLOG = 1024
CHUNK = 32 * 1024           # bytes asked for per recv
LINGER = 2.0                # seconds to discard input after an error line / short-lived reply
TERM_GRACE = 3.0            # seconds children get after SIGTERM before SIGKILL

USAGE = (
    "usage: %s [--port N] [--bind HOST] [--prefix STR] [--raw] [--max-line N]\n"
    "          [--workers N] [--queue N] [--max-clients N] [--idle-timeout SECONDS]\n"
    "          [--short-lived] [--quiet]" % PROG
)


# --------------------------------------------------------------------------- command line

class Config:
    def __init__(self):
        self.port = 8888
        self.bind = "127.0.0.1"
        self.prefix = b"server echo# "
        self.raw = False
        self.max_line = 65536
        self.workers = None       # accepted and ignored by this model
        self.queue = None         # accepted and ignored by this model
        self.max_clients = 256
        self.idle_timeout = None  # seconds, None = never
        self.short_lived = False
        self.quiet = False


def usage_error(msg):
    sys.stderr.write("%s: %s\n%s\n" % (PROG, msg, USAGE))
    sys.stderr.flush()
    sys.exit(2)


def _int(name, val, lo, hi=None):
    if not re.fullmatch(r"[0-9]+", val):
        usage_error("%s needs a whole number, got %r" % (name, val))
    n = int(val)
    if n < lo or (hi is not None and n > hi):
        usage_error("%s must be %s, got %d" % (name, ("%d..%d" % (lo, hi)) if hi is not None else (">= %d" % lo), n))
    return n


def parse_args(argv):
    cfg = Config()
    flags = {"--raw": "raw", "--short-lived": "short_lived", "--quiet": "quiet"}
    valued = ("--port", "--bind", "--prefix", "--max-line", "--workers", "--queue",
              "--max-clients", "--idle-timeout")
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg in ("-h", "--help"):
            sys.stdout.write(USAGE + "\n")
            sys.exit(0)
        if arg.startswith("--") and "=" in arg:
            name, _, val = arg.partition("=")
            has_val = True
        else:
            name, val, has_val = arg, None, False
        if name in flags:
            if has_val:
                usage_error("%s takes no value" % name)
            setattr(cfg, flags[name], True)
        elif name in valued:
            if not has_val:
                if i >= len(argv):
                    usage_error("%s needs a value" % name)
                val = argv[i]
                i += 1
            if name == "--port":
                cfg.port = _int(name, val, 0, 65535)
            elif name == "--bind":
                if not val:
                    usage_error("--bind needs a host")
                cfg.bind = val
            elif name == "--prefix":
                cfg.prefix = os.fsencode(val)   # the argument's own bytes, never re-encoded
            elif name == "--max-line":
                cfg.max_line = _int(name, val, 1)
            elif name == "--workers":
                cfg.workers = _int(name, val, 1)
            elif name == "--queue":
                cfg.queue = _int(name, val, 0)
            elif name == "--max-clients":
                cfg.max_clients = _int(name, val, 1)
            elif name == "--idle-timeout":
                try:
                    t = float(val)
                except ValueError:
                    usage_error("--idle-timeout needs a number of seconds, got %r" % val)
                if not math.isfinite(t) or t < 0:
                    usage_error("--idle-timeout must be a finite number >= 0, got %r" % val)
                cfg.idle_timeout = t if t > 0 else None   # 0 = no timeout
        else:
            usage_error("unknown argument %r" % arg)
    if cfg.short_lived and cfg.raw:
        usage_error("--short-lived applies to line mode only; it cannot be used with --raw")
    return cfg


# --------------------------------------------------------------------------- helpers

CFG = None


def log(msg):
    if CFG is not None and CFG.quiet:
        return
    try:
        sys.stderr.write("%s[%d] %s\n" % (PROG, os.getpid(), msg))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def fmt_addr(addr):
    try:
        host, port = addr[0], addr[1]
    except (TypeError, IndexError):
        return "?"
    host = str(host)
    return ("[%s]:%s" % (host, port)) if ":" in host else ("%s:%s" % (host, port))


def make_listener(cfg):
    try:
        infos = socket.getaddrinfo(cfg.bind, cfg.port, socket.AF_UNSPEC, socket.SOCK_STREAM,
                                   0, socket.AI_PASSIVE)
    except socket.gaierror as e:
        usage_error("cannot resolve --bind %r: %s" % (cfg.bind, e))
    family, stype, proto, _, sockaddr = infos[0]
    where = fmt_addr(sockaddr)
    s = socket.socket(family, stype, proto)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(sockaddr)
        s.listen(BACKLOG)
    except OSError as e:
        s.close()
        if e.errno == errno.EADDRINUSE:
            sys.stderr.write("%s: cannot listen on %s: address already in use\n" % (PROG, where))
        else:
            sys.stderr.write("%s: cannot listen on %s: %s\n" % (PROG, where, e.strerror or e))
        sys.stderr.flush()
        sys.exit(1)
    return s


def ready_line(cfg, lsock):
    parts = ["listening on %s model=%s pid=%d" % (fmt_addr(lsock.getsockname()), MODEL, os.getpid()),
             "mode=%s" % ("raw" if cfg.raw else "line"),
             "max-clients=%d" % cfg.max_clients]
    if not cfg.raw:
        parts.append("max-line=%d" % cfg.max_line)
    if cfg.idle_timeout:
        parts.append("idle-timeout=%g" % cfg.idle_timeout)
    if cfg.short_lived:
        parts.append("short-lived=true")
    return " ".join(parts)


# --------------------------------------------------------------------------- the child

# child exit statuses, read back by the parent for its log line
EXIT_EOF, EXIT_IDLE, EXIT_OVERSIZED, EXIT_SHORT, EXIT_ERROR = 0, 3, 4, 5, 6
REASONS = {EXIT_EOF: "end of input", EXIT_IDLE: "idle timeout",
           EXIT_OVERSIZED: "line longer than --max-line", EXIT_SHORT: "short-lived: closed after the first reply",
           EXIT_ERROR: "connection error"}


def linger_close(conn):
    """Close after a last reply while the client may still be sending: half-close our side
    (the client sees end of stream right after the reply), discard what still arrives for a
    bounded time, so that closing does not reset the reply away."""
    try:
        conn.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + LINGER
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            conn.settimeout(left)
            if not conn.recv(CHUNK):
                break
    except OSError:
        pass
    conn.close()


def serve_raw(conn, cfg):
    while True:
        data = conn.recv(CHUNK)
        if not data:
            conn.close()
            return EXIT_EOF
        conn.sendall(data)


def serve_lines(conn, cfg):
    prefix, max_line = cfg.prefix, cfg.max_line
    partial = bytearray()              # bytes of the current line so far (no LF), <= max_line
    while True:
        data = conn.recv(CHUNK)
        if not data:
            if partial:
                conn.sendall(prefix + bytes(partial))
            conn.close()
            return EXIT_EOF
        out, pending = [], 0
        start = 0
        n = len(data)
        while start < n:
            lf = data.find(b"\n", start)
            if lf < 0:
                if len(partial) + (n - start) > max_line:
                    return oversized(conn, cfg, out)
                partial += data[start:]
                break
            if len(partial) + (lf - start) > max_line:
                return oversized(conn, cfg, out)
            if partial:
                line = bytes(partial) + data[start:lf + 1]
                partial.clear()
            else:
                line = data[start:lf + 1]
            out.append(prefix)
            out.append(line)
            pending += len(prefix) + len(line)
            start = lf + 1
            if cfg.short_lived:
                conn.sendall(b"".join(out))
                linger_close(conn)
                return EXIT_SHORT
            if pending >= CHUNK:               # many short lines: send before parsing on
                conn.sendall(b"".join(out))
                out, pending = [], 0
        if out:
            conn.sendall(b"".join(out))


def oversized(conn, cfg, out):
    out.append(b"server error# line longer than %d bytes; closing\n" % cfg.max_line)
    conn.sendall(b"".join(out))
    linger_close(conn)
    return EXIT_OVERSIZED


def child_main(conn, cfg):
    status = EXIT_ERROR
    try:
        conn.setblocking(True)
        if cfg.idle_timeout:
            conn.settimeout(cfg.idle_timeout)
        status = serve_raw(conn, cfg) if cfg.raw else serve_lines(conn, cfg)
    except socket.timeout:
        status = EXIT_IDLE
    except BaseException:
        status = EXIT_ERROR
    finally:
        try:
            conn.close()
        except BaseException:
            pass
        os._exit(status)


# --------------------------------------------------------------------------- the parent

STOP = []


def on_stop(signum, frame):
    STOP.append(signum)


def on_child(signum, frame):
    pass          # the wakeup fd wakes select(); reaping happens in the main loop


def reap(children):
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        except InterruptedError:
            continue
        if pid == 0:
            return
        peer = children.pop(pid, None)
        if peer is None:
            continue
        if os.WIFEXITED(status):
            why = REASONS.get(os.WEXITSTATUS(status), "exit status %d" % os.WEXITSTATUS(status))
        elif os.WIFSIGNALED(status):
            why = "child ended by signal %d" % os.WTERMSIG(status)
        else:
            why = "child status %d" % status
        log("connection closed from %s: %s (child %d, %d open)" % (peer, why, pid, len(children)))


def drain_pipe(rfd):
    try:
        while os.read(rfd, 512):
            pass
    except (BlockingIOError, InterruptedError):
        pass


def spawn(conn, addr, cfg, lsock, rfd, wfd, children):
    sigs = {signal.SIGTERM, signal.SIGINT, signal.SIGCHLD}
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        pid = os.fork()
    except OSError as e:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, sigs)
        log("fork failed: %s; dropping the connection from %s" % (e.strerror or e, fmt_addr(addr)))
        conn.close()
        time.sleep(0.05)
        return
    if pid == 0:                                   # child
        try:
            signal.set_wakeup_fd(-1)
            for s in sigs:
                signal.signal(s, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, sigs)
            lsock.close()                          # the child never holds the listening socket
            os.close(rfd)
            os.close(wfd)
        except BaseException:
            os._exit(EXIT_ERROR)
        child_main(conn, cfg)                      # never returns
        os._exit(EXIT_ERROR)
    conn.close()                                   # parent: its copy goes at once
    children[pid] = fmt_addr(addr)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, sigs)
    log("connection opened from %s (child %d, %d open)" % (fmt_addr(addr), pid, len(children)))


def accept_some(lsock, cfg, rfd, wfd, children):
    while not STOP:                                # FAULT: no cap on live children
        try:
            conn, addr = lsock.accept()
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionAbortedError:
            continue
        except OSError as e:
            if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                log("accept failed: %s; retrying" % (e.strerror or e))
                time.sleep(0.1)
                return
            raise
        spawn(conn, addr, cfg, lsock, rfd, wfd, children)


def shutdown(lsock, children):
    try:
        lsock.close()
    except OSError:
        pass
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + TERM_GRACE
    while children and time.monotonic() < deadline:
        reap(children)
        if children:
            time.sleep(0.02)
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while children:
        try:
            pid, _ = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        children.pop(pid, None)
    log("stopped")


def main():
    global CFG
    cfg = parse_args(sys.argv[1:])
    CFG = cfg
    lsock = make_listener(cfg)
    lsock.setblocking(False)
    rfd, wfd = os.pipe()
    os.set_blocking(rfd, False)
    os.set_blocking(wfd, False)
    signal.set_wakeup_fd(wfd, warn_on_full_buffer=False)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGCHLD, on_child)
    children = {}                                  # pid -> client address

    try:
        sys.stdout.write(ready_line(cfg, lsock) + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass

    while not STOP:
        reap(children)
        watch = [rfd, lsock]                       # FAULT: accepts however many children are alive
        try:
            readable, _, _ = select.select(watch, [], [], 1.0)
        except InterruptedError:
            continue
        if rfd in readable:
            drain_pipe(rfd)
        if STOP:
            break
        if lsock in readable:
            accept_some(lsock, cfg, rfd, wfd, children)

    shutdown(lsock, children)
    sys.exit(0)


if __name__ == "__main__":
    main()
