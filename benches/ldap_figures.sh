#!/usr/bin/env bash
# All the issue-14 figures against a fresh slapd of N pupils, in one run: seeds it
# (seed_ldap.sh), then cold `accounts list`/`passwords report` vs ldapsearch
# (list_vs_ldapsearch.sh with --no-mirror), the mirror (mirror.sh), bulk creation twice
# (bulk_create.sh), the TUI's first rows warm (3 runs) and with --no-mirror (1 run)
# (tui_first_rows.sh), and stops the slapd.
# Usage: benches/ldap_figures.sh N DIR [IP] [RUNS]   (as root; DIR must be empty or absent;
#   IP default 127.0.1.253; RUNS default 3; ST = the schooltech binary)
set -euo pipefail
n=${1:?usage: $0 N DIR [IP] [RUNS]}
dir=${2:?usage: $0 N DIR [IP] [RUNS]}
ip=${3:-127.0.1.253}
runs=${4:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
st=${ST:-target/release/schooltech}
export ST=$st
"$here/seed_ldap.sh" "$n" "$dir" "$ip"
cfg=$dir/schooltech.toml
trap 'kill "$(cat "$dir/slapd.pid")" 2>/dev/null || true' EXIT
echo "== $n pupils: cold accounts list / passwords report vs ldapsearch ($runs runs each)"
ST_FLAGS=--no-mirror "$here/list_vs_ldapsearch.sh" "$cfg" "$runs"
echo "== the mirror"
"$here/mirror.sh" "$cfg" "$runs"
for round in 1 2; do
  echo "== bulk creation of 200, round $round"
  out=$("$here/bulk_create.sh" "$cfg" 200)
  printf '%s\n' "$out" | grep -v '^work files'
  # its work dir holds handout sheets with temporary passwords: delete it (only that one)
  work=$(printf '%s\n' "$out" | sed -n 's/^work files .* in \(\/tmp\/schooltech-bulk\.[A-Za-z0-9]*\);.*/\1/p')
  [ -n "$work" ] && rm -rf -- "$work"
done
echo "== TUI first rows, warm mirror"
"$st" --config "$cfg" accounts list --format json >/dev/null
"$here/tui_first_rows.sh" "$cfg" "$runs"
echo "== TUI first rows, --no-mirror"
ST_FLAGS=--no-mirror "$here/tui_first_rows.sh" "$cfg" 1
echo "== db on disk: $(du -sh "$dir/db" | cut -f1)"
