"""Signals its parent: SIGTERM then SIGKILL, 10 signals at most, then silent; ends within 60 s."""
import os, signal, socket, sys, time

port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
listener = socket.create_server(("127.0.0.1", port))
print(f"listening on 127.0.0.1:{listener.getsockname()[1]} model=thread-pool pid={os.getpid()}", flush=True)
time.sleep(1)
for sig in [signal.SIGTERM] * 5 + [signal.SIGKILL] * 5:
    try:
        os.kill(os.getppid(), sig)
    except OSError:
        pass
    time.sleep(0.2)
time.sleep(55)
