// Fault: calls socket.setEncoding('utf8') and handles strings, so bytes that are not valid UTF-8 come back changed (as U+FFFD); otherwise the same server as node_server.js.
// Launch: node tests/faults/node_text.js
// Must fail: echo.binary
// May fail: nothing
// Cause: DECODED
'use strict';

const net = require('net');

const MODEL = 'event-loop';
const LINGER_MS = 2000; // after the server ends a connection first, how long to drain the peer

const USAGE = [
  'usage: node node_text.js [--port 8888] [--bind 127.0.0.1] [--prefix \'server echo# \']',
  '       [--raw] [--max-line 65536] [--workers N] [--queue N] [--max-clients 256]',
  '       [--idle-timeout SECONDS] [--short-lived] [--quiet]',
].join('\n');

function usageExit(msg) {
  if (msg) process.stderr.write('node_text: ' + escapeLog(msg) + '\n');
  process.stderr.write(USAGE + '\n');
  process.exit(2);
}

// Never write client-controlled or odd bytes raw to the log.
function escapeLog(s) {
  return String(s).replace(/[^\x20-\x7e]|\\/g, (c) => {
    if (c === '\\') return '\\\\';
    const code = c.charCodeAt(0);
    if (code === 0x0a) return '\\n';
    if (code === 0x0d) return '\\r';
    if (code === 0x09) return '\\t';
    if (code < 0x100) return '\\x' + code.toString(16).padStart(2, '0');
    return '\\u' + code.toString(16).padStart(4, '0');
  });
}

function parseArgs(argv) {
  const opts = {
    port: 8888, bind: '127.0.0.1', prefix: 'server echo# ', raw: false, maxLine: 65536,
    workers: null, queue: null, maxClients: 256, idleTimeout: 0, shortLived: false, quiet: false,
  };
  const flags = new Set(['--raw', '--short-lived', '--quiet']);
  const valued = new Set(['--port', '--bind', '--prefix', '--max-line', '--workers', '--queue',
    '--max-clients', '--idle-timeout']);
  const intArg = (name, v, min, max) => {
    if (!/^\d+$/.test(v)) usageExit(name + ' needs an integer, got "' + v + '"');
    const n = Number(v);
    if (n < min || n > max) usageExit(name + ' must be between ' + min + ' and ' + max);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    if (a === '-h' || a === '--help') { process.stdout.write(USAGE + '\n'); process.exit(0); }
    if (flags.has(a)) {
      if (v !== undefined) usageExit(a + ' takes no value');
      if (a === '--raw') opts.raw = true;
      else if (a === '--short-lived') opts.shortLived = true;
      else opts.quiet = true;
      continue;
    }
    if (!valued.has(a)) usageExit('unknown argument "' + a + '"');
    if (v === undefined) {
      if (i + 1 >= argv.length) usageExit(a + ' needs a value');
      v = argv[++i];
    }
    switch (a) {
      case '--port': opts.port = intArg(a, v, 0, 65535); break;
      case '--bind': if (v === '') usageExit('--bind needs an address'); opts.bind = v; break;
      case '--prefix': opts.prefix = v; break;
      case '--max-line': opts.maxLine = intArg(a, v, 1, 1 << 30); break;
      case '--workers': opts.workers = intArg(a, v, 0, 1 << 20); break;
      case '--queue': opts.queue = intArg(a, v, 0, 1 << 20); break;
      case '--max-clients': opts.maxClients = intArg(a, v, 1, 1 << 20); break;
      case '--idle-timeout': {
        if (!/^\d+(\.\d+)?$/.test(v)) usageExit('--idle-timeout needs a number of seconds, got "' + v + '"');
        opts.idleTimeout = Number(v);
        break;
      }
    }
  }
  if (opts.raw && opts.shortLived) usageExit('--short-lived applies to line mode only, not with --raw');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const PREFIX = opts.prefix;
const ERROR_LINE = 'server error# line longer than ' + opts.maxLine + ' bytes\n';

process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

function log(msg) {
  if (!opts.quiet) process.stderr.write('node_text: ' + escapeLog(msg) + '\n');
}

const sockets = new Set();
let nextId = 1;

function handle(socket) {
  const id = nextId++;
  const peer = (socket.remoteAddress || '?') + ':' + (socket.remotePort || '?');
  sockets.add(socket);
  socket.setEncoding('utf8'); // THE DEFECT: input is decoded as UTF-8 text
  log('open #' + id + ' ' + peer + ' (' + sockets.size + ' open)');

  let pending = '';      // the current partial line, as a string (line mode)
  let pendingLen = 0;
  let done = false;      // the server has ended its side: input is dropped from now on
  let pausedForDrain = false;
  let lingerTimer = null;
  let bytesIn = 0;

  if (opts.idleTimeout > 0) {
    socket.setTimeout(opts.idleTimeout * 1000);
    socket.on('timeout', () => {
      log('idle #' + id + ' ' + peer + ': silent for ' + opts.idleTimeout + ' s, closing');
      socket.destroy();
    });
  }

  function send(buf) {
    if (buf.length === 0) return;
    if (!socket.write(buf) && !pausedForDrain && !socket.destroyed) {
      pausedForDrain = true;
      socket.pause();
    }
  }

  socket.on('drain', () => {
    if (pausedForDrain) {
      pausedForDrain = false;
      socket.resume();
    }
  });

  // The server closes first (oversized line, short-lived): send FIN, keep reading and dropping
  // what the peer still sends so that the kernel does not reset the replies away; then give up.
  function finish() {
    done = true;
    pending = '';
    pendingLen = 0;
    socket.end();
    if (pausedForDrain) { pausedForDrain = false; socket.resume(); }
    lingerTimer = setTimeout(() => socket.destroy(), LINGER_MS);
    lingerTimer.unref();
  }

  function onLineData(chunk) {
    let out = '';
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      const piece = chunk.slice(start, nl);
      if (pendingLen + Buffer.byteLength(piece, 'utf8') > opts.maxLine) { tooLong(out); return; }
      out += PREFIX + pending + piece + '\n';
      pending = '';
      pendingLen = 0;
      start = nl + 1;
      if (opts.shortLived) {
        send(out);
        finish();
        return;
      }
    }
    if (start < chunk.length) {
      const rest = chunk.slice(start);
      const restLen = Buffer.byteLength(rest, 'utf8');
      if (pendingLen + restLen > opts.maxLine) { tooLong(out); return; }
      pending += rest;
      pendingLen += restLen;
    }
    if (out.length) send(out);
  }

  function tooLong(out) {
    send(out + ERROR_LINE);
    log('oversized #' + id + ' ' + peer + ': more than ' + opts.maxLine + ' bytes without LF, closing');
    finish();
  }

  socket.on('data', (chunk) => {
    bytesIn += chunk.length;
    if (done) return;
    if (opts.raw) send(chunk);
    else onLineData(chunk);
  });

  socket.on('end', () => {
    if (done) return;
    done = true;
    if (!opts.raw && pendingLen > 0) {
      send(PREFIX + pending);
      pending = '';
      pendingLen = 0;
    }
    socket.end();
  });

  socket.on('error', (err) => {
    log('error #' + id + ' ' + peer + ': ' + (err.code || err.message));
  });

  socket.on('close', () => {
    if (lingerTimer) clearTimeout(lingerTimer);
    sockets.delete(socket);
    log('close #' + id + ' ' + peer + ' in=' + bytesIn + ' out=' + socket.bytesWritten +
      ' (' + sockets.size + ' open)');
  });
}

const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, handle);
server.maxConnections = opts.maxClients;
let listening = false;

server.on('drop', (d) => {
  log('refused ' + (d && d.remoteAddress) + ':' + (d && d.remotePort) +
    ': --max-clients ' + opts.maxClients + ' reached');
});

server.on('error', (err) => {
  if (!listening) {
    const where = opts.bind + ':' + opts.port;
    if (err.code === 'EADDRINUSE') {
      process.stderr.write('node_text: cannot listen on ' + escapeLog(where) + ': address already in use\n');
    } else {
      process.stderr.write('node_text: cannot listen on ' + escapeLog(where) + ': ' +
        escapeLog(err.code || err.message) + '\n');
    }
    process.exit(1);
  }
  log('server error: ' + (err.code || err.message)); // e.g. EMFILE on accept: go on
});

server.listen({ port: opts.port, host: opts.bind, backlog: 511, exclusive: true }, () => {
  listening = true;
  const a = server.address();
  const host = a.family === 'IPv6' || a.family === 6 ? '[' + a.address + ']' : a.address;
  let line = 'listening on ' + host + ':' + a.port + ' model=' + MODEL + ' pid=' + process.pid +
    ' mode=' + (opts.raw ? 'raw' : 'line') + ' max-clients=' + opts.maxClients;
  if (!opts.raw) line += ' max-line=' + opts.maxLine;
  if (opts.idleTimeout > 0) line += ' idle-timeout=' + opts.idleTimeout;
  if (opts.shortLived) line += ' short-lived=true';
  process.stdout.write(line + '\n');
});

let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  log('received ' + sig + ', closing ' + sockets.size + ' connection(s)');
  server.close();
  for (const s of sockets) s.destroy();
  setImmediate(() => process.exit(0));
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
