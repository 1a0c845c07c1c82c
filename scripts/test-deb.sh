#!/usr/bin/env bash
# CI test of the Debian package: build it; lintian; install a "previous" package (the same one
# repacked with a lower version and a changed example config), then upgrade to the new one
# without any prompt, the live config untouched; run it (the demo writes nothing under
# /var/lib/schooltech); the units registered by deb-systemd-helper (and by systemd where it
# runs) and `systemd-analyze verify`; remove (config and store stay); purge non-interactively
# (the config goes, the store is kept and said where). Must run as root on a machine where
# schooltech is not installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

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
for tool in lintian systemd-analyze; do
    command -v "$tool" >/dev/null || fail "$tool is missing; run scripts/install-deps.sh"
done
export DEBIAN_FRONTEND=noninteractive

if [ -n "${SCHOOLTECH_TEST_DEB:-}" ]; then
    DEB=$SCHOOLTECH_TEST_DEB  # a package built already (when iterating on this script)
else
    bash scripts/build-deb.sh
    DEB=$(ls -t target/debian/schooltech_*.deb | head -n 1)
fi
FULLVERSION=$(dpkg-deb -f "$DEB" Version)
VERSION=${FULLVERSION%-*}  # without the Debian revision

say "lintian $DEB"
# Tags kept on purpose are listed, each with its reason, in README.md ("The Debian package").
lintian --fail-on error,warning --suppress-tags-from-file debian/lintian-suppress "$DEB" \
    || fail "lintian found problems in $DEB (see above); fix them or explain the tag in README.md and debian/lintian-suppress"

WORK=$(mktemp -d)
cleanup() {
    dpkg -P schooltech >/dev/null 2>&1 || true
    rm -rf /var/lib/schooltech /etc/schooltech "$WORK"
}
trap cleanup EXIT

say "the previous package: $FULLVERSION repacked as 0.0.1~prev-1 with another example config"
dpkg-deb -R "$DEB" "$WORK/prev"
sed -i 's/^Version: .*/Version: 0.0.1~prev-1/' "$WORK/prev/DEBIAN/control"
echo "# (the previous release's example)" >> "$WORK/prev/usr/share/doc/schooltech/schooltech.example.toml"
(cd "$WORK/prev" && find . -path ./DEBIAN -prune -o -type f -print0 | sed -z 's#^\./##' | xargs -0 md5sum > DEBIAN/md5sums)
dpkg-deb --root-owner-group -b "$WORK/prev" "$WORK/prev.deb" >/dev/null
dpkg -i "$WORK/prev.deb" </dev/null || fail "installing the previous package failed"
# What `schooltech init` would have written: the live config, owned by no package.
install -m 0600 /usr/share/doc/schooltech/schooltech.example.toml /etc/schooltech/schooltech.toml
echo "# changed by the technician" >> /etc/schooltech/schooltech.toml
cp /etc/schooltech/schooltech.toml "$WORK/live.toml"

say "upgrading to $DEB (no prompt: stdin is /dev/null and no conffile may ask)"
dpkg -i "$DEB" </dev/null || fail "the upgrade to $DEB failed"
[ "$(dpkg-query -W -f='${Version}' schooltech)" = "$FULLVERSION" ] || fail "the upgrade did not install $FULLVERSION"
[ -z "$(dpkg-query -W -f='${Conffiles}' schooltech)" ] \
    || fail "the package has conffiles: $(dpkg-query -W -f='${Conffiles}' schooltech); init writes the live config, so none may be a conffile"
cmp -s /etc/schooltech/schooltech.toml "$WORK/live.toml" || fail "the upgrade changed the live /etc/schooltech/schooltech.toml"
grep -q "previous release" /usr/share/doc/schooltech/schooltech.example.toml \
    && fail "the upgrade did not replace the example config in /usr/share/doc"

check_mode() { # path mode owner
    local got
    got=$(stat -c '%a %U' "$1" 2>/dev/null) || fail "$1 is missing after install"
    [ "$got" = "$2 $3" ] || fail "$1 is mode/owner '$got', want '$2 $3'"
}
[ -x /usr/bin/schooltech ] || fail "/usr/bin/schooltech is missing"
out=$(schooltech --version) || fail "schooltech --version failed"
case "$out" in *"$VERSION"*) ;; *) fail "schooltech --version says '$out', want version $VERSION" ;; esac
say "$out"
check_mode /etc/schooltech 700 root
check_mode /var/lib/schooltech 700 root
[ -f /usr/share/doc/schooltech/schooltech.example.toml ] || fail "example config missing from /usr/share/doc/schooltech"
UNITDIR=/usr/lib/systemd/system
UNITS="schooltech-leavers-scan.service schooltech-leavers-scan.timer schooltech-report.service schooltech-report.timer"
for f in /usr/share/man/man1/schooltech.1.gz /usr/share/man/man1/schooltech-accounts.1.gz \
         /usr/share/man/man1/schooltech-init.1.gz \
         /usr/share/bash-completion/completions/schooltech \
         /usr/share/zsh/vendor-completions/_schooltech \
         /usr/share/fish/vendor_completions.d/schooltech.fish; do
    [ -f "$f" ] || fail "$f is missing after install"
done
for u in $UNITS; do
    [ -f "$UNITDIR/$u" ] || fail "$UNITDIR/$u is missing after install"
    case "$u" in *.timer)  # the services have no [Install]: their timers start them
        DPKG_MAINTSCRIPT_PACKAGE=schooltech deb-systemd-helper debian-installed "$u" || fail "$u is not registered with deb-systemd-helper" ;;
    esac
    if [ -d /run/systemd/system ]; then
        systemctl cat "$u" >/dev/null || fail "systemd does not know $u"
        [ "$(systemctl is-enabled "$u" 2>/dev/null || true)" = disabled ] || fail "$u is enabled before init ran"
    fi
done
for u in schooltech-leavers-scan.service schooltech-report.service; do
    for want in '^ExecStart=.*/usr/bin/schooltech ' '^ProtectSystem=strict' '^ReadWritePaths=/var/lib/schooltech' \
                '^PrivateTmp=true' '^NoNewPrivileges=true' '^ProtectHome=true' '^StateDirectory=schooltech' \
                '^LoadCredential=bind-password:' ' --out '; do
        grep -q -- "$want" "$UNITDIR/$u" || fail "$u lacks $want"
    done
    grep -q '^User=' "$UNITDIR/$u" && fail "$u sets User= (the packaged store and config are root's)"
    ! grep -q ' > ' "$UNITDIR/$u" || fail "$u redirects its output with the shell (use --out)"
done
grep -q -- '--if-term-end' "$UNITDIR/schooltech-report.service" || fail "the report unit does not ask --if-term-end"
grep -q '^OnCalendar=\*-\*-\* ' "$UNITDIR/schooltech-report.timer" || fail "the report timer is not daily"
say "systemd-analyze verify"
verify=$(cd "$UNITDIR" && systemd-analyze verify $UNITS 2>&1) || fail "systemd-analyze verify: $verify"
if echo "$verify" | grep -v -e 'Failed to .* bus' -e 'Cannot add dependency job' -e 'Unit is bound to inactive unit' -e 'Failed to connect' -e '^$' | grep -q .; then
    fail "systemd-analyze verify says: $verify"
fi
zcat /usr/share/man/man1/schooltech.1.gz | grep -q 'schooltech' || fail "schooltech(1) is empty"

say "the demo writes nothing under /var/lib/schooltech"
before=$(find /var/lib/schooltech | sort)
mkdir -p "$WORK/home"
printf 'First Name,Last Name,Role,Form,MIS ID\nŁukasz,Wójcik,pupil,7A,D1\n' > "$WORK/home/intake.csv"
user=$(HOME=$WORK/home schooltech --demo accounts list --role pupil --format csv | sed -n '2s/,.*//p')
[ -n "$user" ] || fail "no demo pupil to reset"
(cd "$WORK/home" && HOME=$WORK/home schooltech --demo accounts reset-password "$user" --generate --show-password >/dev/null) \
    || fail "a demo password reset failed"
imp=$(cd "$WORK/home" && HOME=$WORK/home schooltech --demo accounts import intake.csv --apply 2>&1) \
    || fail "a demo import failed: $imp"
echo "$imp" | grep -q 'handout sheets.*schooltech-demo-' || fail "the demo import does not say its handout went to its temporary folder: $imp"
[ "$(find /var/lib/schooltech | sort)" = "$before" ] || fail "the demo wrote under /var/lib/schooltech: $(find /var/lib/schooltech)"
list=$(schooltech --demo accounts list) || fail "schooltech --demo accounts list failed"
echo "$list" | head -n 1 | grep -q USERNAME || fail "schooltech --demo accounts list printed no table: $list"

say "dpkg -r (the configuration and the store stay; the units go)"
touch /var/lib/schooltech/schooltech.db
dpkg -r schooltech </dev/null || fail "dpkg -r schooltech failed"
[ ! -e /usr/bin/schooltech ] || fail "/usr/bin/schooltech is still there after dpkg -r"
[ -f /etc/schooltech/schooltech.toml ] || fail "dpkg -r removed /etc/schooltech/schooltech.toml; remove must keep the configuration"
[ -f /var/lib/schooltech/schooltech.db ] || fail "dpkg -r removed the store; remove must keep it"
for u in $UNITS; do [ ! -e "$UNITDIR/$u" ] || fail "$UNITDIR/$u is still there after dpkg -r"; done

say "dpkg -P non-interactive (the configuration goes; the store is kept and said where)"
msg=$(dpkg -P schooltech 2>&1 </dev/null) || fail "dpkg -P schooltech failed: $msg"
echo "$msg"
[ ! -e /etc/schooltech ] || fail "/etc/schooltech is still there after dpkg -P"
[ -f /var/lib/schooltech/schooltech.db ] || fail "a non-interactive dpkg -P deleted /var/lib/schooltech; it must keep the records when it cannot ask"
echo "$msg" | grep -q "kept the records in /var/lib/schooltech" || fail "dpkg -P did not say where the records were kept: $msg"
for u in $UNITS; do
    DPKG_MAINTSCRIPT_PACKAGE=schooltech deb-systemd-helper debian-installed "$u" && fail "$u is still registered with deb-systemd-helper after purge"
done
rm -rf /var/lib/schooltech
trap - EXIT
rm -rf "$WORK"
say "ok: lintian, upgrade without prompt, demo kept to its folder, units, remove, purge (records kept)"
