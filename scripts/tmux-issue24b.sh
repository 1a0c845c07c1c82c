#!/usr/bin/env bash
# Issue 24 (items 5, 6, 11) end to end in a real terminal (tmux) on the demo, at the size given:
#  5. one answer for a password's expiry: jmcallister's expiry is the same day in
#     `accounts show --format json`, the Accounts details and the Passwords tab, and the policy
#     apply keeps the directory's stricter 42 days (nothing loosened), listing what it changes;
#  6. a page's address needs the page-or-site choice, and the request is confirmed before it is
#     recorded (scope and expiry shown);
# 11. audit scan mode: noise is refused with a beep, Tab ends a scan.
#
# Usage: scripts/tmux-issue24b.sh path/to/schooltech WIDTH HEIGHT
set -u
ST=$1; W=${2:-100}; H=${3:-30}
ST=$(cd "$(dirname "$ST")" && pwd)/$(basename "$ST")
[ -x "$ST" ] || { echo "no binary at $ST"; exit 2; }
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 2; }

S=schooltech-i24b-$$
OUT=$(mktemp -d)
trap 'tmux kill-session -t "$S" 2>/dev/null; rm -rf "$OUT"' EXIT

cap() { tmux capture-pane -p -t "$S" >"$OUT/pane.txt"; }
waitfor() { # text [tries]
  for _ in $(seq "${2:-50}"); do
    cap
    grep -qF -- "$1" "$OUT/pane.txt" && return 0
    sleep 0.1
  done
  return 1
}
step() { echo "ok   ${W}x${H} $*"; }
fail() {
  echo "FAIL ${W}x${H} $*"
  echo "---- screen ----"
  cat "$OUT/pane.txt"
  echo "----------------"
  exit 1
}
keys() { tmux send-keys -t "$S" "$@"; sleep 0.2; }

exp=$("$ST" --demo accounts show jmcallister --format json 2>/dev/null | python3 -c '
import json,sys,datetime
d=json.load(sys.stdin)
t=d["password_expiry"]["expires_on"]
print(datetime.datetime.fromisoformat(t.replace("Z","+00:00")).strftime("%-d %b %Y"))
print(d["password_expiry"]["expiry_from"])')
day=$(echo "$exp" | head -n1); from=$(echo "$exp" | tail -n1)
[ -n "$day" ] || fail "accounts show gives no expiry for jmcallister"
[ "$from" = directory ] || fail "jmcallister's expiry should come from the directory's 42 days, not $from"
"$ST" --demo passwords report --format json --fail-on none 2>/dev/null | python3 -c "
import json,sys,datetime
r=[x for x in json.load(sys.stdin) if x['username']=='jmcallister'][0]
t=datetime.datetime.fromisoformat(r['expires_on'].replace('Z','+00:00')).strftime('%-d %b %Y')
sys.exit(0 if t=='$day' else 1)" || fail "passwords report disagrees with accounts show ($day)"
step "CLI: accounts show and passwords report both say $day"

tmux new-session -d -s "$S" -x "$W" -y "$H" "env -i PATH=/usr/bin:/bin HOME=$OUT TERM=xterm-256color USER=tech bash --norc --noprofile"
sleep 0.3
keys "PS1='shell\$ '" Enter
keys "$ST --demo; echo EXIT=\$?" Enter
waitfor "Accounts" 80 || fail "the Accounts tab did not open"
waitfor " shown" 80 || fail "accounts were not listed"

keys /
keys -l jmcallister
keys Enter
keys Enter
waitfor "Pw expires" 50 || fail "the details do not show Pw expires"
grep -F "Pw expires" "$OUT/pane.txt" | grep -qF "$day" || fail "the Accounts details do not say $day"
grep -qF "$day (expired)" "$OUT/pane.txt" || grep -qF "$day (in" "$OUT/pane.txt" || fail "no state beside $day"
step "Accounts details: Pw expires $day"
keys Escape
keys Escape

keys 2
waitfor "Summary as of" 80 || fail "the Passwords tab did not open"
keys /
keys -l jmcallister
keys Enter
waitfor "jmcallister" 50 || fail "the Passwords tab does not list jmcallister"
grep -F "jmcallister" "$OUT/pane.txt" | grep -qF "$day" || fail "the Passwords tab row does not say $day"
step "Passwords tab: $day"
keys Escape

keys p
waitfor "School's rules" 80 || fail "p does not open the policy panel"
keys a
sleep 1
cap
grep -qF "42 days → 90" "$OUT/pane.txt" && fail "apply would loosen the directory's 42 days"
if grep -qF "Apply the password policy?" "$OUT/pane.txt"; then
  grep -qF "Because:" "$OUT/pane.txt" || fail "the apply does not list what it changes under Because:"
  keys n
  keys Escape
fi
step "policy apply keeps the stricter 42 days"

# 6. Filtering: a page's address needs the choice; the request is confirmed before recording.
keys 6
waitfor "Filtering]" 80 || waitfor "shown" 80 || fail "the Filtering tab did not open"
keys n
waitfor "New filter request" 50 || fail "n does not open a new request"
keys -l jsmith
keys Tab
keys -l "https://www.YouTube.com/watch?v=x"
# The reason too: an empty field would be listed first (every problem at once).
keys Tab
keys -l "KS3 media studies"
keys Enter
waitfor "is the address of" 50 || fail "a page's address is not refused without the page-or-site choice"
step "filter request: a page's address needs the page-or-site choice"
keys Tab; keys Tab; keys Tab; keys Tab
keys Right
keys Enter
waitfor "Record this filter request?" 50 || fail "the request is not shown for confirmation"
grep -qF "only (not the rest of the site)" "$OUT/pane.txt" || fail "the confirmation does not say it is the page only"
grep -qF "permanent" "$OUT/pane.txt" || fail "the confirmation does not say its expiry"
keys Enter
sleep 0.5; cap
grep -qF "Record this filter request?" "$OUT/pane.txt" || grep -qF "recorded #" "$OUT/pane.txt" || fail "the confirmation vanished without y or recording"
keys y
waitfor "recorded #" 50 || fail "y did not record the request"
step "filter request: confirmed with y, recorded as the page"

# 11. Audit scan mode: rooms from the register; noise refused; Tab ends a scan.
keys 5
waitfor "Inventory]" 80 || fail "the Inventory tab did not open"
keys a
waitfor "Audit scan mode" 50 || fail "a does not open scan mode"
waitfor "(no room)" 20 || fail "the Room is not a choice from the register's rooms"
keys Right
keys Enter
waitfor "scanned" 50 || waitfor "Scan" 50 || fail "scan mode did not start"
keys -l "]C1 noise!"
keys Enter
waitfor "not an asset tag" 50 || fail "noise is not refused"
step "scan mode: noise refused"
keys -l "DA-TAB-001"
keys Tab
waitfor "DA-TAB-001" 50 || fail "a Tab-ended scan is not recorded"
step "scan mode: Tab ends a scan"
keys Escape

keys q
waitfor "EXIT=0" 50 || fail "q did not quit with status 0"
step "quits"
echo "all steps passed"
