// Finality lag of four local validators (lib/validators.mjs), idle and under a transfer load.
//
//   cd scripts/e2e && node bench/finality-load.mjs [--tps 500] [--load-seconds 90] [--idle-seconds 180]
//
// Idle: best − finalized on Alice at every new best block for `--idle-seconds`. Load:
// `--tps` pre-signed `balances.transferKeepAlive` per second, from eight funded development
// accounts (two per node, each sender always through the same node's RPC so its nonces
// arrive in order), submitted with `author_submitExtrinsic` in 100 ms batches for
// `--load-seconds`; the lag is sampled the same way, and the transfers actually included
// are counted from the blocks of the finalized chain. Prints one JSON object (the figures
// of docs/measurements.md). Every node it starts is stopped at the end.

import { Keyring } from '@polkadot/keyring';
import { percentile, startFourValidators, until, NAMES } from '../lib/validators.mjs';
import { connectApi } from '../lib/node.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const TPS = arg('tps', 500);
const LOAD_S = arg('load-seconds', 90);
const IDLE_S = arg('idle-seconds', 180);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The pools must hold the whole offered load: at the default limit (8 192 ready) the nodes
// accept every submission and then drop the overflow, which `lost` counts.
const net = await startFourValidators({ extraArgs: ['--pool-limit', '40000', '--pool-kbytes', '65536'] });
const out = { tps_target: TPS, load_seconds: LOAD_S, idle_seconds: IDLE_S };
try {
  const { api } = net;
  let finalized = 0;
  let phase = null;
  const lag = { idle: [], load: [], drain: [] };
  await api.rpc.chain.subscribeFinalizedHeads((h) => { finalized = h.number.toNumber(); });
  await api.rpc.chain.subscribeNewHeads((h) => {
    if (phase && finalized > 0) lag[phase].push(h.number.toNumber() - finalized);
  });
  // Warm-up: all four validators in the set and finality moving.
  await until('finality moving', async () => finalized > 5, { timeoutMs: 5 * 60_000 });
  phase = 'idle';
  await sleep(IDLE_S * 1000);

  // Senders: eight endowed development accounts that are not validator stashes.
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
  const uris = ['//Eve', '//Ferdie', '//Alice//stash', '//Bob//stash', '//Charlie//stash',
    '//Dave//stash', '//Eve//stash', '//Ferdie//stash'];
  const senders = uris.map((u) => keyring.addFromUri(u));
  const dest = keyring.addFromUri('//Two').address;
  const total = TPS * LOAD_S;
  const perSender = Math.ceil(total / senders.length);
  const signStart = Date.now();
  const queues = [];
  for (const [i, s] of senders.entries()) {
    let nonce = (await api.rpc.system.accountNextIndex(s.address)).toNumber();
    const q = [];
    for (let k = 0; k < perSender; k++) {
      const tx = api.tx.balances.transferKeepAlive(dest, 1_000_000_000n);
      await tx.signAsync(s, { nonce: nonce++, era: 0 });
      q.push(tx.toHex());
    }
    queues.push({ node: NAMES[i % 4], q });
  }
  out.sign_seconds = (Date.now() - signStart) / 1000;
  const providers = {};
  for (const n of NAMES) providers[n] = (await connectApi(net.nodes[n].rpc)).provider;

  const startBlock = finalized;
  let submitted = 0;
  let refused = 0;
  const errors = {};
  phase = 'load';
  const loadStart = Date.now();
  const perBatch = TPS / 10;
  let carry = 0;
  for (let tick = 0; tick < LOAD_S * 10; tick++) {
    carry += perBatch;
    const sends = [];
    while (carry >= 1) {
      const qi = submitted % queues.length;
      const xt = queues[qi].q[Math.floor(submitted / queues.length)];
      if (xt === undefined) break;
      sends.push(providers[queues[qi].node].send('author_submitExtrinsic', [xt]).catch((e) => {
        refused += 1;
        const key = String(e.message).slice(0, 60);
        errors[key] = (errors[key] ?? 0) + 1;
      }));
      submitted += 1;
      carry -= 1;
    }
    await Promise.all(sends);
    const behind = loadStart + (tick + 1) * 100 - Date.now();
    if (behind > 0) await sleep(behind);
  }
  const loadEnd = Date.now();
  out.submit_seconds = (loadEnd - loadStart) / 1000;
  out.submitted = submitted;
  out.refused = refused;
  out.refused_kinds = errors;
  phase = 'drain';
  // Let the pool drain (every accepted transfer is immortal and valid, so it must be included
  // eventually), then let finality pass the block where it emptied: only finalized blocks count.
  const drainStart = Date.now();
  await until('pool drained', async () => (await api.rpc.author.pendingExtrinsics()).length === 0,
    { timeoutMs: 10 * 60_000, everyMs: 2_000 }).catch(() => {});
  out.drain_seconds = (Date.now() - drainStart) / 1000;
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  await until('finality past the drained pool', async () => finalized >= best,
    { timeoutMs: 5 * 60_000, everyMs: 1_000 }).catch(() => {});
  phase = null;
  const endNumber = finalized;

  // Transfers included per finalized block from the start of the load to the drained pool;
  // throughput is measured between the first and the last block that carried transfers
  // (timestamps are block slots, so one slot is added for the last block's own interval).
  let included = 0;
  let firstTs = null;
  let lastTs = null;
  let maxPerBlock = 0;
  let blocksWithTransfers = 0;
  for (let n = startBlock + 1; n <= endNumber; n++) {
    const hash = await api.rpc.chain.getBlockHash(n);
    const block = await api.rpc.chain.getBlock(hash);
    const count = block.block.extrinsics.filter((x) => x.method.section === 'balances').length;
    if (count === 0) continue;
    const ts = (await (await api.at(hash)).query.timestamp.now()).toNumber();
    firstTs ??= ts;
    lastTs = ts;
    included += count;
    blocksWithTransfers += 1;
    maxPerBlock = Math.max(maxPerBlock, count);
  }
  const slotMs = Number(api.consts.babe.expectedBlockTime.toString());
  out.blocks_with_transfers = blocksWithTransfers;
  // Accepted transfers that never reached a finalized block (should be 0).
  out.lost = submitted - refused - included;
  out.included = included;
  out.max_per_block = maxPerBlock;
  out.included_tps = firstTs === null ? 0
    : Math.round((included / ((lastTs - firstTs + slotMs) / 1000)) * 10) / 10;
  const stats = (a) => ({ n: a.length, p50: percentile(a, 0.5), p95: percentile(a, 0.95), max: Math.max(...a) });
  out.lag_idle = stats(lag.idle);
  out.lag_load = stats(lag.load);
  out.lag_drain = lag.drain.length ? stats(lag.drain) : null;
  for (const p of Object.values(providers)) await p.disconnect().catch(() => {});
  console.log(JSON.stringify(out, null, 1));
} finally {
  await net.stop();
}
