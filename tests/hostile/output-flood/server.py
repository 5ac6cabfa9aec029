"""An output flood: 200 MB at most to stdout and stderr, half of it one line without an end, within 60 s."""
import os, socket, sys, time

port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
listener = socket.create_server(("127.0.0.1", port))
print(f"listening on 127.0.0.1:{listener.getsockname()[1]} model=thread-pool pid={os.getpid()}", flush=True)
deadline = time.time() + 60
chunk = b"x" * (1 << 20)
written = 0
try:
    while written < 200 * (1 << 20) and time.time() < deadline:
        stream = sys.stdout.buffer if written % (2 << 20) else sys.stderr.buffer
        stream.write(chunk if written < 100 * (1 << 20) else chunk[:-1] + b"\n")
        stream.flush()
        written += len(chunk)
except (BrokenPipeError, OSError):
    pass
time.sleep(max(0, deadline - time.time()))
