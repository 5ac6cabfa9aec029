// Correct: model multi-threaded in Rust std only (no crates): one std::thread per connection, capped at --max-clients (the accept loop waits while at the cap), SIGTERM/SIGINT via a hand-declared libc signal() handler that sets a flag and writes to a self-pipe polled beside the listener.
// Launch: build/correct/thread_server
// Build: rustc -O -o build/correct/thread_server tests/correct/thread_server.rs

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;
use std::process;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const MODEL: &str = "multi-threaded";
const USAGE: &str = "usage: thread_server [--port 8888] [--bind 127.0.0.1] [--prefix 'server echo# ']
                     [--raw] [--max-line 65536] [--workers N] [--queue N] [--max-clients 256]
                     [--idle-timeout SECONDS] [--short-lived] [--quiet]";

// ---------------------------------------------------------------------------------------------
// The few libc calls std does not expose, declared by hand (Linux, x86_64/aarch64).
mod sys {
    use std::os::raw::{c_int, c_short, c_ulong, c_void};

    #[repr(C)]
    pub struct PollFd {
        pub fd: c_int,
        pub events: c_short,
        pub revents: c_short,
    }
    pub const POLLIN: c_short = 0x1;
    pub const SIGINT: c_int = 2;
    pub const SIGTERM: c_int = 15;
    pub const SIG_ERR: usize = usize::MAX;

    extern "C" {
        pub fn signal(sig: c_int, handler: usize) -> usize;
        pub fn poll(fds: *mut PollFd, nfds: c_ulong, timeout: c_int) -> c_int;
        pub fn write(fd: c_int, buf: *const c_void, n: usize) -> isize;
        pub fn __errno_location() -> *mut c_int;
    }
}

static STOP: AtomicBool = AtomicBool::new(false);
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

// Async-signal-safe: an atomic store and one write(2) to a non-blocking socket; errno kept.
extern "C" fn on_signal(_sig: std::os::raw::c_int) {
    STOP.store(true, Ordering::SeqCst);
    let fd = WAKE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        unsafe {
            let e = sys::__errno_location();
            let saved = *e;
            let b: u8 = 1;
            sys::write(fd, &b as *const u8 as *const _, 1);
            *e = saved;
        }
    }
}

fn stopping() -> bool {
    STOP.load(Ordering::SeqCst)
}

// ---------------------------------------------------------------------------------------------
// Command line (SPEC section 3).
struct Config {
    port: u16,
    bind: String,
    prefix: Vec<u8>,
    raw: bool,
    max_line: usize,
    workers: usize,
    queue: usize,
    max_clients: usize,
    idle: Option<Duration>,
    short_lived: bool,
    quiet: bool,
}

fn usage_exit(msg: &str) -> ! {
    eprintln!("thread_server: {}", msg);
    eprintln!("{}", USAGE);
    process::exit(2);
}

fn parse_num<T: std::str::FromStr>(opt: &str, v: &OsString, min: T) -> T
where
    T: PartialOrd,
{
    match v.to_str().and_then(|s| s.trim().parse::<T>().ok()) {
        Some(n) if n >= min => n,
        _ => usage_exit(&format!("bad value for {}: {:?}", opt, v)),
    }
}

fn parse_args() -> Config {
    let mut c = Config {
        port: 8888,
        bind: "127.0.0.1".to_string(),
        prefix: b"server echo# ".to_vec(),
        raw: false,
        max_line: 65536,
        workers: 0,
        queue: 0,
        max_clients: 256,
        idle: None,
        short_lived: false,
        quiet: false,
    };
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let bytes = a.as_bytes();
        // Accept both "--opt value" and "--opt=value".
        let (name, inline): (String, Option<OsString>) = match bytes.iter().position(|&b| b == b'=') {
            Some(p) if bytes.starts_with(b"--") => (
                String::from_utf8_lossy(&bytes[..p]).into_owned(),
                Some(OsString::from(std::ffi::OsStr::from_bytes(&bytes[p + 1..]))),
            ),
            _ => (String::from_utf8_lossy(bytes).into_owned(), None),
        };
        i += 1;
        let takes_value = matches!(
            name.as_str(),
            "--port" | "--bind" | "--prefix" | "--max-line" | "--workers" | "--queue"
                | "--max-clients" | "--idle-timeout"
        );
        let value = if takes_value {
            match inline {
                Some(v) => v,
                None => {
                    if i >= args.len() {
                        usage_exit(&format!("{} needs a value", name));
                    }
                    i += 1;
                    args[i - 1].clone()
                }
            }
        } else {
            if inline.is_some() {
                usage_exit(&format!("{} takes no value", name));
            }
            OsString::new()
        };
        match name.as_str() {
            "--port" => c.port = parse_num::<u16>(&name, &value, 0),
            "--bind" => match value.to_str() {
                Some(s) if !s.is_empty() => c.bind = s.to_string(),
                _ => usage_exit("bad value for --bind"),
            },
            "--prefix" => c.prefix = value.as_bytes().to_vec(),
            "--raw" => c.raw = true,
            "--max-line" => c.max_line = parse_num::<usize>(&name, &value, 1),
            "--workers" => c.workers = parse_num::<usize>(&name, &value, 1),
            "--queue" => c.queue = parse_num::<usize>(&name, &value, 0),
            "--max-clients" => c.max_clients = parse_num::<usize>(&name, &value, 1),
            "--idle-timeout" => {
                let s = parse_num::<f64>(&name, &value, 0.0);
                if !s.is_finite() || s > 1e9 {
                    usage_exit("bad value for --idle-timeout");
                }
                c.idle = if s > 0.0 { Some(Duration::from_secs_f64(s)) } else { None };
            }
            "--short-lived" => c.short_lived = true,
            "--quiet" => c.quiet = true,
            "-h" | "--help" => {
                println!("{}", USAGE);
                process::exit(0);
            }
            _ => usage_exit(&format!("unknown argument: {:?}", a)),
        }
    }
    if c.raw && c.short_lived {
        usage_exit("--short-lived applies to line mode only; it cannot be used with --raw");
    }
    c
}

// ---------------------------------------------------------------------------------------------
// Shared server state.
struct Shared {
    cfg: Config,
    active: Mutex<usize>,
    slot_freed: Condvar,
    conns: Mutex<HashMap<u64, TcpStream>>, // clones used only to shut sockets down at exit
}

fn log(sh: &Shared, msg: &str) {
    if !sh.cfg.quiet {
        let _ = writeln!(io::stderr().lock(), "thread_server: {}", msg);
    }
}

// Frees the slot even if the connection's thread panics.
struct SlotGuard {
    sh: Arc<Shared>,
    id: u64,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.sh.conns.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
        let mut a = self.sh.active.lock().unwrap_or_else(|e| e.into_inner());
        *a -= 1;
        self.sh.slot_freed.notify_all();
    }
}

struct Stats {
    bytes_in: u64,
    bytes_out: u64,
}

fn err_reason(e: &io::Error) -> String {
    if stopping() {
        return "server shutdown".into();
    }
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => "idle timeout".into(),
        ErrorKind::ConnectionReset => "reset by peer".into(),
        ErrorKind::BrokenPipe => "peer gone (broken pipe)".into(),
        _ => format!("error: {}", e),
    }
}

fn read_some(s: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match s.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

fn send(s: &mut TcpStream, data: &[u8], st: &mut Stats) -> io::Result<()> {
    s.write_all(data)?;
    st.bytes_out += data.len() as u64;
    Ok(())
}

// Close after our last reply without resetting it away: stop writing, then discard whatever the
// client still sends for a short, bounded while (so close() does not turn into an RST that could
// destroy the reply in flight), then drop the socket.
fn close_gracefully(s: &mut TcpStream) {
    let _ = s.shutdown(Shutdown::Write);
    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    let deadline = Instant::now() + Duration::from_millis(1000);
    let mut scratch = [0u8; 8192];
    let mut drained = 0usize;
    while Instant::now() < deadline && drained < (1 << 20) {
        match s.read(&mut scratch) {
            Ok(0) => break,
            Ok(n) => drained += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

fn serve_line(cfg: &Config, s: &mut TcpStream, st: &mut Stats) -> String {
    let mut buf = vec![0u8; 16 * 1024];
    let mut pending: Vec<u8> = Vec::new(); // the current partial line, never much more than max_line
    let mut out: Vec<u8> = Vec::new();
    loop {
        let n = match read_some(s, &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return err_reason(&e),
        };
        st.bytes_in += n as u64;
        out.clear();
        let mut rest = &buf[..n];
        let mut too_long = false;
        let mut first_done = false;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            if pending.len() + i > cfg.max_line {
                too_long = true; // more than max_line bytes arrived before this LF
                break;
            }
            out.extend_from_slice(&cfg.prefix);
            out.extend_from_slice(&pending);
            out.extend_from_slice(&rest[..=i]);
            pending.clear();
            rest = &rest[i + 1..];
            if cfg.short_lived {
                first_done = true;
                break;
            }
        }
        if !too_long && !first_done {
            if pending.len() + rest.len() > cfg.max_line {
                too_long = true;
            } else {
                pending.extend_from_slice(rest);
            }
        }
        if !out.is_empty() {
            if let Err(e) = send(s, &out, st) {
                return err_reason(&e);
            }
        }
        if too_long {
            let msg = format!(
                "server error# line too long (more than {} bytes without a newline)\n",
                cfg.max_line
            );
            let _ = send(s, msg.as_bytes(), st);
            close_gracefully(s);
            return format!("line longer than --max-line {}", cfg.max_line);
        }
        if first_done {
            close_gracefully(s);
            return "short-lived: first line answered".into();
        }
        if pending.is_empty() && pending.capacity() > (1 << 20) {
            pending = Vec::new();
        }
    }
    // End of input: answer the partial line, if any, then close.
    if !pending.is_empty() {
        out.clear();
        out.extend_from_slice(&cfg.prefix);
        out.extend_from_slice(&pending);
        if let Err(e) = send(s, &out, st) {
            return err_reason(&e);
        }
    }
    let _ = s.shutdown(Shutdown::Write);
    if stopping() { "server shutdown".into() } else { "client closed".into() }
}

fn serve_raw(s: &mut TcpStream, st: &mut Stats) -> String {
    // Read only what we can write back: a blocking write_all is the backpressure.
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match read_some(s, &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return err_reason(&e),
        };
        st.bytes_in += n as u64;
        if let Err(e) = send(s, &buf[..n], st) {
            return err_reason(&e);
        }
    }
    let _ = s.shutdown(Shutdown::Write);
    if stopping() { "server shutdown".into() } else { "client closed".into() }
}

fn handle(sh: Arc<Shared>, id: u64, mut s: TcpStream, peer: SocketAddr) {
    let _guard = SlotGuard { sh: sh.clone(), id };
    let started = Instant::now();
    let mut st = Stats { bytes_in: 0, bytes_out: 0 };
    if let Some(d) = sh.cfg.idle {
        let _ = s.set_read_timeout(Some(d));
        let _ = s.set_write_timeout(Some(d));
    }
    let reason = if sh.cfg.raw {
        serve_raw(&mut s, &mut st)
    } else {
        serve_line(&sh.cfg, &mut s, &mut st)
    };
    drop(s);
    log(
        &sh,
        &format!(
            "connection #{} from {} closed: {} (in={} out={} bytes, {} ms)",
            id,
            peer,
            reason,
            st.bytes_in,
            st.bytes_out,
            started.elapsed().as_millis()
        ),
    );
}

// ---------------------------------------------------------------------------------------------
fn main() {
    let cfg = parse_args();

    // Self-pipe (a socket pair, non-blocking on the writing side) woken by the signal handler.
    let (wake_r, wake_w) = match UnixStream::pair() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("thread_server: cannot create the wake-up pipe: {}", e);
            process::exit(1);
        }
    };
    let _ = wake_w.set_nonblocking(true);
    WAKE_FD.store(wake_w.as_raw_fd(), Ordering::SeqCst);
    unsafe {
        // Installed unconditionally: this also overrides a SIGINT ignored by a non-interactive
        // parent shell that started us in the background.
        for sig in [sys::SIGTERM, sys::SIGINT] {
            if sys::signal(sig, on_signal as extern "C" fn(std::os::raw::c_int) as usize) == sys::SIG_ERR {
                eprintln!("thread_server: cannot install a handler for signal {}", sig);
                process::exit(1);
            }
        }
    }

    let addrs: Vec<SocketAddr> = match (cfg.bind.as_str(), cfg.port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => usage_exit(&format!("bad --bind address {:?}: {}", cfg.bind, e)),
    };
    if addrs.is_empty() {
        usage_exit(&format!("bad --bind address {:?}", cfg.bind));
    }
    let listener = match TcpListener::bind(&addrs[..]) {
        Ok(l) => l,
        Err(e) => {
            if e.kind() == ErrorKind::AddrInUse {
                eprintln!(
                    "thread_server: cannot listen on {}:{}: address already in use",
                    cfg.bind, cfg.port
                );
            } else {
                eprintln!("thread_server: cannot listen on {}:{}: {}", cfg.bind, cfg.port, e);
            }
            process::exit(1);
        }
    };
    if let Err(e) = listener.set_nonblocking(true) {
        eprintln!("thread_server: cannot configure the listening socket: {}", e);
        process::exit(1);
    }
    let local = listener.local_addr().expect("local_addr");

    {
        let mut line = format!(
            "listening on {} model={} pid={} max-clients={} mode={} max-line={}",
            local,
            MODEL,
            process::id(),
            cfg.max_clients,
            if cfg.raw { "raw" } else { "line" },
            cfg.max_line
        );
        if cfg.short_lived {
            line.push_str(" short-lived=true");
        }
        if let Some(d) = cfg.idle {
            line.push_str(&format!(" idle-timeout={}", d.as_secs_f64()));
        }
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "{}", line);
        let _ = out.flush();
    }
    let _ = (cfg.workers, cfg.queue); // accepted and ignored by this model

    let sh = Arc::new(Shared {
        cfg,
        active: Mutex::new(0),
        slot_freed: Condvar::new(),
        conns: Mutex::new(HashMap::new()),
    });
    let lfd = listener.as_raw_fd();
    let wfd = wake_r.as_raw_fd();
    let mut next_id: u64 = 0;

    loop {
        // At the cap: do not accept; new connections wait in the kernel's backlog.
        {
            let mut a = sh.active.lock().unwrap();
            while *a >= sh.cfg.max_clients && !stopping() {
                a = sh.slot_freed.wait_timeout(a, Duration::from_millis(100)).unwrap().0;
            }
        }
        if stopping() {
            break;
        }
        let mut fds = [
            sys::PollFd { fd: lfd, events: sys::POLLIN, revents: 0 },
            sys::PollFd { fd: wfd, events: sys::POLLIN, revents: 0 },
        ];
        let r = unsafe { sys::poll(fds.as_mut_ptr(), 2, 1000) };
        if stopping() || (r > 0 && fds[1].revents != 0) {
            break;
        }
        if r <= 0 {
            continue; // timeout or EINTR
        }
        let (s, peer) = match listener.accept() {
            Ok(x) => x,
            Err(e) => match e.kind() {
                ErrorKind::WouldBlock | ErrorKind::Interrupted | ErrorKind::ConnectionAborted => {
                    continue
                }
                _ => {
                    // e.g. EMFILE: say so, back off briefly, go on.
                    eprintln!("thread_server: accept failed: {}", e);
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            },
        };
        let _ = s.set_nonblocking(false);
        let _ = s.set_nodelay(true);
        let clone = match s.try_clone() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("thread_server: connection from {} dropped: {}", peer, e);
                continue;
            }
        };
        next_id += 1;
        let id = next_id;
        let now_active = {
            let mut a = sh.active.lock().unwrap();
            *a += 1;
            *a
        };
        sh.conns.lock().unwrap().insert(id, clone);
        log(&sh, &format!("connection #{} from {} opened ({} active)", id, peer, now_active));
        let sh2 = sh.clone();
        let spawned = thread::Builder::new()
            .name(format!("conn-{}", id))
            .stack_size(256 * 1024)
            .spawn(move || handle(sh2, id, s, peer));
        if let Err(e) = spawned {
            // The closure (and its stream) was dropped; undo the bookkeeping ourselves.
            sh.conns.lock().unwrap().remove(&id);
            *sh.active.lock().unwrap() -= 1;
            eprintln!("thread_server: connection #{} from {} dropped: cannot start a thread: {}", id, peer, e);
        }
    }

    // Shutdown: stop accepting, close every socket, wait (bounded) for the threads, exit 0.
    drop(listener);
    {
        let conns = sh.conns.lock().unwrap();
        log(&sh, &format!("signal received: stopped accepting, closing {} connection(s)", conns.len()));
        for s in conns.values() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    {
        let mut a = sh.active.lock().unwrap();
        while *a > 0 && Instant::now() < deadline {
            a = sh.slot_freed.wait_timeout(a, Duration::from_millis(50)).unwrap().0;
        }
    }
    log(&sh, "stopped");
    let _ = io::stdout().flush();
    process::exit(0);
}
