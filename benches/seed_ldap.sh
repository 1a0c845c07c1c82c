#!/usr/bin/env bash
# Makes a standalone OpenLDAP slapd (slapd.conf, back-mdb, ppolicy + memberof overlays) with N
# bench pupils loaded offline with `slapadd -q`, starts it (LDAP 389 + LDAPS 636 on its own
# loopback address, a CA and server certificate made here) and prints how to connect.
# See benches/README.md.
#
#   benches/seed_ldap.sh [N] [DIR] [IP]       (as root)
#     N    pupils to add (default 20000)
#     DIR  must be empty or not exist (default /tmp/schooltech-bench/slapd): to reseed, stop the
#          slapd and use a fresh DIR
#     IP   loopback address to serve on (default 127.0.1.253: outside the test harness's
#          127.0.1.2-250, the acceptance checks' 127.0.0.9 and seed_ad.sh's 127.0.1.251)
#   ADMIN_PASSWORD  the rootdn's password (default 'Adm1n!Bench#Pass')
#   BENCH_PASSWORD  password of every bench pupil (default 'Bench!Pupil#2026')
#   SYNCPROV=1      also load the syncprov overlay (keeps the suffix's contextCSN, as on a
#                   replicated server); default off, like the test harness's slapd
set -euo pipefail

N=${1:-20000}
DIR=${2:-/tmp/schooltech-bench/slapd}
IP=${3:-127.0.1.253}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-'Adm1n!Bench#Pass'}
BENCH_PASSWORD=${BENCH_PASSWORD:-'Bench!Pupil#2026'}
SYNCPROV=${SYNCPROV:-0}
BASE='dc=school,dc=test'
BIND="cn=admin,$BASE"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf '%s\n' "$*" >&2; }
die() { say "seed_ldap: $*"; exit 1; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}s')" "$1" "$(now)"; }

[[ $N =~ ^[0-9]+$ ]] || die "N must be a number, not '$N'"
[[ $IP =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "IP must be a loopback address, not '$IP'"
for tool in slapd slapadd slaptest slappasswd ldapsearch openssl python3; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install slapd ldap-utils)"
done
[ "$(id -u)" = 0 ] || die "run as root (slapd binds ports 389 and 636)"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty: use a fresh DIR (stop its slapd first: kill \$(cat $DIR/slapd.pid))"
if (exec 3<>"/dev/tcp/$IP/389") 2>/dev/null; then die "something already listens on $IP:389"; fi

# TLS: a CA and a certificate for $IP / ldap1.school.test, so clients can verify (ca_cert).
tls="$DIR/tls"
mkdir -p "$tls" "$DIR/db" "$DIR/bench"
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${EC[@]}" -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 3650 \
  -subj "/O=schooltech bench/CN=schooltech bench CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req "${EC[@]}" -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=ldap1.school.test" 2>/dev/null
printf 'subjectAltName=IP:%s,DNS:ldap1.school.test\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' "$IP" >"$tls/server.ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -set_serial 2 \
  -days 3650 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
chmod 600 "$tls/ca.key" "$tls/server.key"

pwfile="$DIR/bindpw"
printf '%s' "$ADMIN_PASSWORD" >"$pwfile"
chmod 600 "$pwfile"
rootpw=$(slappasswd -T "$pwfile" -h '{SSHA}')

# slapd.conf as tests/support/slapd.rs writes it (schemas, back-mdb, ppolicy with the same
# options, the same indexes and ACLs), plus: memberof (memberOf kept on pupils; slapadd does not
# run overlays, so gen_ldap_users.py writes the values itself), entryCSN/entryUUID/member
# indexes (the usual production set: the mirror's delta searches entryCSN>=), TLS, a larger map.
syncprov_load='' syncprov_overlay=''
if [ "$SYNCPROV" = 1 ]; then
  syncprov_load='moduleload syncprov'
  syncprov_overlay=$'overlay syncprov\nsyncprov-checkpoint 100 10'
fi
cat >"$DIR/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
moduleload memberof
$syncprov_load
pidfile $DIR/slapd.pid
argsfile $DIR/slapd.args
password-hash {SSHA}
sizelimit unlimited
TLSCACertificateFile $tls/ca.pem
TLSCertificateFile $tls/server.pem
TLSCertificateKeyFile $tls/server.key

database mdb
suffix "$BASE"
rootdn "$BIND"
rootpw $rootpw
directory $DIR/db
maxsize 4294967296
index objectClass eq
index uid,cn,sn,givenName,displayName,employeeNumber eq,sub
index entryCSN,entryUUID eq
index member,memberOf eq

overlay ppolicy
ppolicy_default "cn=default,ou=Policies,$BASE"
ppolicy_use_lockout
ppolicy_hash_cleartext

overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
$syncprov_overlay

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by * read
CONF
slaptest -u -f "$DIR/slapd.conf" >"$DIR/bench/slaptest.log" 2>&1 || die "slapd.conf rejected: $(cat "$DIR/bench/slaptest.log")"

t=$(now)
python3 -B "$HERE/gen_ldap_users.py" "$N" "$BENCH_PASSWORD" "$DIR/bench/seed.ldif" "$BASE"
say "generated LDIF for $N pupils in $(secs "$t")"
t=$(now)
slapadd -q -f "$DIR/slapd.conf" -l "$DIR/bench/seed.ldif" >"$DIR/bench/slapadd.log" 2>&1 \
  || die "slapadd failed, see $DIR/bench/slapadd.log"
say "loaded with slapadd -q in $(secs "$t")"

# slapd forks into the background (no -d), so it outlives this script.
t=$(now)
slapd -f "$DIR/slapd.conf" -h "ldap://$IP:389/ ldaps://$IP:636/" >"$DIR/slapd.out" 2>&1 \
  || die "slapd did not start: $(cat "$DIR/slapd.out")"
URL="ldaps://$IP:636"
ok=
for _ in $(seq 300); do
  if LDAPTLS_CACERT="$tls/ca.pem" LDAPTLS_REQCERT=demand ldapsearch -x -H "$URL" -D "$BIND" -y "$pwfile" \
    -b "$BASE" -s base 1.1 >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.1
done
[ -n "$ok" ] || die "slapd not answering on $URL; see $DIR/slapd.out (or run slapd -d 1 -f $DIR/slapd.conf)"
say "slapd up in $(secs "$t") (pid $(cat "$DIR/slapd.pid"))"

cat >"$DIR/schooltech.toml" <<TOML
[school]
name = "Bench Academy"

[directory]
url = "$URL"
flavour = "openldap"
bind_dn = "$BIND"
bind_password_file = "$pwfile"
base_dn = "$BASE"
ca_cert = "$tls/ca.pem"
tls_verify = true
mis_id_attribute = "employeeNumber"

[store]
path = "$DIR/schooltech.db"
TOML

cat <<EOF
url:            $URL  (and ldap://$IP:389)
base_dn:        $BASE
bind_dn:        $BIND
bind password:  in $pwfile
ca_cert:        $tls/ca.pem
pupils:         $N added (uid e.g. harry.hughes0, employeeNumber B000000.., password in BENCH_PASSWORD, default 'Bench!Pupil#2026')
config:         $DIR/schooltech.toml
db on disk:     $(du -sh "$DIR/db" | cut -f1)
try:            LDAPTLS_CACERT=$tls/ca.pem ldapsearch -x -H $URL -D '$BIND' -y $pwfile -b '$BASE' -E pr=1000/noprompt '(employeeNumber=B000042)'
stop:           kill \$(cat $DIR/slapd.pid)
EOF
