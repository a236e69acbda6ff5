// Block throughput of one `cess-node --dev` against the block's own limits (the sTPS method).
//
//   cd scripts/e2e && node bench/throughput.mjs [--senders 400] [--per-sender 50]
//
// `--senders` fresh accounts are funded from Alice (in `utility.batchAll`s), then every sender
// pre-signs `--per-sender` immortal `balances.transferKeepAlive`s (nonces 0, 1, …) and all of
// them are pushed into the pool at once with `author_submitExtrinsic`. The harness then reads
// every block until the pool is empty and prints, as one JSON object:
//   - the limits by weight (normal-class `max_total` / (transfer weight + base extrinsic)) and by
//     length (normal-class max length / encoded transfer length), computed from the chain's own
//     constants and `paymentInfo` (`TransactionPaymentApi_query_info`);
//   - transfers per block achieved (max, p50 of the full blocks) and the ratio to the limit;
//   - the normal-class weight each full block consumed (`system.blockWeight`), so a block that
//     stopped short of the limit shows whether weight, length or the proposer's time ended it.
//
// The figures go to docs/measurements.md (issue 18). The node is stopped at the end.

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from '../lib/node.mjs';
import { percentile } from '../lib/validators.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SENDERS = arg('senders', 400);
const PER_SENDER = arg('per-sender', 50);
const CESS = 10n ** 18n;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await cryptoWaitReady();
const total = SENDERS * PER_SENDER;
// The pool must hold every pushed transfer: raise its count and size limits above the load.
const node = await startNode('throughput', [
  '--dev', '--pool-limit', String(total + 10_000), '--pool-kbytes', String(Math.ceil(total / 4) + 100_000),
]);
const out = { senders: SENDERS, per_sender: PER_SENDER, pushed: total };
try {
  const { api } = node;
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
  const alice = keyring.addFromUri('//Alice');
  const dest = keyring.addFromUri('//Throughput//dest').address;
  const senders = Array.from({ length: SENDERS }, (_, i) => keyring.addFromUri(`//Throughput//${i}`));

  // Fund the senders, 200 per batch, and wait until the last batch is in a block.
  let aliceNonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
  const fundings = [];
  for (let i = 0; i < SENDERS; i += 200) {
    const calls = senders.slice(i, i + 200)
      .map((s) => api.tx.balances.transferKeepAlive(s.address, 100n * CESS));
    fundings.push(new Promise((ok, fail) => {
      api.tx.utility.batchAll(calls).signAndSend(alice, { nonce: aliceNonce++ }, (r) => {
        if (r.dispatchError) fail(new Error(`funding failed: ${r.dispatchError.toString()}`));
        else if (r.status.isInBlock) ok();
      }).catch(fail);
    }));
  }
  await Promise.all(fundings);

  // Limits from the chain's constants and the transfer's own weight and length.
  const sample = api.tx.balances.transferKeepAlive(dest, 1_000_000_000n);
  await sample.signAsync(senders[0], { nonce: 0, era: 0 });
  const len = sample.encodedLength;
  // `paymentInfo` is the wallet's path (TransactionPaymentApi_query_info on a fake-signed copy).
  const info = await api.tx.balances.transferKeepAlive(dest, 1_000_000_000n).paymentInfo(senders[0]);
  const transferRef = info.weight.refTime.toBigInt();
  const weights = api.consts.system.blockWeights;
  const normal = weights.perClass.normal;
  const baseExtrinsic = normal.baseExtrinsic.refTime.toBigInt();
  const normalMax = normal.maxTotal.unwrap().refTime.toBigInt();
  const normalLen = api.consts.system.blockLength.max.normal.toNumber();
  out.transfer = { ref_time: Number(transferRef), base_extrinsic: Number(baseExtrinsic), length: len };
  out.limit_by_weight = Number(normalMax / (transferRef + baseExtrinsic));
  out.limit_by_length = Math.floor(normalLen / len);
  out.limit = Math.min(out.limit_by_weight, out.limit_by_length);

  // Pre-sign everything, then push it all at once.
  const signStart = Date.now();
  const xts = [];
  for (let k = 0; k < PER_SENDER; k++) {
    for (const s of senders) {
      const tx = api.tx.balances.transferKeepAlive(dest, 1_000_000_000n);
      await tx.signAsync(s, { nonce: k, era: 0 });
      xts.push(tx.toHex());
    }
  }
  out.sign_seconds = (Date.now() - signStart) / 1000;
  const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
  const pushStart = Date.now();
  let refused = 0;
  const errors = {};
  for (let i = 0; i < xts.length; i += 500) {
    await Promise.all(xts.slice(i, i + 500).map((xt) =>
      api.rpc.author.submitExtrinsic(xt).catch((e) => {
        refused += 1;
        const key = String(e.message).slice(0, 60);
        errors[key] = (errors[key] ?? 0) + 1;
      })));
  }
  out.push_seconds = (Date.now() - pushStart) / 1000;
  out.refused = refused;
  out.refused_kinds = errors;

  // Wait until the pool is empty, then read every block from the push on.
  const deadline = Date.now() + 15 * 60_000;
  while ((await api.rpc.author.pendingExtrinsics()).length > 0 && Date.now() < deadline) await sleep(2_000);
  const endBlock = (await api.rpc.chain.getHeader()).number.toNumber();
  const perBlock = [];
  let included = 0;
  for (let n = startBlock + 1; n <= endBlock; n++) {
    const hash = await api.rpc.chain.getBlockHash(n);
    const block = await api.rpc.chain.getBlock(hash);
    const count = block.block.extrinsics.filter((x) => x.method.section === 'balances').length;
    if (count === 0) continue;
    const used = (await (await api.at(hash)).query.system.blockWeight()).normal.refTime.toBigInt();
    perBlock.push({ block: n, transfers: count, normal_ref_time: Number(used), bytes: block.block.toU8a().length });
    included += count;
  }
  out.included = included;
  out.lost = total - refused - included;
  out.blocks = perBlock;
  const full = perBlock.slice(0, -1).map((b) => b.transfers);
  out.max_per_block = Math.max(0, ...perBlock.map((b) => b.transfers));
  out.p50_full_blocks = full.length ? percentile(full, 0.5) : null;
  out.ratio_to_limit = Math.round((out.max_per_block / out.limit) * 1000) / 1000;
  out.normal_max_ref_time = Number(normalMax);
  console.log(JSON.stringify(out, null, 1));
} finally {
  await node.stop();
}
