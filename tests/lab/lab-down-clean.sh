#!/bin/bash
# lab-down-clean: "down" leaves nothing of the lab behind (namespaces,
# processes, files, sockets, interfaces) -- after a normal "up" with pods
# and a stray process, after an "up" killed midway (SIGKILL, then "down"),
# and an "up" that is interrupted (SIGTERM) or fails cleans up by itself.
#
# SPDX-License-Identifier: Apache-2.0

# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_lab_tools

lab_prefix P d
dir=$(lab_dir "$P")
say "lab prefix $P"

# wait_file FILE: until FILE exists (at most 10 s).
wait_file() {
    local i
    for ((i = 0; i < 1000; i++)); do
        [ -e "$1" ] && return 0
        sleep 0.01
    done
    fail "$1 never appeared"
}

# 1. A complete lab, with pods and a process left running in one of them.
say "--- 1. down after a complete up"
check "up" lab "$P" up
check "pod a on hv1" lab "$P" pod add a --node hv1
check "pod b on hv2" lab "$P" pod add b --node hv2
lab "$P" exec a -- sleep 300 &
stray=$!
LAB_BG_PIDS+=("$stray")
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -n "$(ip netns pids "$P-pod-a")" ] && break
    sleep 0.05
done
[ -n "$(ip netns pids "$P-pod-a")" ] || fail "stray process did not start in pod a"
check "pidfiles exist" test -s "$dir/hv1/ovn-controller.pid"
check "down" lab "$P" down
check_clean "after down" "$P"
wait "$stray" 2>/dev/null
check "the stray process in pod a is gone" bash -c "! kill -0 $stray 2>/dev/null"
check "a second down is harmless" lab "$P" down

# 2. "up" killed with SIGKILL midway: it leaves a half lab, maybe still
#    growing; "down" removes it.
say "--- 2. up killed (SIGKILL) midway, then down"
"$OVNMIG_LAB" --prefix "$P" up >/dev/null 2>&1 &
up=$!
wait_file "$dir/hv1/ovsdb-server.pid"
kill -KILL "$up"
wait "$up" 2>/dev/null
# No pause: the killed up's chassis jobs may still be running, and
# "down" must stop them too.
left=$(leftovers "$P")
[ -n "$left" ] || fail "the killed up left nothing: it was not killed midway"
say "left by the killed up: $(grep -c . <<<"$left") item(s)"
status=$(lab "$P" status) && fail "status says healthy for a half lab"
assert_match "status shows the half lab" 'starting' "$status"
check_fails "up over a half lab is refused" 'down.* first' lab "$P" up
check "down" lab "$P" down
check_clean "after down of a killed up" "$P"

# 3. "up" interrupted with SIGTERM midway cleans up by itself.
say "--- 3. up interrupted (SIGTERM) midway"
"$OVNMIG_LAB" --prefix "$P" up >/dev/null 2>&1 &
up=$!
wait_file "$dir/hv1/ovsdb-server.pid"
kill -TERM "$up"
rc=0; wait "$up" || rc=$?
[ "$rc" -ne 0 ] || fail "interrupted up exited 0"
say "ok: interrupted up exited $rc"
check_clean "after an interrupted up" "$P"

# 4. "up" that fails (ovn-controller cannot start) cleans up by itself.
say "--- 4. up that fails"
fakebin=$LAB_TMP/bin
mkdir -p "$fakebin"
printf '#!/bin/sh\necho "simulated failure" >&2\nexit 1\n' >"$fakebin/ovn-controller"
chmod +x "$fakebin/ovn-controller"
check_fails "up with a broken ovn-controller fails" 'ovn-controller did not start' \
    env PATH="$fakebin:$PATH" "$OVNMIG_LAB" --prefix "$P" up
check_clean "after a failed up" "$P"

pass
