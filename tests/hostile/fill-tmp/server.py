"""Fills $TMPDIR (or /tmp) with files of 1 MB, 200 MB at most, stops at the first error; then ready, and silent for 60 s."""
import os, socket, sys, tempfile, time

port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
listener = socket.create_server(("127.0.0.1", port))
folder = tempfile.mkdtemp(prefix="fill-tmp-")
written = 0
try:
    while written < 200:
        with open(os.path.join(folder, f"f{written}"), "wb") as f:
            f.write(b"\0" * (1 << 20))
        written += 1
except OSError as e:
    print(f"stopped after {written} MB: {e}", file=sys.stderr, flush=True)
print(f"listening on 127.0.0.1:{listener.getsockname()[1]} model=thread-pool pid={os.getpid()}", flush=True)
time.sleep(60)
