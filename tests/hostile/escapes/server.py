"""Answers each line with markup, a CSV formula and terminal escapes; a thread per client; ends within 120 s."""
import os, socket, sys, threading, time

EVIL = b'<script>alert(1)</script>,"=HYPERLINK(""x"")",|cell|\x1b[2J\x1b]0;title\x07</td></tr>\n'
port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
listener = socket.create_server(("127.0.0.1", port), backlog=256)
print(f"listening on 127.0.0.1:{listener.getsockname()[1]} model=multi-threaded pid={os.getpid()}", flush=True)
print('<b>log</b>,"=1+1"\x1b[31m', file=sys.stderr, flush=True)

def serve(client):
    with client:
        while data := client.recv(65536):
            client.sendall(EVIL * data.count(b"\n"))

threading.Thread(target=lambda: (time.sleep(120), os._exit(0)), daemon=True).start()
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
