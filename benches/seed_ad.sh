#!/usr/bin/env bash
# Seeds a Samba AD DC with N bench pupils, fast and offline, then starts it (LDAPS on its own
# loopback address) and prints how to connect. See benches/README.md.
#
#   benches/seed_ad.sh [N] [DIR] [IP]
#     N    pupils to add (default 20000)
#     DIR  Samba dir: used as is if DIR/etc/smb.conf exists (it must not be running), else a
#          domain is provisioned there (default /tmp/schooltech-bench/samba)
#     IP   loopback address to serve on (default 127.0.1.251: outside the test harness's
#          127.0.1.2-250 and the acceptance checks' 127.0.0.9)
#   ADMIN_PASSWORD  the domain's Administrator password (default 'Adm1n!Bench#Pass'; for an
#                   existing DIR, give the one it was provisioned with)
#   BENCH_PASSWORD  password of every bench pupil (default 'Bench!Pupil#2026')
set -euo pipefail

N=${1:-20000}
DIR=${2:-/tmp/schooltech-bench/samba}
IP=${3:-127.0.1.251}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-'Adm1n!Bench#Pass'}
BENCH_PASSWORD=${BENCH_PASSWORD:-'Bench!Pupil#2026'}
BASE='DC=school,DC=test'
BIND="CN=Administrator,CN=Users,$BASE"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf '%s\n' "$*" >&2; }
die() { say "seed_ad: $*"; exit 1; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}s')" "$1" "$(now)"; }

[[ $N =~ ^[0-9]+$ ]] || die "N must be a number, not '$N'"
[[ $IP =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "IP must be a loopback address, not '$IP'"
for tool in samba samba-tool ldbadd ldbmodify ldbsearch ldapsearch openssl python3; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps.sh)"
done
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
SAM="$DIR/private/sam.ldb"

if [ -f "$DIR/pid/samba.pid" ] && kill -0 "$(cat "$DIR/pid/samba.pid")" 2>/dev/null; then
  die "samba is running on $DIR (pid $(cat "$DIR/pid/samba.pid")): stop it first"
fi

if [ ! -f "$DIR/etc/smb.conf" ]; then
  [ -z "$(ls -A "$DIR")" ] || die "$DIR is neither empty nor a Samba dir"
  say "provisioning a domain in $DIR ..."
  t=$(now)
  samba-tool domain provision --targetdir="$DIR" --realm=SCHOOL.TEST --domain=SCHOOL \
    --server-role=dc --dns-backend=NONE --use-rfc2307 --adminpass="$ADMIN_PASSWORD" \
    --host-name=dc1 --option="interfaces=$IP/8" --option="bind interfaces only=yes" \
    >"$DIR/provision.log" 2>&1 || die "provision failed, see $DIR/provision.log"
  say "provisioned in $(secs "$t")"
fi

# Generate the LDIF: only the OUs/groups that are missing, then the pupils and memberships.
work="$DIR/bench"
mkdir -p "$work"
ldbsearch -H "$SAM" -b "$BASE" '(|(objectClass=organizationalUnit)(objectClass=group))' dn 2>/dev/null \
  | sed -n 's/^dn: //p' >"$work/existing.txt"
t=$(now)
python3 "$HERE/gen_users.py" "$N" "$BENCH_PASSWORD" "$work/existing.txt" "$work/seed" "$BASE"
say "generated LDIF for $N pupils in $(secs "$t")"

# batch_mode: no per-entry sub-transaction (about 6x faster); bypass_password_hash (the
# 1.3.6.1.4.1.7165.4.3.12 control) stores the precomputed NT hash instead of deriving Kerberos
# keys per user (about 25 ms each); relax lets pwdLastSet be set to now. LDAP simple binds work
# (NTLM hash); Kerberos logons of bench pupils would not.
LDB_FAST=(--nosync -o batch_mode:1 -o transaction_index_cache_size:200000)
t=$(now)
if grep -q '^dn' "$work/seed-structure.ldif"; then
  ldbadd "${LDB_FAST[@]}" -H "$SAM" "$work/seed-structure.ldif" >"$work/structure.log" 2>&1 \
    || die "adding OUs/groups failed, see $work/structure.log"
  grep -q '^ERR' "$work/structure.log" && die "adding OUs/groups failed, see $work/structure.log"
fi
ldbadd "${LDB_FAST[@]}" --controls=local_oid:1.3.6.1.4.1.7165.4.3.12:0 --controls=relax:0 \
  -H "$SAM" "$work/seed-users.ldif" >"$work/users.log" 2>&1 \
  || die "adding pupils failed, see $work/users.log"
# ldbadd can report an error and still exit 0
grep -q "^Added $N records successfully" "$work/users.log" \
  || die "adding pupils failed (bench pupils there already? use a fresh DIR): $(grep -m1 '^ERR' "$work/users.log")"
say "added $N pupils in $(secs "$t")"
t=$(now)
ldbmodify "${LDB_FAST[@]}" -H "$SAM" "$work/seed-members.ldif" >"$work/members.log" 2>&1 \
  || die "adding group members failed, see $work/members.log"
grep -q '^ERR' "$work/members.log" && die "adding group members failed, see $work/members.log"
say "added group memberships in $(secs "$t")"

# TLS: a CA and a certificate for $IP / dc1.school.test, so clients can verify (ca_cert).
tls="$DIR/tls"
mkdir -p "$tls"
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${EC[@]}" -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 3650 \
  -subj "/O=schooltech bench/CN=schooltech bench CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req "${EC[@]}" -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=dc1.school.test" 2>/dev/null
printf 'subjectAltName=IP:%s,DNS:dc1.school.test\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' "$IP" >"$tls/server.ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -set_serial 2 \
  -days 3650 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
chmod 600 "$tls/ca.key" "$tls/server.key"

# smb.conf: our address, LDAP only, our certificate, logs and pid here.
python3 - "$DIR" "$IP" <<'PY'
import sys
d, ip = sys.argv[1], sys.argv[2]
p = f"{d}/etc/smb.conf"
ours = {"interfaces": f"{ip}/8", "bind interfaces only": "yes", "server services": "ldap",
        "log file": f"{d}/log.samba", "pid directory": f"{d}/pid", "tls enabled": "yes",
        "tls keyfile": f"{d}/tls/server.key", "tls certfile": f"{d}/tls/server.pem",
        "tls cafile": f"{d}/tls/ca.pem"}
out = []
for line in open(p, encoding="utf-8").read().splitlines():
    key = line.split("=")[0].strip().lower()
    if "=" in line and (key in ours or key.startswith("tls ")):
        continue
    out.append(line)
    if line.strip() == "[global]":
        out += [f"\t{k} = {v}" for k, v in ours.items()]
open(p, "w", encoding="utf-8").write("\n".join(out) + "\n")
PY

mkdir -p "$DIR/pid"
t=$(now)
samba -s "$DIR/etc/smb.conf" -D >"$DIR/samba.out" 2>&1 || die "samba did not start, see $DIR/log.samba"
URL="ldaps://$IP:636"
pwfile="$DIR/bindpw"
printf '%s' "$ADMIN_PASSWORD" >"$pwfile"
chmod 600 "$pwfile"
ok=
for _ in $(seq 300); do
  if LDAPTLS_CACERT="$tls/ca.pem" LDAPTLS_REQCERT=demand ldapsearch -x -H "$URL" -D "$BIND" -y "$pwfile" \
    -b "$BASE" -s base 1.1 >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.2
done
[ -n "$ok" ] || die "samba not answering on $URL (wrong ADMIN_PASSWORD?); log: $DIR/log.samba"
say "samba up in $(secs "$t")"

cat >"$DIR/schooltech.toml" <<TOML
[school]
name = "Bench Academy"

[directory]
url = "$URL"
flavour = "active-directory"
bind_dn = "$BIND"
bind_password_file = "$pwfile"
base_dn = "$BASE"
ca_cert = "$tls/ca.pem"
tls_verify = true
mis_id_attribute = "employeeID"

[store]
path = "$DIR/schooltech.db"
TOML

cat <<EOF
url:            $URL
base_dn:        $BASE
bind_dn:        $BIND
bind password:  in $pwfile
ca_cert:        $tls/ca.pem
pupils:         $N added (employeeID B000000.., password in BENCH_PASSWORD, default 'Bench!Pupil#2026')
config:         $DIR/schooltech.toml
try:            LDAPTLS_CACERT=$tls/ca.pem ldapsearch -x -H $URL -D '$BIND' -y $pwfile -b '$BASE' -E pr=1000/noprompt '(employeeID=B000042)'
stop:           kill \$(cat $DIR/pid/samba.pid)
EOF
