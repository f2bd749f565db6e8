# standin-lib.sh -- start and stop the Kubernetes API stand-in
# (tests/kube/kube-standin) from a test script.  Source it; needs
# $top_srcdir.
#
#   standin_start DIR [ARGS...]   starts it (plain HTTP) on a free
#                                 loopback port with its log in
#                                 DIR/standin.log; sets STANDIN_PID and
#                                 STANDIN_URL
#   standin_stop                  stops the one this shell started
#   standin_ctl METHOD PATH       a control request (/standin/...), body
#                                 to stdout

STANDIN=$top_srcdir/tests/kube/kube-standin
# Debian's python3 (standard library only); a python3 earlier on PATH
# (pyenv's shims) may take ten times as long to start.
if [ -z "${PYTHON:-}" ]; then
    PYTHON=/usr/bin/python3
    [ -x "$PYTHON" ] || PYTHON=python3
fi

standin_start() {
    local dir=$1 i
    shift
    rm -f "$dir/standin.port"
    "$PYTHON" "$STANDIN" --port 0 --port-file "$dir/standin.port" "$@" \
        >"$dir/standin.log" 2>&1 &
    STANDIN_PID=$!
    for i in $(seq 100); do
        [ -s "$dir/standin.port" ] && break
        kill -0 "$STANDIN_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -s "$dir/standin.port" ]; then
        cat "$dir/standin.log" >&2
        return 1
    fi
    STANDIN_URL=http://127.0.0.1:$(cat "$dir/standin.port")
}

standin_stop() {
    if [ -n "${STANDIN_PID:-}" ]; then
        kill "$STANDIN_PID" 2>/dev/null
        wait "$STANDIN_PID" 2>/dev/null
        STANDIN_PID=
    fi
}

standin_ctl() {
    "$PYTHON" - "$1" "${STANDIN_URL%/}$2" <<'EOF'
import sys, urllib.request
req = urllib.request.Request(sys.argv[2], method=sys.argv[1])
with urllib.request.urlopen(req, timeout=10) as r:
    sys.stdout.write(r.read().decode())
EOF
}
