#!/usr/bin/env bash
# Measures the storage-miner agent on this machine (issue: sealing speed, time from challenge
# to included proof, idle memory and CPU). Starts a throw-away dev chain and one agent
# (//Dave, 1 TiB declared, FILLERS fillers), waits for PROOFS included proofs, samples the
# idle agent for IDLE_SECONDS, prints the figures and stops both.
#
#   NO_BUILD=1 FILLERS=8 PROOFS=2 ./scripts/measure-agent.sh
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FILLERS="${FILLERS:-8}"
PROOFS="${PROOFS:-2}"
IDLE_SECONDS="${IDLE_SECONDS:-60}"
RPC_PORT="${RPC_PORT:-9977}"
HTTP_PORT="${HTTP_PORT:-15077}"

if [[ -z "${NO_BUILD:-}" ]]; then
	SETUP_SKIP_NPM=1 source "$repo_root/scripts/setup.sh"
	(cd "$repo_root" && cargo build --release --locked -p cess-node)
fi
bin="${CESS_NODE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/cess-node/target}/release/cess-node}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" --dev --tmp --rpc-port "$RPC_PORT" --no-prometheus --no-telemetry --no-mdns \
	--listen-addr /ip4/127.0.0.1/tcp/0 >"$work/node.log" 2>&1 &
sleep 5
"$bin" storage-miner run --data-dir "$work/miner" --rpc "http://127.0.0.1:$RPC_PORT" \
	--suri //Dave --declared-tib 1 --idle-fillers "$FILLERS" --listen "127.0.0.1:$HTTP_PORT" \
	>"$work/agent.log" 2>&1 &
agent=$!

echo "waiting for $PROOFS included proofs (rounds are 20 blocks = 2 min on dev)..."
until [[ "$(grep -c 'proof included' "$work/agent.log" || true)" -ge "$PROOFS" ]]; do
	kill -0 "$agent" 2>/dev/null || { cat "$work/agent.log"; exit 1; }
	sleep 5
done

ticks() { awk '{print $14 + $15}' "/proc/$agent/stat"; }
hz="$(getconf CLK_TCK)"
t0="$(ticks)"
sleep "$IDLE_SECONDS"
t1="$(ticks)"

echo "== sealing"
grep -E 'sealed filler|fillers ready' "$work/agent.log" | sed 's/^[0-9-]* [0-9:]* //'
echo "== challenge to included proof"
grep 'proof included' "$work/agent.log" | sed 's/^[0-9-]* [0-9:]* //'
echo "== idle agent"
grep -E 'VmRSS|VmHWM|Threads' "/proc/$agent/status"
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$IDLE_SECONDS" \
	'BEGIN { printf "CPU: %.2f s in %d s idle (%.2f %% of one core)\n", (b - a) / hz, s, 100 * (b - a) / hz / s }'
