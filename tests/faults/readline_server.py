# Fault: line mode reads lines as text (sock.makefile('r', encoding='utf-8', newline=None).readline()) and writes them back as text ending in '\n', so CRs are dropped and bytes that are not UTF-8 are lost or end the connection.
# Launch: python3 tests/faults/readline_server.py
# Must fail: echo.crlf echo.binary
# May fail: nothing
# Cause: CR_LOST
"""Thread-per-connection echo server, BROKEN ON PURPOSE (a fault for the conformance suite).

Everything is the correct thread-per-connection server except line mode, which decodes the
stream as UTF-8 text with universal newlines and answers PREFIX + the decoded line + '\n'.
Raw mode (--raw): RFC 862 echo, unchanged. Concurrency: socketserver.ThreadingTCPServer,
one thread per connection; at most --max-clients connections are accepted at once, the rest
wait in the listen backlog until a slot frees.
"""

import argparse
import errno
import os
import signal
import socket
import socketserver
import sys
import threading
import time

MODEL = "multi-threaded"
PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "readline_server.py"
RECV_SIZE = 65536
ERROR_PREFIX = b"server error# "
DRAIN_SECONDS = 1.0          # after our FIN, how long we read (and discard) before closing
DRAIN_BYTES = 4 * 1024 * 1024
SHUTDOWN_GRACE = 3.0         # how long SIGTERM waits for connection threads

_log_lock = threading.Lock()
_quiet = False


def escape(text):
    """Printable ASCII passes; everything else becomes an escape, so a log line stays one line."""
    out = []
    for ch in str(text):
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif o < 0x100:
            out.append("\\x%02x" % o)
        elif o < 0x10000:
            out.append("\\u%04x" % o)
        else:
            out.append("\\U%08x" % o)
    return "".join(out)


def log(message, force=False):
    if _quiet and not force:
        return
    line = "%s [%s] %s\n" % (time.strftime("%H:%M:%S"), PROG, escape(message))
    with _log_lock:
        try:
            sys.stderr.write(line)
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def fmt_addr(addr):
    try:
        host, port = addr[0], addr[1]
    except (TypeError, IndexError):
        return escape(addr)
    host = escape(host)
    return "[%s]:%s" % (host, port) if ":" in host else "%s:%s" % (host, port)


class Config:
    def __init__(self, args):
        self.prefix = os.fsencode(args.prefix)     # the argument's own bytes, never re-encoded text
        self.raw = args.raw
        self.max_line = args.max_line
        self.max_clients = args.max_clients
        self.idle = args.idle_timeout
        self.short_lived = args.short_lived


class EchoHandler(socketserver.BaseRequestHandler):
    """Runs in its own thread, one per connection."""

    def setup(self):
        self.cfg = self.server.cfg
        self.bytes_in = 0
        self.bytes_out = 0
        self.peer = fmt_addr(self.client_address)
        try:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        log("connection opened from %s (active %d/%d)"
            % (self.peer, self.server.active_count(), self.cfg.max_clients))

    # -- socket helpers: a timeout only while waiting for input, so a slow reader is not "idle"
    def recv(self):
        sock = self.request
        if self.cfg.idle:
            sock.settimeout(self.cfg.idle)
        data = sock.recv(RECV_SIZE)
        self.bytes_in += len(data)
        return data

    def send(self, data):
        sock = self.request
        if self.cfg.idle:
            sock.settimeout(None)
        sock.sendall(data)
        self.bytes_out += len(data)

    def handle(self):
        self.reason = "?"
        try:
            if self.cfg.raw:
                self.reason = self.serve_raw()
            else:
                self.reason = self.serve_lines()
        except socket.timeout:
            self.reason = "idle for %gs" % self.cfg.idle
        except ConnectionResetError:
            self.reason = "reset by peer"
        except BrokenPipeError:
            self.reason = "peer gone (broken pipe)"
        except OSError as e:
            self.reason = "socket error: %s" % (e.strerror or e)
        if self.server.stopping:
            self.reason += ", server stopping"
        self.close_gently(drain=not self.server.stopping)

    def serve_raw(self):
        while True:
            data = self.recv()
            if not data:
                return "end of input"
            self.send(data)         # blocks while the peer does not read: backpressure

    def serve_lines(self):
        # THE FAULT: the stream is read as UTF-8 text with universal newlines ('\r\n' and a
        # lone '\r' become '\n', invalid UTF-8 raises), and replies are written as text + '\n'.
        cfg = self.cfg
        sock = self.request
        prefix = os.fsdecode(cfg.prefix)
        rfile = sock.makefile('r', encoding='utf-8', newline=None)
        wfile = sock.makefile('w', encoding='utf-8', newline='\n')
        try:
            while True:
                if cfg.idle:
                    sock.settimeout(cfg.idle)
                try:
                    line = rfile.readline(cfg.max_line + 1)     # bounded: characters, not bytes
                except UnicodeDecodeError as e:
                    return "input is not UTF-8 (%s), dropping the connection" % e.reason
                self.bytes_in += len(line)
                if cfg.idle:
                    sock.settimeout(None)
                if not line:
                    return "end of input"
                if not line.endswith("\n"):
                    if len(line) > cfg.max_line:
                        self.send(ERROR_PREFIX + b"line longer than %d bytes, closing\n" % cfg.max_line)
                        return "line longer than --max-line %d" % cfg.max_line
                    wfile.write(prefix + line)                  # partial line at end of input
                    wfile.flush()
                    self.bytes_out += len(prefix) + len(line)
                    return "end of input"
                wfile.write(prefix + line[:-1] + "\n")
                wfile.flush()
                self.bytes_out += len(prefix) + len(line)
                if cfg.short_lived:
                    return "short-lived: first line answered"
        finally:
            for f in (rfile, wfile):
                try:
                    f.close()       # the socket itself stays open until close_gently()
                except (OSError, ValueError):
                    pass

    def close_gently(self, drain):
        """FIN first, then read and discard briefly, so the peer sees our last bytes, not a RST."""
        sock = self.request
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            drain = False
        if drain:
            deadline = time.monotonic() + DRAIN_SECONDS
            seen = 0
            try:
                while seen < DRAIN_BYTES and not self.server.stopping:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    sock.settimeout(min(left, 0.2))
                    try:
                        chunk = sock.recv(RECV_SIZE)
                    except socket.timeout:
                        continue
                    if not chunk:
                        break
                    seen += len(chunk)
            except OSError:
                pass

    def finish(self):
        log("connection closed from %s (%s; %d bytes in, %d bytes out)"
            % (self.peer, self.reason if hasattr(self, "reason") else "?",
               self.bytes_in, self.bytes_out))


class EchoServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True       # SO_REUSEADDR: a restart is not blocked by TIME_WAIT
    daemon_threads = True            # we join them ourselves, with a deadline
    block_on_close = False
    request_queue_size = 1024        # connections past --max-clients wait here

    def __init__(self, address, family, cfg):
        self.address_family = family
        self.cfg = cfg
        self.slots = threading.BoundedSemaphore(cfg.max_clients)
        self.active = {}             # socket -> its thread, for shutdown
        self.serial = 0
        self.active_lock = threading.Lock()
        self.stopping = False
        super().__init__(address, EchoHandler, bind_and_activate=True)

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            try:
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            except OSError:
                pass
        super().server_bind()

    def active_count(self):
        with self.active_lock:
            return len(self.active)

    def get_request(self):
        # Accept only while a slot is free; otherwise leave the connection in the backlog.
        # The short wait keeps serve_forever() responsive to shutdown().
        if not self.slots.acquire(timeout=0.05):
            raise OSError(errno.EAGAIN, "at --max-clients")
        try:
            if self.stopping:
                raise OSError(errno.ESHUTDOWN, "stopping")
            sock, addr = self.socket.accept()
        except BaseException:
            self.slots.release()
            raise
        with self.active_lock:
            self.active[sock] = None
        return sock, addr

    def process_request(self, request, client_address):
        """ThreadingMixIn.process_request, keeping each thread so that SIGTERM can join it."""
        self.serial += 1
        t = threading.Thread(target=self.process_request_thread, args=(request, client_address),
                             name="conn-%d" % self.serial, daemon=True)
        with self.active_lock:
            if request in self.active:
                self.active[request] = t
        t.start()

    def threads(self):
        with self.active_lock:
            return [t for t in self.active.values() if t is not None]

    def shutdown_request(self, request):
        with self.active_lock:
            known = self.active.pop(request, None) is not None
        try:
            request.close()
        except OSError:
            pass
        if known:
            self.slots.release()

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        log("error on connection from %s: %s: %s"
            % (fmt_addr(client_address), type(exc).__name__, exc), force=True)

    def wake_all(self):
        """Stop every connection thread: shutdown(2) wakes a thread blocked in recv or send."""
        with self.active_lock:
            socks = list(self.active)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def positive_int(text):
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError("not an integer: %r" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1: %r" % text)
    return value


def nonneg_int(text):
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError("not an integer: %r" % text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative: %r" % text)
    return value


def port_number(text):
    value = nonneg_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError("not a TCP port: %r" % text)
    return value


def positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number of seconds: %r" % text)
    if not (value >= 0) or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a number of seconds >= 0: %r" % text)
    return value or None        # 0 means no idle timeout


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog=PROG, allow_abbrev=False,
        description="Echo server, one thread per connection (model %s)." % MODEL)
    p.add_argument("--port", type=port_number, default=8888, help="TCP port, 0 = any free port (default 8888)")
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--prefix", default="server echo# ", help="prefix of every reply, may be empty")
    p.add_argument("--raw", action="store_true", help="RFC 862 echo: no framing, no prefix")
    p.add_argument("--max-line", type=positive_int, default=65536, help="longest line in bytes, LF included (default 65536)")
    p.add_argument("--workers", type=positive_int, default=None, help="accepted and ignored (thread pools only)")
    p.add_argument("--queue", type=nonneg_int, default=None, help="accepted and ignored (thread pools only)")
    p.add_argument("--max-clients", type=positive_int, default=256, help="most connections served at once (default 256)")
    p.add_argument("--idle-timeout", type=positive_seconds, default=None, help="close a client silent this many seconds (0 = never)")
    p.add_argument("--short-lived", action="store_true", help="close after answering the first line")
    p.add_argument("--quiet", action="store_true", help="no per-connection log lines")
    args = p.parse_args(argv)
    if args.short_lived and args.raw:
        p.error("--short-lived applies to line mode only; it cannot be combined with --raw")
    try:
        infos = socket.getaddrinfo(args.bind, args.port, socket.AF_UNSPEC, socket.SOCK_STREAM,
                                   0, socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as e:
        p.error("argument --bind: cannot use %r as an address: %s" % (args.bind, e))
    infos = [i for i in infos if i[0] in (socket.AF_INET, socket.AF_INET6)]
    if not infos:
        p.error("argument --bind: no IPv4 or IPv6 address for %r" % args.bind)
    args.family, args.sockaddr = infos[0][0], infos[0][4]
    return args


_stop_signal = []


def _on_signal(signum, frame):
    if not _stop_signal:
        _stop_signal.append(signum)


def main(argv):
    global _quiet
    args = parse_args(argv)
    _quiet = args.quiet
    cfg = Config(args)
    threading.stack_size(512 * 1024)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    try:
        server = EchoServer(args.sockaddr, args.family, cfg)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            why = "address already in use"
        else:
            why = e.strerror or str(e)
        log("cannot listen on %s: %s" % (fmt_addr(args.sockaddr), why), force=True)
        return 1

    host, port = server.server_address[0], server.server_address[1]
    extra = ["max-clients=%d" % cfg.max_clients, "mode=%s" % ("raw" if cfg.raw else "line")]
    if not cfg.raw:
        extra.append("max-line=%d" % cfg.max_line)
    if cfg.idle:
        extra.append("idle-timeout=%g" % cfg.idle)
    if cfg.short_lived:
        extra.append("short-lived=true")
    # the accept thread runs before the ready line, so the thread count is steady from then on
    acceptor = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                name="acceptor", daemon=True)
    acceptor.start()
    try:
        sys.stdout.write("listening on %s model=%s pid=%d %s\n"
                         % (fmt_addr((host, port)), MODEL, os.getpid(), " ".join(extra)))
        sys.stdout.flush()
    except (OSError, ValueError):
        pass

    while not _stop_signal and acceptor.is_alive():
        time.sleep(0.1)

    failed = not _stop_signal
    if _stop_signal:
        log("signal %d: stopping" % _stop_signal[0], force=True)
    else:
        log("accept loop ended unexpectedly: stopping", force=True)

    # 1. stop accepting, 2. close the listening socket, 3. close every connection, 4. join.
    server.stopping = True
    if acceptor.is_alive():
        server.shutdown()
    server.server_close()
    server.wake_all()
    deadline = time.monotonic() + SHUTDOWN_GRACE
    for t in server.threads():
        t.join(max(0.0, deadline - time.monotonic()))
    with server.active_lock:
        left = list(server.active)
    for s in left:                      # a thread that did not end: its socket still goes
        try:
            s.close()
        except OSError:
            pass
    log("stopped (%d connection(s) closed at exit)" % len(left), force=True)
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
