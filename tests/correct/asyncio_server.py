#!/usr/bin/env python3
# Correct: model event-loop: one asyncio event loop serves every client through asyncio streams, awaiting drain() so a client whose replies pile up is not read further.
# Launch: python3 tests/correct/asyncio_server.py
"""Echo server (SPEC sections 2 and 3), event-loop model, Python standard library only.

One thread, one asyncio event loop.  The loop accepts from its own non-blocking listening
socket under a semaphore of --max-clients permits, so past the cap no connection is accepted
and new clients wait in the kernel's backlog until one leaves.  Each connection is a task
that reads through an asyncio.StreamReader and writes through an asyncio.StreamWriter.

Backpressure: after every write the task awaits writer.drain(), which blocks while the
transport holds more than WRITE_HIGH unsent bytes.  While it waits it does not read, so the
StreamReader's buffer fills to its limit and asyncio pauses reading the socket; the client's
further bytes stay in the kernel and TCP flow control stops the client.

Bytes are never decoded.  Client bytes never reach the log (only addresses and counts do).
"""

import asyncio
import errno
import math
import os
import re
import signal
import socket
import sys

PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "asyncio_server.py"
MODEL = "event-loop"
BACKLOG = 1024
CHUNK = 32 * 1024           # bytes asked for per read
READ_LIMIT = 64 * 1024      # StreamReader pauses the socket past 2 * this
WRITE_HIGH = 64 * 1024      # drain() waits while more than this is unsent
WRITE_LOW = 16 * 1024
LINGER = 2.0                # seconds to discard input after an error line / short-lived reply
CLOSE_GRACE = 3.0           # seconds to flush a last reply before a forced close

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


class IdleTimeout(Exception):
    pass


async def timed(aw, seconds):
    """Await aw; raise IdleTimeout when it takes longer than seconds (None = no bound)."""
    if seconds is None:
        return await aw
    try:
        async with asyncio.timeout(seconds):
            return await aw
    except TimeoutError:
        raise IdleTimeout() from None


# --------------------------------------------------------------------------- one connection

class Conn:
    def __init__(self, cfg, reader, writer):
        self.cfg = cfg
        self.reader = reader
        self.writer = writer

    async def read(self):
        return await timed(self.reader.read(CHUNK), self.cfg.idle_timeout)

    async def send(self, data):
        """Write and wait until the unsent bytes are back under the high-water mark."""
        if data:
            self.writer.write(data)
        await timed(self.writer.drain(), self.cfg.idle_timeout)

    async def finish(self):
        """Everything owed is written: flush it, then close the connection."""
        try:
            await timed(self.writer.drain(), CLOSE_GRACE)
        except IdleTimeout:
            self.writer.transport.abort()
            return
        self.writer.close()
        try:
            await timed(self.writer.wait_closed(), CLOSE_GRACE)
        except IdleTimeout:
            self.writer.transport.abort()

    async def linger_close(self):
        """Close after a last reply while the client may still be sending: half-close our
        side first (the client sees end of stream after the reply), discard what still
        arrives for a bounded time, so that closing does not reset the reply away."""
        try:
            await timed(self.writer.drain(), CLOSE_GRACE)
            if self.writer.can_write_eof():
                self.writer.write_eof()
            async with asyncio.timeout(LINGER):
                while await self.reader.read(CHUNK):
                    pass
        except (IdleTimeout, TimeoutError, OSError):
            pass
        self.writer.transport.abort() if self.writer.transport.get_write_buffer_size() else self.writer.close()

    async def raw(self):
        while True:
            data = await self.read()
            if not data:
                await self.finish()
                return "end of input"
            await self.send(data)

    async def lines(self):
        cfg = self.cfg
        prefix, max_line = cfg.prefix, cfg.max_line
        partial = bytearray()          # bytes of the current line so far (no LF), <= max_line
        while True:
            data = await self.read()
            if not data:
                if partial:
                    self.writer.write(prefix + bytes(partial))
                await self.finish()
                return "end of input"
            out, pending = [], 0
            start = 0
            n = len(data)
            while start < n:
                lf = data.find(b"\n", start)
                if lf < 0:
                    if len(partial) + (n - start) > max_line:
                        return await self.oversized(out)
                    partial += data[start:]
                    break
                if len(partial) + (lf - start) > max_line:
                    return await self.oversized(out)
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
                    self.writer.write(b"".join(out))
                    await self.linger_close()
                    return "short-lived: closed after the first reply"
                if pending >= WRITE_HIGH:      # many short lines: do not let replies pile up
                    await self.send(b"".join(out))
                    out, pending = [], 0
            await self.send(b"".join(out))

    async def oversized(self, out):
        out.append(b"server error# line longer than %d bytes; closing\n" % self.cfg.max_line)
        self.writer.write(b"".join(out))
        await self.linger_close()
        return "line longer than --max-line"


async def handle(cfg, sock, addr, active):
    peer = fmt_addr(addr)
    log("connection opened from %s (%d open)" % (peer, len(active)))
    reason = "?"
    writer = None
    try:
        sock.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=sock, limit=READ_LIMIT)
        writer.transport.set_write_buffer_limits(high=WRITE_HIGH, low=WRITE_LOW)
        conn = Conn(cfg, reader, writer)
        reason = await (conn.raw() if cfg.raw else conn.lines())
    except IdleTimeout:
        reason = "idle for %g s" % cfg.idle_timeout
    except asyncio.CancelledError:
        reason = "server shutting down"
        raise
    except (ConnectionError, OSError) as e:
        reason = "connection error: %s" % (type(e).__name__,)
    finally:
        if writer is not None:
            if not writer.transport.is_closing() or writer.transport.get_write_buffer_size():
                writer.transport.abort()
        else:
            try:
                sock.close()
            except OSError:
                pass
        log("connection closed from %s: %s (%d open)" % (peer, reason, len(active) - 1))


# --------------------------------------------------------------------------- server

async def serve(cfg, lsock):
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda loop, ctx: None)   # errors are handled per connection
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    lsock.setblocking(False)
    permits = asyncio.Semaphore(cfg.max_clients)
    active = set()

    def done(task):
        active.discard(task)
        permits.release()

    async def accept_loop():
        while True:
            await permits.acquire()        # past --max-clients: wait, clients stay in the backlog
            try:
                sock, addr = await loop.sock_accept(lsock)
            except (InterruptedError, ConnectionAbortedError):
                permits.release()
                continue
            except OSError as e:
                permits.release()
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    log("accept failed: %s; retrying" % (e.strerror or e))
                    await asyncio.sleep(0.1)
                    continue
                raise
            task = loop.create_task(handle(cfg, sock, addr, active))
            active.add(task)
            task.add_done_callback(done)

    sys.stdout.write(ready_line(cfg, lsock) + "\n")
    sys.stdout.flush()

    acceptor = loop.create_task(accept_loop())
    stopper = loop.create_task(stop.wait())
    await asyncio.wait([acceptor, stopper], return_when=asyncio.FIRST_COMPLETED)
    # stop accepting, close every socket
    acceptor.cancel()
    stopper.cancel()
    try:
        await acceptor
    except BaseException:
        pass
    lsock.close()
    tasks = list(active)
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=2.0)
    log("stopped")


def main():
    global CFG
    cfg = parse_args(sys.argv[1:])
    CFG = cfg
    lsock = make_listener(cfg)
    try:
        asyncio.run(serve(cfg, lsock))
    finally:
        try:
            lsock.close()
        except OSError:
            pass
    sys.exit(0)


if __name__ == "__main__":
    main()
