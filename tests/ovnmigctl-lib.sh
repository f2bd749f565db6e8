# ovnmigctl-lib.sh -- sourced by the tests of ovnmigctl: a private
# ovsdb-server serving the cluster schema in a scratch folder $dir (no root
# needed; removed on exit), $ctl, OVNMIG_DB and OVNMIG_CTL pointing at it,
# and the helpers fail and run.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
ctl=$top_builddir/utilities/ovnmigctl
schema=$top_srcdir/daemon/ovnmig.ovsschema
for t in ovsdb-server ovsdb-tool ovsdb-client python3; do
    command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -x "$ctl" ] || { echo "FAIL: $ctl not built"; exit 1; }

dir=$(mktemp -d "/tmp/ovnmig-$(basename "$0" .sh)-XXXXXX")
cleanup() {
    [ -f "$dir/db.pid" ] && kill "$(cat "$dir/db.pid")" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

ovsdb-tool create "$dir/db" "$schema" || fail "ovsdb-tool create"
ovsdb-server "$dir/db" --remote="punix:$dir/db.sock" --pidfile="$dir/db.pid" \
    --unixctl="$dir/db.ctl" --log-file="$dir/db.log" --detach --no-chdir \
    || fail "ovsdb-server did not start"
export OVNMIG_DB=unix:$dir/db.sock OVNMIG_CTL=$dir/none.ctl

# run EXPECTED-RC OUT-FILE CMD...
run() {
    local want=$1 out=$2; shift 2
    "$@" >"$out" 2>&1
    local rc=$?
    [ "$rc" = "$want" ] || { cat "$out"; fail "exit $rc, not $want: $*"; }
}
