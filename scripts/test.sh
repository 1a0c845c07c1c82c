#!/usr/bin/env bash
# The project's full check: dependencies, formatting, lints, then all tests (unit and the
# integration tests, which start real Samba AD / slapd servers through tests/support).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

bash scripts/install-deps.sh
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
