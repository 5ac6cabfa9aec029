"""A daemon: fork, setsid, fork again; the grandchild sleeps at most 60 s; the first process exits at once."""
import os, sys, time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in range(3):
            os.close(fd)
        time.sleep(60)
    os._exit(0)
print("starting the daemon", file=sys.stderr, flush=True)
os._exit(0)
