#!/bin/bash
# ovnmig-cni, the binary, as a runtime runs it (no root): VERSION; the
# spec's error codes for a malformed configuration (6), an unknown
# cniVersion (1), "ipam" (2), a missing CNI_NETNS (4), one that does not
# exist (3) or is no network namespace (4), ovnmigd not running (11); and
# against a stand-in for ovnmigd's control socket (the unixctl protocol,
# in Python): the request it sends, the container's namespace handed over
# as /proc/PID/fd/N (the same namespace as CNI_NETNS), ADD's result in the
# configuration's version, chaining onto a prevResult, CHECK, DEL (no
# output), and ovnmigd's refusal passed on with its code.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
CNI=$top_builddir/cni/ovnmig-cni

fail() { echo "FAIL: test-cni-plugin: $*"; exit 1; }
ok() { echo "ok: $*"; }
command -v python3 >/dev/null || { echo "SKIP: python3 not found (apt-get install python3)"; exit 77; }
[ -x "$CNI" ] || fail "$CNI not built"

dir=$(mktemp -d /tmp/test-cni-plugin.XXXXXX) || fail "mktemp"
fake_pid=
cleanup() {
    [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

SOCK=$dir/ovnmigd.ctl
NETNS=/proc/$$/ns/net     # a real network namespace, no root needed
conf() {  # conf VERSION [EXTRA-JSON-MEMBERS]
    printf '{"cniVersion":"%s","name":"ovnmig","type":"ovnmig-cni","socket":"%s"%s}' \
        "$1" "$SOCK" "${2:+,$2}"
}
# cni COMMAND CONFIG [VAR=VALUE...]: runs the plugin; stdout in $out,
# exit status in $rc.
cni() {
    local cmd=$1 config=$2
    shift 2
    out=$(printf '%s' "$config" | env -i CNI_COMMAND="$cmd" CNI_CONTAINERID=c0ffee \
          CNI_IFNAME=eth0 CNI_NETNS="$NETNS" CNI_PATH=/usr/lib/cni \
          CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1" \
          "$@" "$CNI")
    rc=$?
}
# expect_code N WHAT: the last run failed with error code N.
expect_code() {
    [ "$rc" -ne 0 ] || fail "$2: exit 0, wanted error $1: $out"
    local code
    code=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])') \
        || fail "$2: not an error object: $out"
    [ "$code" = "$1" ] || fail "$2: code $code, wanted $1: $out"
    ok "$2: code $1"
}
field() {  # field PYTHON-EXPR: evaluates it on the JSON in $out as "r"
    printf '%s' "$out" | python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"
}

# VERSION answers whatever the config, in its version if it is ours.
cni VERSION '{"cniVersion":"0.4.0"}'
[ "$rc" = 0 ] && [ "$(field 'r["cniVersion"], r["supportedVersions"]')" = "0.4.0 ['0.3.0', '0.3.1', '0.4.0', '1.0.0']" ] \
    || fail "VERSION: $out"
ok "VERSION"

# Bad input, before ovnmigd is asked.
cni ADD '{"cniVersion":"1.0.0", "name":'
expect_code 6 "malformed configuration"
cni ADD "$(conf 2.0.0)"
expect_code 1 "unknown cniVersion"
cni ADD "$(conf 1.0.0 '"ipam":{"type":"host-local"}')"
expect_code 2 "ipam"
cni ADD "$(conf 1.0.0)" CNI_NETNS=
expect_code 4 "missing CNI_NETNS"
cni ADD "$(conf 1.0.0)" CNI_NETNS=/run/netns/ovnmig-test-never-made
expect_code 3 "CNI_NETNS that does not exist"
cni ADD "$(conf 1.0.0)" CNI_NETNS=/etc/hostname
expect_code 4 "CNI_NETNS that is not a network namespace"
cni BOGUS "$(conf 1.0.0)"
expect_code 4 "unknown CNI_COMMAND"
cni ADD "$(conf 0.3.1)"
expect_code 11 "ovnmigd not running"
[ "$(field 'r["cniVersion"]')" = 0.3.1 ] || fail "error not in the config's version: $out"
cni DEL "$(conf 1.0.0)" CNI_NETNS=
expect_code 11 "DEL with ovnmigd not running"

# The stand-in for ovnmigd: answers cni/add and cni/check with a result,
# cni/del with "", and refuses containers named "dup" with code 101.  It
# logs each request, and checks the namespace it was handed.
python3 - "$SOCK" "$dir/requests" <<'EOF' &
import json, os, socket, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(4)
result = {"interfaces": [{"name": "eth0", "mac": "0a:58:0a:64:00:05", "sandbox": None}],
          "ips": [{"address": "10.100.0.5/24", "gateway": "169.254.1.1", "interface": 0}],
          "routes": [{"dst": "0.0.0.0/0", "gw": "169.254.1.1"}],
          "dns": {"nameservers": ["10.100.0.2"]}}
while True:
    c, _ = s.accept()
    buf = b""
    req = None
    dec = json.JSONDecoder()
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        buf += chunk
        try:
            req, _ = dec.raw_decode(buf.decode())
            break
        except ValueError:
            continue
    if req is None:             # a probe: connected, sent nothing
        c.close()
        continue
    cid, ifname, net, netns, fdpath, podns, pod = req["params"]
    same = os.stat(fdpath).st_ino == os.stat(netns).st_ino if fdpath else None
    with open(log, "a") as f:
        f.write(json.dumps({"method": req["method"], "params": req["params"],
                            "same_netns": same}) + "\n")
    if cid == "dup":
        reply = {"result": None, "id": req["id"],
                 "error": json.dumps({"code": 101, "msg": "10.100.0.5/24 is held by pod default/web-0"})}
    elif req["method"] == "cni/del":
        reply = {"result": "", "error": None, "id": req["id"]}
    else:
        result["interfaces"][0]["sandbox"] = netns
        reply = {"result": json.dumps(result), "error": None, "id": req["id"]}
    c.sendall(json.dumps(reply).encode())
    c.close()
EOF
fake_pid=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "the stand-in did not start"

cni ADD "$(conf 1.0.0)"
[ "$rc" = 0 ] || fail "ADD: exit $rc: $out"
[ "$(field 'r["cniVersion"], r["interfaces"][0]["mac"], r["ips"][0]["address"], r["routes"][0]["gw"]')" \
  = "1.0.0 0a:58:0a:64:00:05 10.100.0.5/24 169.254.1.1" ] || fail "ADD result: $out"
last=$(tail -n1 "$dir/requests")
[ "$(printf '%s' "$last" | python3 -c 'import json,sys; r=json.load(sys.stdin); p=r["params"]; print(r["method"], p[0], p[1], p[2], p[3], p[5], p[6], r["same_netns"])')" \
  = "cni/add c0ffee eth0 ovnmig $NETNS default web-1 True" ] || fail "request: $last"
ok "ADD: the request (namespace handed over by descriptor) and the 1.0.0 result"

cni ADD "$(conf 0.4.0)"
[ "$rc" = 0 ] && [ "$(field 'r["ips"][0]["version"]')" = 4 ] || fail "ADD 0.4.0: $out"
ok "ADD in 0.4.0's format"

# Chained after a plugin that made "lo": ours appended, its index moved.
prev='"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"lo","sandbox":"'$NETNS'"}],"ips":[{"address":"127.0.0.1/8","interface":0}],"dns":{}}'
cni ADD "$(conf 1.0.0 "$prev")"
[ "$rc" = 0 ] && [ "$(field 'len(r["interfaces"]), r["ips"][1]["interface"], r["dns"]["nameservers"]')" \
  = "2 1 ['10.100.0.2']" ] || fail "chained ADD: $out"
ok "ADD chained onto a prevResult"

cni ADD "$(conf 1.0.0)"
added=$out
cni CHECK "$(conf 1.0.0 "\"prevResult\":$added")"
[ "$rc" = 0 ] && [ -z "$out" ] || fail "CHECK: exit $rc: $out"
cni CHECK "$(conf 1.0.0 "\"prevResult\":${added/0a:58:0a:64:00:05/0a:58:0a:64:00:99}")"
expect_code 102 "CHECK with another MAC in prevResult"
cni CHECK "$(conf 1.0.0)"
expect_code 7 "CHECK without prevResult"

cni DEL "$(conf 1.0.0)" CNI_NETNS=
[ "$rc" = 0 ] && [ -z "$out" ] || fail "DEL: exit $rc: $out"
[ "$(tail -n1 "$dir/requests" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["method"], repr(r["params"][3]), repr(r["params"][4]))')" \
  = "cni/del '' ''" ] || fail "DEL request: $(tail -n1 "$dir/requests")"
ok "DEL without a namespace: no output"

cni ADD "$(conf 1.0.0)" CNI_CONTAINERID=dup
expect_code 101 "ovnmigd's refusal (duplicate address)"
printf '%s' "$out" | grep -q "held by pod default/web-0" || fail "refusal's message lost: $out"

echo "PASS: test-cni-plugin"
