#!/usr/bin/env bash
# CI test of the Debian package: build it, install it with dpkg, run it, remove it (the config
# stays), purge it (the config and the store go). Must run as root on a machine where schooltech
# is not installed (it deletes /etc/schooltech and /var/lib/schooltech on purge).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "test-deb: $*"; }
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (it installs the package with dpkg -i); run it as root in CI or with sudo"
command -v dpkg >/dev/null || fail "dpkg is missing: this test needs Debian or Ubuntu"
if dpkg-query -W -f='${Status}' schooltech 2>/dev/null | grep -q "installed"; then
    fail "schooltech is already installed here; this test would replace and purge it. Remove it first: dpkg -P schooltech"
fi
for d in /etc/schooltech /var/lib/schooltech; do
    [ ! -e "$d" ] || fail "$d exists but no schooltech package is installed; this test would delete it on purge. Move it away first"
done

bash scripts/build-deb.sh
DEB=$(ls -t target/debian/schooltech_*.deb | head -n 1)
VERSION=$(dpkg-deb -f "$DEB" Version)
VERSION=${VERSION%-*}  # without the Debian revision
say "installing $DEB"
dpkg -i "$DEB" || fail "dpkg -i $DEB failed"
cleanup() { dpkg -P schooltech >/dev/null 2>&1 || true; }
trap cleanup EXIT

check_mode() { # path mode owner
    local got
    got=$(stat -c '%a %U' "$1" 2>/dev/null) || fail "$1 is missing after install"
    [ "$got" = "$2 $3" ] || fail "$1 is mode/owner '$got', want '$2 $3'"
}
[ -x /usr/bin/schooltech ] || fail "/usr/bin/schooltech is missing"
out=$(schooltech --version) || fail "schooltech --version failed"
case "$out" in *"$VERSION"*) ;; *) fail "schooltech --version says '$out', want version $VERSION" ;; esac
say "$out"
check_mode /etc/schooltech/schooltech.toml 600 root
check_mode /etc/schooltech 700 root
check_mode /var/lib/schooltech 700 root
[ -f /usr/share/doc/schooltech/schooltech.example.toml ] || fail "example config missing from /usr/share/doc/schooltech"
for f in /usr/share/man/man1/schooltech.1.gz /usr/share/man/man1/schooltech-accounts.1.gz \
         /usr/share/man/man1/schooltech-init.1.gz \
         /usr/share/bash-completion/completions/schooltech \
         /usr/share/zsh/vendor-completions/_schooltech \
         /usr/share/fish/vendor_completions.d/schooltech.fish \
         /lib/systemd/system/schooltech-leavers-scan.service \
         /lib/systemd/system/schooltech-leavers-scan.timer; do
    [ -f "$f" ] || fail "$f is missing after install"
done
grep -q '^ExecStart=.*/usr/bin/schooltech ' /lib/systemd/system/schooltech-leavers-scan.service \
    || fail "the leavers unit does not run /usr/bin/schooltech"
zcat /usr/share/man/man1/schooltech.1.gz | grep -q 'schooltech' || fail "schooltech(1) is empty"
list=$(schooltech --demo accounts list) || fail "schooltech --demo accounts list failed"
echo "$list" | head -n 1 | grep -q USERNAME || fail "schooltech --demo accounts list printed no table: $list"
say "--demo accounts list: $(echo "$list" | wc -l) lines"

say "dpkg -r (the configuration stays)"
dpkg -r schooltech || fail "dpkg -r schooltech failed"
[ ! -e /usr/bin/schooltech ] || fail "/usr/bin/schooltech is still there after dpkg -r"
[ -f /etc/schooltech/schooltech.toml ] || fail "dpkg -r removed /etc/schooltech/schooltech.toml; remove must keep the configuration"
[ -d /var/lib/schooltech ] || fail "dpkg -r removed /var/lib/schooltech; remove must keep the store"

say "dpkg -P (the configuration and the store go)"
dpkg -P schooltech || fail "dpkg -P schooltech failed"
[ ! -e /etc/schooltech ] || fail "/etc/schooltech is still there after dpkg -P"
[ ! -e /var/lib/schooltech ] || fail "/var/lib/schooltech is still there after dpkg -P"
trap - EXIT
say "ok: built, installed, ran, removed (config kept), purged (config gone)"
