"""A process storm: every child forks again, 500 processes at most, none older than 60 s."""
import os, socket, sys, time

port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
listener = socket.create_server(("127.0.0.1", port))
print(f"listening on 127.0.0.1:{listener.getsockname()[1]} model=thread-pool pid={os.getpid()}", flush=True)
deadline = time.time() + 60
started = 0
while started < 500 and time.time() < deadline:
    try:
        pid = os.fork()
    except OSError:
        time.sleep(0.1)
        continue
    if pid == 0:
        time.sleep(max(0, deadline - time.time()))
        os._exit(0)
    started += 1
time.sleep(max(0, deadline - time.time()))
