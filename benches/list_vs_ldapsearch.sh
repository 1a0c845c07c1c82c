#!/usr/bin/env bash
# Times `schooltech accounts list --format json` and `passwords report --format json` against a
# paged ldapsearch of the same attributes, in one run, on the same directory; prints ratios and
# peak RSS. Usage: benches/list_vs_ldapsearch.sh CONFIG [RUNS]   (CONFIG from seed_ad.sh or seed_ldap.sh)
set -euo pipefail
cfg=${1:?usage: $0 CONFIG [RUNS]}
runs=${2:-3}
st=${ST:-target/release/schooltech}
# shellcheck source=benches/flavour.sh
. "$(dirname "${BASH_SOURCE[0]}")/flavour.sh"  # url bind base pwfile ca; attrs person
# ST_FLAGS: global options for every schooltech run, e.g. ST_FLAGS=--no-mirror (a cold full read)
read -r -a stf <<<"${ST_FLAGS:-}"
now() { date +%s.%N; }
ldap() { LDAPTLS_CACERT=$ca ldapsearch -LLL -o ldif-wrap=no -x -H "$url" -D "$bind" -y "$pwfile" -b "$base" -E pr=1000/noprompt "$person" $attrs; }
count=$("$st" --config "$cfg" "${stf[@]}" accounts list --format json | grep -c '"username"')
echo "accounts: $count"
t0=$(now); for _ in $(seq "$runs"); do ldap > /dev/null; done; t1=$(now)
for _ in $(seq "$runs"); do /usr/bin/time -f %M -o /tmp/st-rss-list "$st" --config "$cfg" "${stf[@]}" accounts list --format json > /dev/null; done; t2=$(now)
for _ in $(seq "$runs"); do /usr/bin/time -f %M -o /tmp/st-rss-report "$st" --config "$cfg" "${stf[@]}" passwords report --format json --fail-on none > /dev/null; done; t3=$(now)
python3 - "$t0" "$t1" "$t2" "$t3" "$runs" <<'PY'
import sys
t0, t1, t2, t3, runs = map(float, sys.argv[1:])
ls, li, rp = (t1 - t0) / runs, (t2 - t1) / runs, (t3 - t2) / runs
print(f"ldapsearch           {ls:6.2f} s per run")
print(f"accounts list        {li:6.2f} s per run  = {li / ls:.2f}x ldapsearch")
print(f"passwords report     {rp:6.2f} s per run  = {rp / li:.2f}x accounts list")
PY
echo "peak RSS: accounts list $(( $(cat /tmp/st-rss-list) / 1024 )) MB, passwords report $(( $(cat /tmp/st-rss-report) / 1024 )) MB"
