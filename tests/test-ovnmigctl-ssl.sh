#!/bin/bash
# TLS with identity, without root: a private ovsdb-server serving the
# cluster schema over ssl: on 127.0.0.1 with a lab PKI (ovnmig-pki).
#   - ovnmigctl connects with the admin identity given by options, by the
#     environment, or by the connection file, in that order of precedence;
#   - an ssl: remote without an identity, or half of one, or an unreadable
#     file, is refused before connecting (exit 1, the message says which);
#   - a client whose certificate another CA signed is refused, and a client
#     without a certificate too: the server's log and the client say why,
#     and the client exits 1;
#   - ovnmigd --check-config wants the three ssl-* keys for an ssl: remote,
#     checks their files, and warns once about a plain tcp: remote.
set -u
. "${top_srcdir:-.}/tests/ovnmigctl-lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl missing"; exit 77; }
pki=$top_srcdir/utilities/ovnmig-pki
ovnmigd=$top_builddir/daemon/ovnmigd

"$pki" init "$dir/pki" >/dev/null || fail "ovnmig-pki init"
"$pki" db "$dir/pki" db1 127.0.0.1 >/dev/null || fail "ovnmig-pki db"
"$pki" admin "$dir/pki" >/dev/null || fail "ovnmig-pki admin"
"$pki" node "$dir/pki" hv1 >/dev/null || fail "ovnmig-pki node"
"$pki" init "$dir/other" >/dev/null && "$pki" admin "$dir/other" >/dev/null \
    || fail "ovnmig-pki (the other CA)"
for f in admin/client-cert.pem hv1/client-cert.pem db1/server-cert.pem; do
    openssl x509 -in "$dir/pki/$f" -noout -subject | grep -q "CN = ${f%%/*}\$" \
        || fail "$f: CN is not ${f%%/*}"
done

# The same database over TLS, on a port the kernel picks.
kill "$(cat "$dir/db.pid")" && rm -f "$dir/db.pid" || fail "stop the unix server"
for i in $(seq 50); do [ -e "$dir/db.ctl" ] || break; sleep 0.1; done
ovsdb-server "$dir/db" --remote="punix:$dir/db.sock" \
    --remote="pssl:0:127.0.0.1" --private-key="$dir/pki/db1/server-key.pem" \
    --certificate="$dir/pki/db1/server-cert.pem" \
    --ca-cert="$dir/pki/db1/ca-cert.pem" --pidfile="$dir/ssl.pid" \
    --unixctl="$dir/ssl.ctl" --log-file="$dir/ssl.log" --detach --no-chdir \
    2>/dev/null || fail "ovsdb-server over ssl did not start"
trap 'kill "$(cat "$dir/ssl.pid")" 2>/dev/null; cleanup' EXIT
for i in $(seq 50); do
    port=$(sed -n 's/.*127.0.0.1: listening on port \([0-9]*\).*/\1/p' "$dir/ssl.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "no listening port in $dir/ssl.log"
R=ssl:127.0.0.1:$port
admin=("$dir/pki/admin/client-key.pem" "$dir/pki/admin/client-cert.pem"
       "$dir/pki/admin/ca-cert.pem")
unset OVNMIG_DB

# 1. Options.
run 0 "$dir/out" "$ctl" --db="$R" -p "${admin[0]}" -c "${admin[1]}" \
    -C "${admin[2]}" config set parallelMigrationsPerCluster=3
run 0 "$dir/out" "$ctl" --db "$R" --private-key "${admin[0]}" \
    --certificate "${admin[1]}" --ca-cert "${admin[2]}" config get
grep -q "parallelMigrationsPerCluster=3" "$dir/out" || fail "config get said: $(cat "$dir/out")"

# 2. Environment.
run 0 "$dir/out" env OVNMIG_DB="$R" OVNMIG_SSL_PRIVATE_KEY="${admin[0]}" \
    OVNMIG_SSL_CERTIFICATE="${admin[1]}" OVNMIG_SSL_CA_CERT="${admin[2]}" \
    "$ctl" node list

# 3. The connection file; options beat the environment, which beats it.
cat >"$dir/ctl.conf" <<EOF2
# ovnmigctl's connection
cluster-db = $R
ssl-private-key = ${admin[0]}
ssl-certificate = ${admin[1]}
ssl-ca-cert = ${admin[2]}
EOF2
run 0 "$dir/out" env OVNMIGCTL_CONF="$dir/ctl.conf" "$ctl" node list
run 0 "$dir/out" env OVNMIGCTL_CONF="$dir/ctl.conf" OVNMIG_DB="unix:$dir/none" \
    "$ctl" --db="$R" node list
run 1 "$dir/out" env OVNMIGCTL_CONF="$dir/ctl.conf" OVNMIG_DB="unix:$dir/none" \
    "$ctl" -t 1 node list
grep -q "unix:$dir/none: cannot reach" "$dir/out" || fail "the environment did not beat the file: $(cat "$dir/out")"
echo "bogus = 1" >>"$dir/ctl.conf"
run 1 "$dir/out" env OVNMIGCTL_CONF="$dir/ctl.conf" "$ctl" node list
grep -q "ctl.conf:6: unknown key \"bogus\"" "$dir/out" || fail "bad file said: $(cat "$dir/out")"
run 1 "$dir/out" env OVNMIGCTL_CONF="$dir/missing.conf" "$ctl" node list
grep -q "missing.conf: No such file" "$dir/out" || fail "missing file said: $(cat "$dir/out")"

# 4. No identity, half of one, an unreadable file: refused before connecting.
run 1 "$dir/out" "$ctl" --db="$R" node list
grep -q "an ssl: remote needs a private key" "$dir/out" || fail "no identity said: $(cat "$dir/out")"
run 1 "$dir/out" "$ctl" --db="$R" -p "${admin[0]}" -C "${admin[2]}" node list
grep -q "go together:  certificate missing" "$dir/out" || fail "half identity said: $(cat "$dir/out")"
run 1 "$dir/out" "$ctl" --db="$R" -p "$dir/nope.pem" -c "${admin[1]}" -C "${admin[2]}" node list
grep -q "private key $dir/nope.pem: No such file" "$dir/out" || fail "bad key said: $(cat "$dir/out")"
run 1 "$dir/out" "$ctl" --db="$R" -p "$dir/ctl.conf" -c "${admin[1]}" -C "${admin[2]}" node list
grep -q "ctl.conf: no PEM data" "$dir/out" || fail "not PEM said: $(cat "$dir/out")"

# 5. Another CA: refused by the server (its log says so) and by the client
#    (the server's certificate is not from the CA it trusts).
run 1 "$dir/out" "$ctl" --db="$R" -t 2 -p "$dir/other/admin/client-key.pem" \
    -c "$dir/other/admin/client-cert.pem" -C "${admin[2]}" node list
grep -q "cannot reach the cluster database.*TLS refused" "$dir/out" || fail "other CA said: $(cat "$dir/out")"
grep -q "SSL_accept: .*certificate verify failed" "$dir/ssl.log" \
    || fail "the server did not log the other CA's certificate"
run 1 "$dir/out" "$ctl" --db="$R" -t 2 -p "$dir/other/admin/client-key.pem" \
    -c "$dir/other/admin/client-cert.pem" -C "$dir/other/admin/ca-cert.pem" node list
grep -q "SSL_connect: .*certificate verify failed" "$dir/out" || fail "client trusting another CA said: $(cat "$dir/out")"

# 6. No client certificate at all: the server ends the handshake.  (Under
#    TLS 1.3 the client learns it from an alert after its own handshake
#    is done: it must still be reading then, hence the open stdin.)
rc=0
sleep 2 | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
    -CAfile "${admin[2]}" >"$dir/out" 2>&1 || rc=$?
grep -qi "alert certificate required\|handshake failure" "$dir/out" \
    || fail "no client certificate: $(cat "$dir/out")"
[ "$rc" = 1 ] || fail "no client certificate: openssl s_client exited $rc"
grep -q "peer did not return a certificate" "$dir/ssl.log" \
    || fail "the server did not log the missing certificate: $(tail -3 "$dir/ssl.log")"

# 7. ovnmigd's side: the same rules in ovnmigd.conf, and the warning.
if [ -x "$ovnmigd" ]; then
    base="node = hv1
ovn-nb = unix:/nb.sock
ovn-sb = tcp:127.0.0.1:6642
logical-switch = vmnet"
    printf '%s\ncluster-db = %s\n' "$base" "$R" >"$dir/d.conf"
    run 1 "$dir/out" "$ovnmigd" --config "$dir/d.conf" --check-config
    grep -q "cluster-db has an ssl: remote: it needs ssl-private-key" "$dir/out" \
        || fail "ovnmigd without keys said: $(cat "$dir/out")"
    printf 'ssl-private-key = %s\nssl-certificate = %s\nssl-ca-cert = %s\n' \
        "$dir/pki/hv1/nope.pem" "$dir/pki/hv1/client-cert.pem" \
        "$dir/pki/hv1/ca-cert.pem" >>"$dir/d.conf"
    run 1 "$dir/out" "$ovnmigd" --config "$dir/d.conf" --check-config
    grep -q "private key $dir/pki/hv1/nope.pem: No such file" "$dir/out" \
        || fail "ovnmigd with a missing key said: $(cat "$dir/out")"
    sed -i "s|hv1/nope.pem|hv1/client-key.pem|" "$dir/d.conf"
    run 0 "$dir/out" "$ovnmigd" --config "$dir/d.conf" --check-config
    [ "$(grep -c "plain tcp: without TLS" "$dir/out")" = 1 ] \
        && grep -q "ovn-sb=tcp:127.0.0.1:6642" "$dir/out" \
        || fail "no single warning about ovn-sb's plain tcp: $(cat "$dir/out")"
fi
echo "PASS: ovnmigctl and ovnmigd over TLS with identity"
