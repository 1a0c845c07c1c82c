#!/usr/bin/env bash
# End-to-end run of the full-screen program in a real terminal (tmux), as a technician over SSH
# would use it: start `--demo` at 80x24, search a pupil with /, reset the password, see the
# entry on the Log tab, quit, and check the shell works again. Then the same shell survives a
# SIGTERM sent to the running program (as when an SSH session drops).
#
# Usage: scripts/tmux-e2e.sh [path/to/schooltech]   (default: target/release/schooltech)
# Exit status 0 when every step passed; the failing step and the screen are printed otherwise.
set -u
ST=${1:-${CARGO_TARGET_DIR:-target}/release/schooltech}
ST=$(cd "$(dirname "$ST")" && pwd)/$(basename "$ST")
[ -x "$ST" ] || { echo "no binary at $ST"; exit 2; }
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 2; }

S=schooltech-e2e-$$
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
step() { echo "ok   $*"; }
fail() {
  echo "FAIL $*"
  echo "---- screen ----"
  cat "$OUT/pane.txt"
  echo "----------------"
  exit 1
}
keys() { tmux send-keys -t "$S" "$@"; sleep 0.15; }

pupil=$("$ST" --demo accounts list --role pupil --format csv 2>/dev/null | tail -n +2 | cut -d, -f1 | sort | tail -n 1)
[ -n "$pupil" ] || fail "could not list the demo pupils"

# A plain shell in an 80x24 terminal; the program runs inside it.
tmux new-session -d -s "$S" -x 80 -y 24 "env -i PATH=/usr/bin:/bin HOME=$OUT TERM=xterm-256color USER=tech bash --norc --noprofile"
sleep 0.3
keys "PS1='shell\$ '" Enter
keys "$ST --demo; echo EXIT=\$?" Enter

waitfor "Accounts" 80 || fail "the Accounts tab did not open"
waitfor "of 727 shown" 80 || waitfor " shown" 80 || fail "accounts were not listed"
step "opens on Accounts at 80x24"

keys /
keys -l "$pupil"
waitfor "Search: $pupil" || fail "search box did not take '$pupil'"
waitfor "  $pupil " || fail "search did not show $pupil"
step "/ finds the pupil $pupil"
keys Enter

keys p
waitfor "Reset password: $pupil" || fail "reset-password dialog did not open"
keys Enter
waitfor "Temporary password:" 80 || fail "the generated password was not shown"
grep -qF "$pupil" "$OUT/pane.txt" || fail "the one-time display does not name $pupil"
step "password reset, shown once"
keys Escape
waitfor "press n once" || fail "Esc closed the shown-once password (only n, noted, may)"
keys n
waitfor "password reset" || fail "the status bar does not say the password was reset"
cap
grep -q "Temporary password:" "$OUT/pane.txt" && fail "the password is still on screen after closing"

keys 3
waitfor "password.reset" 80 || fail "the Log tab does not show password.reset"
grep -F "password.reset" "$OUT/pane.txt" | grep -qF "$pupil" || fail "the log row is not about $pupil"
grep -q "Chain: ok" "$OUT/pane.txt" || fail "the log chain is not reported whole"
step "Log tab shows the reset, chain ok"

keys 2
waitfor "Summary as of" 80 || fail "the Passwords tab does not show the report's summary"
waitfor "must-change" 80 || fail "the Passwords tab does not show statuses as words"
keys p
waitfor "School's rules" 80 || fail "p does not open the directory policy panel"
keys c
waitfor "Shared credentials" 80 || fail "c does not open the shared credentials panel"
keys c
waitfor "Summary as of" || fail "c does not go back to the report"
step "Passwords tab: report, policy panel, credentials panel"

keys q
waitfor "EXIT=0" 50 || fail "q did not quit with status 0"
keys "echo ALIVE" Enter
waitfor "ALIVE" || fail "the shell does not echo after quitting"
grep -q "^ALIVE" "$OUT/pane.txt" || fail "the shell output is not at the line start (terminal not restored)"
step "q quits with 0, the shell works"

# A dropped session: SIGTERM to the running program restores the terminal too.
keys "clear" Enter
keys "$ST --demo; echo EXIT=\$?" Enter
waitfor "Accounts" 80 || fail "the program did not start again"
shell_pid=$(tmux list-panes -t "$S" -F '#{pane_pid}' | head -n 1)
prog_pid=$(ps -o pid= --ppid "$shell_pid" | tr -d ' ' | head -n 1)
[ -n "$prog_pid" ] || fail "cannot find the program's pid"
kill -TERM "$prog_pid"
waitfor "EXIT=143" 50 || fail "SIGTERM did not end the program with 143"
keys "echo ALIVE2" Enter
waitfor "ALIVE2" || fail "the shell does not echo after SIGTERM"
grep -q "^ALIVE2" "$OUT/pane.txt" || fail "terminal not restored after SIGTERM"
step "SIGTERM restores the terminal"
echo "all steps passed"
