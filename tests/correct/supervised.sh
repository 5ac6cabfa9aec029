# Correct: model multi-threaded (the Rust thread_server) run as a process manager runs it: a bash supervisor starts it as a child (not exec), passes its stdout/stderr through, forwards SIGTERM/SIGINT to it and exits with its status.
# Launch: bash tests/correct/supervised.sh
# Build: rustc -O -o build/correct/thread_server tests/correct/thread_server.rs

set -u

child=""
pending=""   # a signal that arrived before the child existed

forward() {
    if [ -n "$child" ]; then
        kill -s "$1" "$child" 2>/dev/null
    else
        pending="$1"
    fi
}
trap 'forward TERM' TERM
trap 'forward INT' INT

# The child inherits our stdout and stderr unchanged: its ready line (with its own pid) and its
# log lines reach the reader as they are. (The server installs its own SIGINT handler, which
# overrides the SIGINT-ignored state bash gives background jobs.) Every argument goes to the server
# unchanged: it parses the options itself, --short-lived (and its usage error with --raw) included.
build/correct/thread_server "$@" &
child=$!
if [ -n "$pending" ]; then
    kill -s "$pending" "$child" 2>/dev/null
fi

# `wait` returns early (status > 128) whenever a trapped signal arrives; wait again until the
# child has really gone.
status=0
while :; do
    wait "$child"
    status=$?
    if kill -0 "$child" 2>/dev/null; then
        continue        # still running (or not yet reaped): the wait was interrupted
    fi
    break
done
# If the last wait was interrupted and bash reaped the child meanwhile, bash still holds its
# status: ask for it (127 means there is nothing more to collect; keep what we have).
wait "$child" 2>/dev/null
again=$?
if [ "$again" -ne 127 ]; then
    status=$again
fi
exit "$status"
