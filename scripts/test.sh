#!/usr/bin/env bash
# Runs every test: formatting, unit tests of every crate, then the end-to-end tests that
# start real cess-node processes and drive them with @polkadot/api.
#
# `scripts/test.sh --long` also runs scripts/e2e/long/ (scenarios of about an hour each, e.g. a
# storage miner slashed into real debt; see docs/measurements.md for their last run).
set -euo pipefail
long=0
if [[ "${1:-}" == "--long" ]]; then long=1; fi
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

if [[ $long == 1 ]]; then
  step "long end-to-end scenarios (scripts/e2e/long/)"
  (cd scripts/e2e && node --test --test-concurrency=4 long/)
fi

printf '\nall tests passed in %ss\n' "$(( $(date +%s) - start ))"
