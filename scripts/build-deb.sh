#!/usr/bin/env bash
# Builds the Debian package into target/debian/: the release binary, man pages and shell
# completions generated from the clap definitions, the systemd units of config/, then `cargo deb`.
# Installs cargo-deb from crates.io first if it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

say() { echo "build-deb: $*"; }
fail() { echo "build-deb: FAILED: $*" >&2; exit 1; }

if ! cargo deb --version >/dev/null 2>&1; then
    say "installing cargo-deb from crates.io (cargo install cargo-deb --locked)"
    cargo install cargo-deb --locked || fail "could not install cargo-deb; check the network, or install it by hand: cargo install cargo-deb --locked"
fi
command -v dpkg-deb >/dev/null || fail "dpkg-deb is missing; build on Debian/Ubuntu (apt-get install dpkg-dev)"

say "building the release binary"
cargo build --release --locked || fail "cargo build --release failed"
BIN=$CARGO_TARGET_DIR/release/schooltech
[ -x "$BIN" ] || fail "no binary at $BIN"

STAGE=$ROOT/debian/staging
rm -rf "$STAGE"
mkdir -p "$STAGE/man" "$STAGE/man5" "$STAGE/completions" "$STAGE/systemd"

say "man pages and completions"
"$BIN" generate man "$STAGE/man" >/dev/null || fail "schooltech generate man failed"
gzip -9n "$STAGE"/man/*.1
# schooltech.toml(5) goes in section 5, the rest in section 1.
if [ -f "$STAGE/man/schooltech.toml.5" ]; then
    mv "$STAGE/man/schooltech.toml.5" "$STAGE/man5/"
    gzip -9n "$STAGE"/man5/*.5
fi
"$BIN" generate completions "$STAGE/completions" >/dev/null || fail "schooltech generate completions failed"

say "systemd units"
shopt -s nullglob
units=(config/*.service config/*.timer)
[ ${#units[@]} -gt 0 ] || fail "no systemd units in config/"
for u in "${units[@]}"; do
    # The package puts the binary in /usr/bin; the config, password file and store are root's
    # (0600/0700), so the units run as root.
    sed -e 's#/usr/local/bin/schooltech#/usr/bin/schooltech#g' -e '/^User=schooltech$/d' \
        "$u" > "$STAGE/systemd/$(basename "$u")"
    say "  $(basename "$u")"
done

say "cargo deb"
mkdir -p "$ROOT/target/debian"
cargo deb --no-build --output "$ROOT/target/debian/" || fail "cargo deb failed"
DEB=$(ls -t "$ROOT"/target/debian/schooltech_*.deb | head -n 1)
say "built $DEB"
