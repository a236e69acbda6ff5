#!/usr/bin/env bash
# Installs what building and testing cess-node needs on a fresh Debian machine that has
# rustup/cargo: the pinned toolchain and its wasm target, protoc, clang and chromium (apt, only
# when missing), and the end-to-end test's npm packages (from the committed lockfile).
#
# Sourced by dev-chain.sh and test.sh; safe to run repeatedly.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# One shared target directory for every checkout (and CI), so compiled dependencies are reused.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cess-node/target}"
mkdir -p "$CARGO_TARGET_DIR"
# The runtime's wasm is built by a nested cargo under the target directory: point it at this
# workspace's Cargo.lock and pinned toolchain, or it resolves its own dependency versions.
export WASM_BUILD_WORKSPACE_HINT="$repo_root"
export WASM_BUILD_TOOLCHAIN="${WASM_BUILD_TOOLCHAIN:-$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$repo_root/rust-toolchain.toml")}"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Toolchain and wasm target pinned in rust-toolchain.toml.
toolchain="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$repo_root/rust-toolchain.toml")"
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
  log "installing Rust $toolchain"
  rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy
fi
if ! rustup target list --installed --toolchain "$toolchain" | grep -qx wasm32v1-none; then
  log "adding the wasm32v1-none target"
  rustup target add wasm32v1-none --toolchain "$toolchain"
fi

# System packages some crates build with.
missing=()
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
command -v clang >/dev/null 2>&1 || missing+=(clang)
# The web page's browser test (scripts/e2e/tests/storage-web.test.mjs) drives Debian's Chromium.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} with apt"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm packages of the end-to-end tests, exactly as locked.
if [ "${SETUP_SKIP_NPM:-0}" != 1 ]; then
  e2e="$repo_root/scripts/e2e"
  if [ ! -d "$e2e/node_modules" ] || [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
    log "installing e2e npm packages (npm ci)"
    (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
