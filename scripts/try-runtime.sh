#!/usr/bin/env bash
# Dry-runs the runtime's migrations (`on_runtime_upgrade` with every pallet's
# pre_upgrade/post_upgrade and try_state checks) against the state of a running node, with
# try-runtime-cli from crates.io:
#
#   cargo install try-runtime-cli --locked          # once; a long build
#   ./scripts/dev-chain.sh &                        # or any node: URI=ws://host:port
#   ./scripts/try-runtime.sh
#
# It builds the runtime with `--features try-runtime` (the `TryRuntime` runtime API) and runs
# `try-runtime on-runtime-upgrade live` against URI (default ws://127.0.0.1:9944). Status: the
# feature and API compile (`cargo check --features try-runtime -p cess-runtime`, see
# docs/governance.md); this script was not run in CI (try-runtime-cli is not installed there).
set -euo pipefail
cd "$(dirname "$0")/.."
URI="${URI:-ws://127.0.0.1:9944}"
command -v try-runtime >/dev/null || { echo "try-runtime not found: cargo install try-runtime-cli --locked" >&2; exit 1; }
cargo build --release --locked -p cess-runtime --features try-runtime
TARGET="${CARGO_TARGET_DIR:-target}"
WASM="$TARGET/release/wbuild/cess-runtime/cess_runtime.compact.compressed.wasm"
# --disable-spec-version-check: the dev node runs the same spec_version as the tree (a real
# release bumps it; this dry run is about the migrations). --disable-mbm-checks: the runtime
# has no multi-block migrations.
try-runtime --runtime "$WASM" on-runtime-upgrade --blocktime 6000 --checks all \
  --disable-spec-version-check --disable-mbm-checks live --uri "$URI"
