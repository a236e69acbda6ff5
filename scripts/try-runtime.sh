#!/usr/bin/env bash
# Dry-runs the runtime's migrations against the state of a running node: the runtime built
# with `--features try-runtime`, then `TryRuntime_on_runtime_upgrade(all)` executed in the wasm
# executor on the node's finalised state (every migration's pre_upgrade/post_upgrade, then
# every pallet's try_state). Nothing is written to the node.
#
#   ./scripts/dev-chain.sh &          # or any node: URI=ws://host:port
#   ./scripts/try-runtime.sh          # extra arguments go to the tool, e.g.
#   ./scripts/try-runtime.sh --pallet-version Issuance=0   # rehearse issuance's v0 → v1
#
# The tool is `tools/try-runtime-live` (this workspace): the maintained try-runtime CLI is not
# on crates.io (see docs/governance.md). The try-runtime runtime build takes a few minutes.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
SETUP_SKIP_NPM=1 source "$repo_root/scripts/setup.sh"
cd "$repo_root"
URI="${URI:-ws://127.0.0.1:9944}"
cargo build --release --locked -p cess-runtime --features try-runtime
WASM="$CARGO_TARGET_DIR/release/wbuild/cess-runtime/cess_runtime.compact.wasm"
cargo build --release --locked -p cess-try-runtime-live
"$CARGO_TARGET_DIR/release/cess-try-runtime-live" --uri "$URI" --runtime "$WASM" --checks all "$@"
