#!/usr/bin/env bash
# Runs a three-validator local testnet (chain `local`: Alice, Bob, Charlie) on loopback.
#
#   scripts/local-testnet.sh            build, start, wait; Ctrl-C stops every node
#
# Environment:
#   LOCAL_TESTNET_DIR        where chain data, logs (<name>.log) and pids (<name>.pid) go
#                            (default: a new temporary directory, printed at start)
#   LOCAL_TESTNET_BASE_PORT  Alice's p2p port; Bob and Charlie use the next ones (default 30333)
#   LOCAL_TESTNET_RPC_PORT   Alice's RPC port; Bob and Charlie use the next ones (default 9944)
#   LOCAL_TESTNET_NO_BUILD=1 skip `cargo build` (the binary must exist)
#   CESS_NODE_BIN            the node binary to run (default: the one cargo builds)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SETUP_SKIP_NPM=1 source "$repo_root/scripts/setup.sh"
cd "$repo_root"

if [ "${LOCAL_TESTNET_NO_BUILD:-0}" != 1 ]; then
  cargo build --release --locked -p cess-node
fi
bin="${CESS_NODE_BIN:-$CARGO_TARGET_DIR/release/cess-node}"
dir="${LOCAL_TESTNET_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/cess-local.XXXXXX")}"
mkdir -p "$dir"
p2p="${LOCAL_TESTNET_BASE_PORT:-30333}"
rpc="${LOCAL_TESTNET_RPC_PORT:-9944}"
echo "local testnet in $dir (p2p $p2p.., rpc $rpc..)"

# Validators need a network key before they start. Alice is the bootnode: a fixed node key
# gives her a fixed peer id; Bob and Charlie get fresh ones.
printf '%064x' 1 > "$dir/alice.node-key"
for name in bob charlie; do
  [ -f "$dir/$name.node-key" ] || "$bin" key generate-node-key --file "$dir/$name.node-key" >/dev/null 2>&1
done
alice_peer="$("$bin" key inspect-node-key --file "$dir/alice.node-key")"
bootnode="/ip4/127.0.0.1/tcp/$p2p/p2p/$alice_peer"

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "local testnet stopped (logs in $dir)"
}
trap stop_all EXIT INT TERM

i=0
for name in alice bob charlie; do
  args=(--chain local --"$name" --base-path "$dir/$name"
    --listen-addr "/ip4/127.0.0.1/tcp/$((p2p + i))"
    --rpc-port $((rpc + i)) --rpc-cors all
    --no-mdns --no-telemetry --no-prometheus --allow-private-ip)
  args+=(--node-key-file "$dir/$name.node-key")
  [ "$name" = alice ] || args+=(--bootnodes "$bootnode")
  "$bin" "${args[@]}" > "$dir/$name.log" 2>&1 &
  pids+=($!)
  echo $! > "$dir/$name.pid"
  echo "  $name: pid $! rpc ws://127.0.0.1:$((rpc + i)) log $dir/$name.log"
  i=$((i + 1))
done
echo "$bootnode" > "$dir/bootnode"

# Run until interrupted, or until every node has exited.
wait
