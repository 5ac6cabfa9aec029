#!/usr/bin/env python3
# Correct: a thread pool in Python: --workers threads take accepted sockets from a bounded --queue; past it a client is closed.
# Launch: python3 tests/correct/PoolServer.py
# Written from SPEC §2 and §3 alone, without the kit's code, to try the suite on a server it was not built with.
import errno
import os
import queue
import signal
import socket
import sys
import threading
import time

MODEL = "thread-pool"
USAGE = ("usage: %s [--port N] [--bind ADDR] [--prefix TEXT] [--raw] [--max-line N]\n"
         "       [--workers N] [--queue N] [--max-clients N] [--idle-timeout S] [--short-lived] [--quiet]\n"
         % os.path.basename(sys.argv[0]))

VALUE_OPTS = {"--port", "--bind", "--prefix", "--max-line", "--workers", "--queue",
              "--max-clients", "--idle-timeout"}
FLAG_OPTS = {"--raw", "--short-lived", "--quiet"}


def usage_exit(msg):
    sys.stderr.write("error: %s\n%s" % (msg, USAGE))
    sys.stderr.flush()
    sys.exit(2)


def parse_int(name, text, lo, hi):
    try:
        v = int(text, 10)
    except ValueError:
        usage_exit("%s needs an integer, got %r" % (name, text))
    if v < lo or v > hi:
        usage_exit("%s must be between %d and %d" % (name, lo, hi))
    return v


def parse_args(argv, default_max_clients=256):
    o = {"port": 8888, "bind": "127.0.0.1", "prefix": b"server echo# ", "raw": False,
         "max_line": 65536, "workers": 16, "queue": 64, "max_clients": default_max_clients,
         "idle_timeout": 0.0, "short_lived": False, "quiet": False}
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a in ("-h", "--help"):
            sys.stdout.write(USAGE)
            sys.exit(0)
        name, val = a, None
        if a.startswith("--") and "=" in a:
            name, val = a.split("=", 1)
        if name in FLAG_OPTS:
            if val is not None:
                usage_exit("%s takes no value" % name)
            o[name[2:].replace("-", "_")] = True
            continue
        if name not in VALUE_OPTS:
            usage_exit("unknown argument %r" % a)
        if val is None:
            if i >= len(argv):
                usage_exit("%s needs a value" % name)
            val = argv[i]
            i += 1
        if name == "--port":
            o["port"] = parse_int(name, val, 0, 65535)
        elif name == "--bind":
            o["bind"] = val
        elif name == "--prefix":
            o["prefix"] = os.fsencode(val)
        elif name == "--max-line":
            o["max_line"] = parse_int(name, val, 1, 1 << 40)
        elif name == "--workers":
            o["workers"] = parse_int(name, val, 1, 100000)
        elif name == "--queue":
            o["queue"] = parse_int(name, val, 1, 10000000)
        elif name == "--max-clients":
            o["max_clients"] = parse_int(name, val, 1, 10000000)
        elif name == "--idle-timeout":
            try:
                o["idle_timeout"] = float(val)
            except ValueError:
                usage_exit("--idle-timeout needs a number")
            if o["idle_timeout"] < 0:
                usage_exit("--idle-timeout must not be negative")
    if o["short_lived"] and o["raw"]:
        usage_exit("--short-lived applies to line mode only; it cannot be used with --raw")
    return o


_log_lock = threading.Lock()
QUIET = False


def log(msg):
    if QUIET:
        return
    with _log_lock:
        try:
            sys.stderr.write("[%s] %s\n" % (MODEL, msg))
            sys.stderr.flush()
        except Exception:
            pass


def open_listener(o):
    try:
        infos = socket.getaddrinfo(o["bind"], o["port"], socket.AF_UNSPEC,
                                   socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except socket.gaierror as e:
        usage_exit("bad --bind address %r: %s" % (o["bind"], e))
    fam, typ, proto, _, addr = infos[0]
    s = socket.socket(fam, typ, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(addr)
        s.listen(128)
        # Wake up twice a second: a signal the kernel hands to a worker thread runs its Python handler only
        # when the main thread next runs bytecode, and a blocked accept() would keep it from that.
        s.settimeout(0.5)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            sys.stderr.write("error: port %d on %s is already in use\n" % (o["port"], o["bind"]))
        else:
            sys.stderr.write("error: cannot listen on %s:%d: %s\n" % (o["bind"], o["port"], e.strerror))
        sys.stderr.flush()
        sys.exit(1)
    return s


def ready_line(lsock, o, extra=""):
    host, port = lsock.getsockname()[:2]
    line = "listening on %s:%d model=%s pid=%d mode=%s%s" % (
        host, port, MODEL, os.getpid(), "raw" if o["raw"] else "line", extra)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def close_after_error(conn):
    """Half-close our side so the client sees the error line (or the short-lived reply) and EOF, then drain
    (discarding) for a short while so closing does not reset the connection."""
    try:
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(0.5)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if not conn.recv(65536):
                break
    except OSError:
        pass


def serve_line(conn, prefix, max_line, short_lived=False):
    pending = bytearray()
    while True:
        data = conn.recv(65536)
        if not data:
            if pending:
                conn.sendall(bytes(prefix) + bytes(pending))
            return "eof"
        out = bytearray()
        pos, n = 0, len(data)
        while pos < n:
            i = data.find(b"\n", pos)
            end = n if i < 0 else i + 1
            if len(pending) + (end - pos) > max_line:
                if out:
                    conn.sendall(out)
                conn.sendall(b"server error# line longer than %d bytes\n" % max_line)
                close_after_error(conn)
                return "line too long"
            pending += data[pos:end]
            if i >= 0:
                out += prefix
                out += pending
                pending.clear()
                if short_lived:                # one reply, the rest of the input is dropped
                    conn.sendall(out)
                    close_after_error(conn)
                    return "short-lived: one reply sent"
            pos = end
        if out:
            conn.sendall(out)


def serve_raw(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            return "eof"
        conn.sendall(data)


def serve(conn, o):
    if o["raw"]:
        return serve_raw(conn)
    return serve_line(conn, o["prefix"], o["max_line"], o["short_lived"])


def install_signals():
    """SIGTERM and SIGINT only set a flag: an exception raised from a handler could land anywhere in the
    main thread (inside a log call's except, or before the accept loop's try) and be lost or kill us."""
    stop = threading.Event()

    def handler(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def peer_name(addr):
    try:
        return "%s:%d" % (addr[0], addr[1])
    except Exception:
        return str(addr)


def main():
    global QUIET
    o = parse_args(sys.argv[1:])
    QUIET = o["quiet"]
    stop = install_signals()
    lsock = open_listener(o)
    q = queue.Queue(maxsize=o["queue"])
    active = {}
    active_lock = threading.Lock()

    def worker():
        while True:
            conn, peer = q.get()
            if conn is None:
                return
            with active_lock:
                active[conn.fileno()] = conn
                n = len(active)
            why = "?"
            try:
                why = serve(conn, o)
            except OSError as e:
                why = "error: %s" % (e.strerror or e)
            finally:
                with active_lock:
                    active.pop(conn.fileno(), None)
                    n = len(active)
                try:
                    conn.close()
                except OSError:
                    pass
                log("close %s (%s, busy workers=%d)" % (peer, why, n))

    for _ in range(o["workers"]):
        threading.Thread(target=worker, daemon=True).start()

    ready_line(lsock, o, " workers=%d queue=%d%s" % (o["workers"], o["queue"],
                                                     " short-lived=true" if o["short_lived"] else ""))
    while not stop.is_set():
        try:
            conn, addr = lsock.accept()
        except socket.timeout:
            continue
        except OSError as e:
            if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                time.sleep(0.05)
            continue
        peer = peer_name(addr)
        log("open %s" % peer)
        try:
            q.put_nowait((conn, peer))
        except queue.Full:
            try:
                conn.close()
            except OSError:
                pass
            log("close %s (rejected: queue full, %d waiting)" % (peer, o["queue"]))
    # Shutdown: stop accepting, wake every client thread, close every socket.
    watchdog = threading.Timer(4.0, os._exit, args=(0,))  # never take more than ~4 s to exit
    watchdog.daemon = True
    watchdog.start()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        lsock.close()
    except OSError:
        pass
    # close everything still waiting in the queue
    while True:
        try:
            conn, peer = q.get_nowait()
        except queue.Empty:
            break
        try:
            conn.close()
        except OSError:
            pass
    with active_lock:
        conns = list(active.values())
    for c in conns:
        try:
            c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        with active_lock:
            if not active:
                break
        time.sleep(0.02)
    with active_lock:
        for c in list(active.values()):
            try:
                c.close()
            except OSError:
                pass
    log("stopped")
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
