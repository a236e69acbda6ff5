#!/usr/bin/env bash
# Builds cess-node and runs a single-validator development chain (Alice, fast timings).
# Extra arguments go to the node, e.g. `scripts/dev-chain.sh --rpc-port 9945`.
# The chain state lives in a temporary directory and is discarded on exit.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SETUP_SKIP_NPM=1 source "$repo_root/scripts/setup.sh"

cd "$repo_root"
cargo build --release --locked -p cess-node
exec "$CARGO_TARGET_DIR/release/cess-node" --dev --tmp --rpc-cors all "$@"
