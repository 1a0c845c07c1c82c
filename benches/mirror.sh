#!/usr/bin/env bash
# The local mirror on a big Samba AD (benches/seed_ad.sh) or slapd (benches/seed_ldap.sh), in one
# run: warm `accounts list` vs a paged ldapsearch of the same attributes; a delta refresh with
# nothing changed and with 200 changed accounts vs a full read; the mirror's size on disk and
# peak RSS.
# Usage: benches/mirror.sh CONFIG [RUNS]   (CONFIG from seed_ad.sh or seed_ldap.sh; it changes the
# description of 200 pupils, and uses the store that CONFIG names)
set -euo pipefail
cfg=${1:?usage: $0 CONFIG [RUNS]}
runs=${2:-3}
st=${ST:-target/release/schooltech}
# shellcheck source=benches/flavour.sh
. "$(dirname "${BASH_SOURCE[0]}")/flavour.sh"  # url bind base pwfile ca; attrs person bench_filter
store=$(sed -n '/^\[store\]/,/^\[/s/^path *= *"\(.*\)"/\1/p' "$cfg" | head -n1)
store=${store:-$(dirname "$cfg")/schooltech.db}
now() { date +%s.%N; }
ldap() { LDAPTLS_CACERT=$ca ldapsearch -LLL -o ldif-wrap=no -x -H "$url" -D "$bind" -y "$pwfile" -b "$base" -E pr=1000/noprompt "$@"; }
per() { python3 -c "import sys; print(f'{(float(sys.argv[2]) - float(sys.argv[1])) / float(sys.argv[3]):.3f}')" "$@"; }
timed() { # timed NAME RUNS CMD...: seconds per run, peak RSS of the last run in /tmp/mirror-rss-NAME
  local name=$1 n=$2; shift 2
  local a b; a=$(now)
  for _ in $(seq "$n"); do /usr/bin/time -f %M -o "/tmp/mirror-rss-$name" "$@" > /dev/null; done
  b=$(now); per "$a" "$b" "$n"
}
store_size() {
  python3 - "$store" <<'PY'
import sqlite3, sys, os
c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
rows = c.execute("SELECT count(*), coalesce(sum(length(id)+length(kind)+length(dn)+length(stamp)+length(attrs)), 0) FROM mirror_entries").fetchone()
print(rows[0], rows[1], os.path.getsize(sys.argv[1]))
PY
}

echo "accounts: $("$st" --config "$cfg" --no-mirror accounts list --format json | grep -c '"username"')"
# The first read through the mirror builds it (a full read plus writing the mirror).
build=$(timed build 1 "$st" --config "$cfg" accounts list --format json)
read -r entries bytes file <<<"$(store_size)"

ls_t=$(timed ldapsearch "$runs" env LDAPTLS_CACERT="$ca" ldapsearch -LLL -o ldif-wrap=no -x -H "$url" -D "$bind" -y "$pwfile" -b "$base" -E pr=1000/noprompt "$person" $attrs)
full_t=$(timed full "$runs" "$st" --config "$cfg" --no-mirror accounts list --format json)
warm_t=$(timed warm "$runs" "$st" --config "$cfg" accounts list --format json)
# The delta alone: `changes` refreshes the mirror and lists what it recorded.
delta0_t=$(timed delta0 "$runs" "$st" --config "$cfg" changes --format json)

# 200 pupils changed behind schooltech's back.
dns=$(ldap "$bench_filter" 1.1 | sed -n 's/^dn: //p' | awk 'NR <= 200')
stamp=$(date +%s)
ldif=$(while IFS= read -r dn; do printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: bench %s\n\n' "$dn" "$stamp"; done <<<"$dns")
LDAPTLS_CACERT=$ca ldapmodify -x -H "$url" -D "$bind" -y "$pwfile" <<<"$ldif" > /dev/null
a=$(now); found=$("$st" --config "$cfg" changes --since 2000-01-01 --format json | grep -c "bench $stamp" || true); b=$(now)
delta200_t=$(per "$a" "$b" 1)
warm200=$(timed warm200 1 "$st" --config "$cfg" accounts list --format json)

python3 - "$ls_t" "$full_t" "$warm_t" "$delta0_t" "$delta200_t" "$build" "$found" "$warm200" <<'PY'
import sys
ls, full, warm, d0, d200, build, found, warm200 = sys.argv[1:]
ls, full, warm, d0, d200, build, warm200 = map(float, (ls, full, warm, d0, d200, build, warm200))
print(f"ldapsearch (paged, same attributes)     {ls:6.2f} s")
print(f"full read (--no-mirror accounts list)   {full:6.2f} s  = {full / ls:.2f}x ldapsearch")
print(f"first read building the mirror          {build:6.2f} s  = {build / full:.2f}x a full read")
print(f"warm accounts list (mirror + delta)     {warm:6.2f} s  = {warm / ls:.2f}x ldapsearch")
print(f"delta refresh, nothing changed          {d0:6.2f} s  = {d0 / full * 100:.1f}% of a full read")
print(f"delta refresh, 200 changed ({found} found)  {d200:6.2f} s  = {d200 / full * 100:.1f}% of a full read")
print(f"accounts list right after those 200     {warm200:6.2f} s  = {warm200 / ls:.2f}x ldapsearch")
PY
mb() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1048576:.1f}')" "$1"; }
echo "mirror: $entries entries, $(mb "$bytes") MB of rows, store file $(mb "$file") MB"
echo "peak RSS: full read $(( $(cat /tmp/mirror-rss-full) / 1024 )) MB, warm list $(( $(cat /tmp/mirror-rss-warm) / 1024 )) MB, delta $(( $(cat /tmp/mirror-rss-delta0) / 1024 )) MB, build $(( $(cat /tmp/mirror-rss-build) / 1024 )) MB"
