#!/usr/bin/env bash
# The project's full check: dependencies, formatting, lints, then all tests (unit and the
# integration tests, which start real Samba AD / slapd servers through tests/support).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

bash scripts/install-deps.sh
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets --no-fail-fast
# The Debian package: build, dpkg -i, run, remove, purge (needs root; CI runs as root).
if [ "$(id -u)" = 0 ]; then
    bash scripts/test-deb.sh
elif [ -n "${CI:-}" ]; then
    echo "test.sh: scripts/test-deb.sh needs root (dpkg -i); run CI as root" >&2
    exit 1
else
    echo "test.sh: skipping scripts/test-deb.sh: it needs root (dpkg -i); run: sudo scripts/test-deb.sh" >&2
fi
