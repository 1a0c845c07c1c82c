#!/usr/bin/env bash
# TUI launch to first rows: starts `schooltech --config CONFIG` in a detached tmux session at
# 100x30, polls the screen (`tmux capture-pane -p`) every ~20 ms until a row naming one of the
# directory's bench pupils appears, prints the seconds from launch, then quits (`q`) and kills
# the session. Works on any flavour (seed_ad.sh or seed_ldap.sh configs).
# Usage: benches/tui_first_rows.sh CONFIG [RUNS] [USERNAME...]
#   RUNS      launches to time (default 1)
#   USERNAME  usernames to wait for (default: every bench pupil's, found with ldapsearch; at
#             least one of them is on the first screen whatever the sort)
#   ST        the binary (default target/release/schooltech); ST_FLAGS extra global options,
#             e.g. ST_FLAGS=--no-mirror; TIMEOUT seconds to wait for rows (default 120)
# For a warm-mirror figure, run `schooltech --config CONFIG accounts list` once first.
set -euo pipefail
cfg=${1:?usage: $0 CONFIG [RUNS] [USERNAME...]}
runs=${2:-1}
shift $(( $# >= 2 ? 2 : 1 ))
st=${ST:-target/release/schooltech}
timeout=${TIMEOUT:-120}
cfg=$(cd "$(dirname "$cfg")" && pwd)/$(basename "$cfg")
st=$(command -v "$st" || true)
[ -x "$st" ] || { echo "tui_first_rows: no schooltech binary (set ST)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "tui_first_rows: tmux not found" >&2; exit 2; }
# shellcheck source=benches/flavour.sh
. "$(dirname "${BASH_SOURCE[0]}")/flavour.sh"  # url bind base pwfile ca bench_filter user_attr
names=$(mktemp /tmp/schooltech-tui-names.XXXXXX)
trap 'rm -f "$names"' EXIT
if [ $# -gt 0 ]; then
  printf '%s\n' "$@" >"$names"
else
  LDAPTLS_CACERT=$ca ldapsearch -LLL -o ldif-wrap=no -x -H "$url" -D "$bind" -y "$pwfile" -b "$base" \
    -E pr=1000/noprompt "$bench_filter" "$user_attr" | sed -n "s/^$user_attr: //Ip" >"$names"
fi
[ -s "$names" ] || { echo "tui_first_rows: no usernames to wait for" >&2; exit 2; }
# A username wider than its column is cut short on screen: wait for its first 12 characters.
sed -i 's/^\(.\{12\}\).*/\1/' "$names"
us() { echo "${EPOCHREALTIME//[.,]/}"; }  # microseconds, no process spawned
# shellcheck disable=SC2086  # ST_FLAGS is a list of options
cmd=$(printf '%q ' "$st" --config "$cfg" ${ST_FLAGS:-})
for run in $(seq "$runs"); do
  s="st-first-rows-$$-$run"
  t0=$(us)
  tmux new-session -d -s "$s" -x 100 -y 30 "$cmd; sleep 30"
  found=
  while :; do
    if tmux capture-pane -p -t "$s" 2>/dev/null | grep -qF -f "$names"; then found=1; break; fi
    (( $(us) - t0 < timeout * 1000000 )) || break
    sleep 0.02
  done
  t1=$(us)
  if [ -n "$found" ]; then
    printf 'run %s: first rows after %d.%03d s\n' "$run" $(( (t1 - t0) / 1000000 )) $(( (t1 - t0) / 1000 % 1000 ))
  else
    echo "run $run: no rows after ${timeout} s; the screen was:"; tmux capture-pane -p -t "$s" || true
  fi
  tmux send-keys -t "$s" q 2>/dev/null || true
  sleep 0.5
  tmux kill-session -t "$s" 2>/dev/null || true
  [ -n "$found" ] || exit 1
done
