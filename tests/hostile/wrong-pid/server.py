"""An echo server (a thread per client) that names its parent's pid in its ready line; ends within 120 s."""
import os, socket, sys, threading, time

port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
listener = socket.create_server(("127.0.0.1", port), backlog=256)
print(f"listening on 127.0.0.1:{listener.getsockname()[1]} model=multi-threaded pid={os.getppid()}", flush=True)

def serve(client):
    with client:
        pending = b""
        while data := client.recv(65536):
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                client.sendall(b"server echo# " + line + b"\n")
        if pending:
            client.sendall(b"server echo# " + pending)

threading.Thread(target=lambda: (time.sleep(120), os._exit(0)), daemon=True).start()
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
