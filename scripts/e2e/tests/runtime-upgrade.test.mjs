// Issue 17, "agents survive upgrades", played on the dev chain with polkadot.js and three real
// storage-miner agents (//Dave, //Eve, //Ferdie).
//
// The test run builds the same runtime with `--features upgrade-test` (spec_version 1 000 100,
// transaction_version 2; `UPGRADE_WASM=<file>` skips the build). While the three agents prove,
// a ROOT-track referendum enacts it (there is no sudo on any chain): //Alice notes the wasm's
// `system.setCode` as a preimage, submits it on the root track (origin `{ system: 'Root' }`)
// with enactment `{ At: <the block after a round opens> }`, ten development accounts vote aye,
// and the scheduler dispatches `setCode` right after a round opened, so the agents' proofs for
// it are in flight, signed with the old versions. On dev the root track takes prepare 1 +
// confirm 10 + enactment 10 blocks (production: 2 h + 1 day + 1 day). Then:
// - blocks and finality continue; the upgrade loses at most one slot (target 0, see below);
// - balances and miner state are the same just before and just after the upgrade;
// - every agent logs that it follows the new versions, and keeps running with no restart;
// - every round from the first proved one to two rounds after the upgrade has a
//   `ProofVerified` from each of the three agents, and no miner is ever missed, slashed or
//   banned.
//
// About 10 minutes on the dev chain (6 s blocks, 20-block rounds) plus the wasm build
// (see docs/measurements.md).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { repoRoot, startNode, submitAndWatch, tail } from '../lib/node.mjs';
import { Agent, ChainLog } from '../lib/storage.mjs';
import { VOTERS, propose } from '../lib/governance.mjs';

const execFileP = promisify(execFile);
const MIN = 60_000;
const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');
const NEW_SPEC = 1_000_100;
const NEW_TX = 2;

/** Builds the upgrade-test runtime; returns its compressed wasm and the build time (s). */
async function upgradeWasm() {
  if (process.env.UPGRADE_WASM) return { wasm: readFileSync(process.env.UPGRADE_WASM), seconds: 0 };
  const target = process.env.CARGO_TARGET_DIR || join(process.env.HOME, '.cache', 'cess-node', 'target');
  const started = Date.now();
  await execFileP('cargo', ['build', '--release', '--locked', '-p', 'cess-runtime', '--features', 'upgrade-test'], {
    cwd: repoRoot,
    env: { ...process.env, CARGO_TARGET_DIR: target, WASM_BUILD_WORKSPACE_HINT: repoRoot },
    maxBuffer: 64 << 20,
  });
  const file = join(target, 'release', 'wbuild', 'cess-runtime', 'cess_runtime.compact.compressed.wasm');
  assert.ok(existsSync(file), `${file} built`);
  return { wasm: readFileSync(file), seconds: Math.round((Date.now() - started) / 1000) };
}

describe('storage-miner agents keep proving across a runtime upgrade', () => {
  let node;
  let api;
  let log;
  let agents = [];
  let failed = false;
  const s = {};

  const addr = (a) => a.toString();
  const at = async (block) => api.at(log.hashes.get(block));

  const diag = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      const parts = [e.message];
      for (const a of agents) for (const f of a.logFiles) parts.push(`--- agent ${f} ---\n${tail(f, 30)}`);
      if (node) parts.push(`--- node ${node.logFile} ---\n${node.logTail()}`);
      if (log) parts.push(`--- storage events (chain at #${log.head}) ---\n${log.summary()}`);
      const err = new Error(parts.join('\n\n'));
      err.cause = e;
      throw err;
    }
  };
  const need = (cond, what) => {
    if (!cond) throw new Error(`skipped: ${what} did not happen in an earlier test`);
  };
  /** Rounds in which every agent's proof verified. */
  const provedByAll = () => {
    const byRound = new Map();
    for (const r of log.find('audit', 'ProofVerified')) {
      const round = r.event.data.round.toNumber();
      if (!byRound.has(round)) byRound.set(round, new Set());
      byRound.get(round).add(addr(r.event.data.miner));
    }
    return [...byRound].filter(([, who]) => agents.every((a) => who.has(a.address))).map(([round]) => round);
  };
  /** Each agent's `StorageMinerApi_miner_info` at `block`, as raw SCALE (hex). */
  const minersAt = (block) => Promise.all(agents.map(async (a) => {
    const raw = (await api.rpc.state.call('StorageMinerApi_miner_info',
      api.createType('AccountId', a.address).toHex(), log.hashes.get(block))).toHex();
    assert.ok(raw.startsWith('0x01'), `${a.name} is a miner at #${block}`);
    return raw;
  }));
  /** Bob's `System.Account` at `block`, as raw SCALE (hex). */
  const bobAt = async (block) =>
    (await api.rpc.state.getStorage(api.query.system.account.key(s.bob.address), log.hashes.get(block))).toHex();
  const punished = () => ['ProofMissed', 'MinerSlashed', 'MinerBanned'].flatMap((m) => log.find('audit', m));

  before(async () => {
    await cryptoWaitReady();
    mkdirSync(tmpRoot, { recursive: true });
    const built = await upgradeWasm();
    s.wasm = built.wasm;
    console.log(`upgrade-test runtime: ${s.wasm.length} bytes, built in ${built.seconds} s`);
    node = await startNode('runtime-upgrade', ['--dev']);
    api = node.api;
    log = new ChainLog(api);
    await log.start();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    s.alice = keyring.addFromUri('//Alice');
    s.bob = keyring.addFromUri('//Bob');
    // Voters: the development accounts that are not agents (the agents' collateral is held).
    s.voters = VOTERS.filter((u) => !['//Dave', '//Eve', '//Ferdie'].includes(u)).map((u) => keyring.addFromUri(u));
    const names = ['Dave', 'Eve', 'Ferdie'];
    agents = names.map((n) => new Agent(`upgrade-${n.toLowerCase()}`, keyring.addFromUri(`//${n}`)));
    for (const [i, a] of agents.entries()) {
      rmSync(a.dataDir, { recursive: true, force: true });
      await a.start(node.rpcPort, `//${names[i]}`);
    }
  });

  after(async () => {
    for (const a of agents) await a.stop().catch(() => {});
    if (log) log.stop();
    if (node) await node.stop();
    if (!failed) for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
  });

  test('three agents register, commit and prove a round', { timeout: 10 * MIN }, diag(async () => {
    const version = await api.rpc.state.getRuntimeVersion();
    s.oldSpec = version.specVersion.toNumber();
    s.oldTx = version.transactionVersion.toNumber();
    assert.ok(NEW_SPEC > s.oldSpec, `the upgrade-test spec_version ${NEW_SPEC} is above the chain's ${s.oldSpec}`);
    s.firstRound = await log.waitFor(() => {
      for (const a of agents) a.assertRunning();
      return provedByAll()[0];
    }, 9 * MIN, 'a round proved by all three agents');
    assert.deepEqual(punished().map((r) => r.event.method), [], 'nobody punished while setting up');
  }));

  test('a root-track referendum enacts a higher spec_version right after a round opens', { timeout: 8 * MIN }, diag(async () => {
    need(s.firstRound !== undefined, 'a proved round');
    const root = api.consts.referenda.tracks.map(([id, info]) => [id.toNumber(), info]).find(([id]) => id === 0)[1];
    const [prepare, confirm, enact] = [root.preparePeriod, root.confirmPeriod, root.minEnactmentPeriod].map((x) => x.toNumber());
    assert.deepEqual([prepare, confirm, enact], [1, 10, 10], 'root track on dev');
    // Enact one block after a round opens, far enough ahead for the referendum to pass:
    // rounds open every `roundLength` blocks from the last `RoundOpened`.
    const opened = log.find('audit', 'RoundOpened');
    const lastOpen = opened[opened.length - 1].block;
    const roundLength = opened.length > 1 ? lastOpen - opened[opened.length - 2].block : 20;
    // note, submit, deposit, votes (a block each), then prepare/confirm/enactment, + slack.
    const earliest = log.head + 4 + 1 + prepare + confirm + enact + 6;
    const openAt = lastOpen + roundLength * Math.ceil((earliest - lastOpen) / roundLength);
    s.target = openAt + 1;
    const r = await propose(api, {
      call: api.tx.system.setCode(u8aToHex(s.wasm)),
      origin: { system: 'Root' },
      enactment: { At: s.target },
      proposer: s.alice,
      voters: s.voters,
    });
    // The proposal's origin is `OriginCaller::system(RawOrigin::Root)`: variant 0 (frame_system's
    // pallet index), then Root = 0.
    const submitArgs = r.submitTx.method.args;
    assert.equal(submitArgs[0].toHex(), '0x0000', 'origin encodes as system(Root)');
    assert.equal(r.track, 0, 'the root track');
    s.proposal = r;
    console.log(`root referendum ${r.index}: preimage #${r.noteBlock}, submitted #${r.submitBlock}, ` +
      `deposit #${r.depositBlock}, votes by #${r.lastVoteBlock}, enactment at #${s.target} (round opens #${openAt})`);
    const isIdx = (d) => d.index.toNumber() === r.index;
    const confirmed = await log.waitFor(() => log.find('referenda', 'Confirmed', isIdx)[0], 4 * MIN, 'the referendum confirmed');
    assert.ok(confirmed.block + enact <= s.target, `approved at #${confirmed.block}, in time for #${s.target}`);
    await log.waitFor(() => log.head >= s.target - 1, 4 * MIN, 'the block before the enactment');
    s.beforeBlock = s.target - 1;
    s.minersBefore = await minersAt(s.beforeBlock);
    s.bobBefore = await bobAt(s.beforeBlock);
    await log.waitFor(() => log.head >= s.target + 1, 2 * MIN, 'the block after the upgrade');
    s.upgradeBlock = s.target;
    s.upgradeRound = log.find('audit', 'RoundOpened', (_, rec) => rec.block === openAt)[0]?.event.data.round.toNumber();
    assert.ok(s.upgradeRound !== undefined, `a round opened at #${openAt}`);
    // The scheduler's dispatch and the upgrade, read from the log (decoded with the parent's
    // metadata if the new runtime's cannot decode the old runtime's events).
    const dispatched = log.find('scheduler', 'Dispatched', (_, rec) => rec.block === s.upgradeBlock);
    assert.ok(dispatched.length >= 1, 'scheduler.Dispatched at the enactment block');
    for (const d of dispatched) assert.ok(d.event.data.result.isOk, `setCode succeeded: ${d.event.data.result.toString()}`);
    assert.equal(log.find('system', 'CodeUpdated', (_, rec) => rec.block === s.upgradeBlock).length, 1, 'CodeUpdated');
    console.log(`root track on dev: ${s.upgradeBlock - r.submitBlock} blocks from submission to enactment ` +
      `(${confirmed.block - r.submitBlock} to approval; computed minimum ${prepare + confirm + enact})`);
    const version = await api.rpc.state.getRuntimeVersion(log.hashes.get(s.upgradeBlock + 1));
    assert.equal(version.specVersion.toNumber(), NEW_SPEC);
    assert.equal(version.transactionVersion.toNumber(), NEW_TX);
    const old = await api.rpc.state.getRuntimeVersion(log.hashes.get(s.upgradeBlock - 1));
    assert.equal(old.specVersion.toNumber(), s.oldSpec);

    // State is intact: the miners and an uninvolved account, byte for byte, just before and
    // just after (raw values: polkadot.js decorates the new runtime's APIs lazily).
    const after1 = s.upgradeBlock + 1;
    assert.deepEqual(await minersAt(after1), s.minersBefore, 'every miner report unchanged');
    assert.equal(await bobAt(after1), s.bobBefore, "Bob's account unchanged");
  }));

  test('blocks, finality and every challenge continue; no agent restarts, nobody is punished', { timeout: 10 * MIN }, diag(async () => {
    need(s.upgradeBlock !== undefined, 'the upgrade');
    const lastRound = s.upgradeRound + 2;
    await log.waitFor(() => {
      for (const a of agents) a.assertRunning();
      return provedByAll().includes(lastRound);
    }, 8 * MIN, `round ${lastRound} proved by all three agents`);
    // Every round from the first proved one on, the upgrade's included: all three proofs.
    const proved = new Set(provedByAll());
    for (let round = s.firstRound; round <= lastRound; round++) {
      assert.ok(proved.has(round), `round ${round} proved by all three agents`);
    }
    assert.deepEqual(punished().map((r) => `${r.event.method} ${addr(r.event.data.miner)}`), [],
      'no miner missed, slashed or banned');
    for (const a of agents) {
      assert.equal(a.logFiles.length, 1, `${a.name} never restarted`);
      assert.equal(a.exited, null, `${a.name} still running`);
      const text = a.log();
      assert.match(text, new RegExp(`runtime upgraded: v${s.oldSpec} -> v${NEW_SPEC} \\(transaction version ${s.oldTx} -> ${NEW_TX}\\)`),
        `${a.name} followed the upgrade`);
      assert.doesNotMatch(text, /stopping:|cannot decode events/, `${a.name} read every block`);
    }

    // Blocks: one per slot on the dev chain; count the slots without a block around the
    // upgrade (5 blocks before to 5 after), from the blocks' timestamps.
    const slotMs = api.consts.babe.expectedBlockTime.toNumber();
    const now = async (n) => (await (await at(n)).query.timestamp.now()).toNumber();
    const from = s.upgradeBlock - 5;
    const to = s.upgradeBlock + 5;
    // (A block's timestamp is taken when it is authored, a little after its slot starts.)
    const missedSlots = Math.round(((await now(to)) - (await now(from))) / slotMs) - (to - from);
    console.log(`upgrade at #${s.upgradeBlock}: ${missedSlots} empty slots in #${from}..#${to}; ` +
      `rounds ${s.firstRound}..${lastRound} proved by all three agents`);
    // Target 0. Measured 0, 0 and 1 in three runs on the shared 2-core machine: the block
    // after `setCode` is authored by the new runtime, which the node first compiles, and under
    // load that can cost one slot. More than one would be a real regression.
    assert.ok(missedSlots <= 1, `at most one slot without a block around the upgrade (${missedSlots})`);
    const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    assert.ok(finalized > s.upgradeBlock + 5, `finality continues past the upgrade (finalized #${finalized})`);
  }));
});
