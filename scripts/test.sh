#!/usr/bin/env bash
# Runs every test: formatting, unit tests of every crate, then the end-to-end tests that
# start real cess-node processes and drive them with @polkadot/api.
#
# `scripts/test.sh --long` also runs scripts/e2e/long/ (scenarios of about an hour each, e.g. a
# storage miner slashed into real debt; see docs/measurements.md for their last run).
# `scripts/test.sh --faults` also runs scripts/e2e/faults/ (four validators under pauses, a
# kill, a 2/2 split and a real equivocation; about 30 minutes, one file at a time so the
# timing of one network is not the load of another). The two flags combine.
set -euo pipefail
long=0
faults=0
for arg in "$@"; do
  case "$arg" in
    --long) long=1 ;;
    --faults) faults=1 ;;
    *) echo "usage: $0 [--long] [--faults]" >&2; exit 2 ;;
  esac
done
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

if [[ $faults == 1 ]]; then
  step "validator fault scenarios (scripts/e2e/faults/)"
  (cd scripts/e2e && node --test --test-concurrency=1 faults/)
fi

if [[ $long == 1 ]]; then
  step "long end-to-end scenarios (scripts/e2e/long/)"
  (cd scripts/e2e && node --test --test-concurrency=4 long/)
fi

printf '\nall tests passed in %ss\n' "$(( $(date +%s) - start ))"
