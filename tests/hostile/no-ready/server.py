"""Never ready: listens, prints nothing on stdout, sleeps at most 200 s."""
import socket, sys, time

port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
listener = socket.create_server(("127.0.0.1", port))
print("warming up, forever", file=sys.stderr, flush=True)
time.sleep(200)
