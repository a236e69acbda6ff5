#!/usr/bin/env bash
# Runs every test: formatting, unit tests of every crate, then the end-to-end tests that
# start real cess-node processes and drive them with @polkadot/api.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$repo_root/scripts/setup.sh"
cd "$repo_root"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
start=$(date +%s)

step "cargo fmt --check"
cargo fmt --all -- --check

step "unit tests (cargo test --release --workspace)"
cargo test --release --locked --workspace

step "build cess-node (release)"
cargo build --release --locked -p cess-node

step "end-to-end tests (node --test, @polkadot/api)"
(cd scripts/e2e && node --test --test-concurrency=4 tests/)

printf '\nall tests passed in %ss\n' "$(( $(date +%s) - start ))"
