// Issue 15, "frozen means frozen", played on the dev chain with polkadot.js and a real agent.
//
// One storage miner (//Dave) runs `cess-node storage-miner run --no-claim` (the agent proves,
// the test does every claim itself). A user (//Charlie) stores one 8 MiB file on it
// (redundancy 1). Then:
//
//   honest phase   the agent passes every challenge; it is stopped right after its proof of
//                  the last round of a cycle, after the fragment is in its snapshot
//   cycle end      the test claims: a reward order of ⌊total × power / cycle power⌋, half at
//                  once (to Dave), half vesting ⌊V / 90⌋ per block day
//   next round     the stopped miner misses its service proof: slashed (rewarded before:
//                  SlashLimit = CollateralPerTiB × max(1, ⌈(idle + service) / 1 TiB⌉) × 5 %),
//                  collateral below the requirement ⇒ `Frozen`
//   frozen         `claimRewards` fails with `storageMiner.FrozenCannotClaim` although the
//                  runtime API reports a vested step (nothing changes but the fee); half the
//                  shortfall topped up ⇒ still `Frozen`, still refused; one block day later the
//                  rest ⇒ `Positive`; the claim then pays exactly every step vested since the
//                  order, including the days it was frozen.
//
// Debt: a top-up repays debt first (`CollateralIncreased.debt_repaid`, a transfer to the
// treasury), the rest is held. A slash turns into debt only beyond the held collateral, and
// one slash is at most SlashLimit = 5 % of the requirement the miner held at registration, so
// a fresh miner needs 21 slashes (21 rounds, 42 minutes on the dev chain) before any debt
// appears. Within this file's time the slash leaves debt 0 and the test asserts exactly that:
// `debt_added` 0, `debt_repaid` 0, no transfer to the treasury, the whole top-up held. The
// debt-first order with real debt is covered by the unit tests
// `debt_is_repaid_first_from_top_ups` and
// `withdraw_with_debt_above_collateral_frees_the_slot_and_rewards_pay_the_debt_first`.
//
// Dev timings: 6 s blocks, 20-block rounds, 4 rounds per cycle, 10-block days. The cycle end
// (block 80) bounds the file at about 11 minutes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { nodeBinary, repoRoot, startNode, submitAndWatch, tail, waitForHead } from '../lib/node.mjs';
import { Agent, ChainLog } from '../lib/storage.mjs';

const execFileP = promisify(execFile);
const MiB = 1n << 20n;
const TiB = 1n << 40n;
const FRAGMENT = 8n * MiB;
const PERBILL = 1_000_000_000n;
const RELEASE_STEPS = 90n; // pallet-storage-miner `RELEASE_STEPS`: V vests over 90 block days
const MIN = 60_000;
const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');

/** `Perbill::from_percent(p).mul_floor(x)`. */
const percentFloor = (p, x) => (x * (BigInt(p) * 10_000_000n)) / PERBILL;

describe('a frozen miner cannot claim; a top-up unfreezes it and the vested steps are paid', () => {
  let node;
  let api;
  let log;
  let miner;
  let user;
  let agent;
  let failed = false;
  let blockDay;
  let perTib;
  let roundsPerCycle;
  const s = {}; // shared between the tests

  const addr = (a) => a.toString();
  const mine = (d) => addr(d.miner) === miner.address;
  const day = (block) => Math.floor(block / blockDay);
  const errorName = (err) => {
    const m = api.registry.findMetaError(err.asModule);
    return `${m.section}.${m.name}`;
  };
  const ok = (r, what) =>
    assert.equal(r.dispatchError, undefined, `${what}: ${r.dispatchError && errorName(r.dispatchError)}`);
  const blockOf = async (r) => (await api.rpc.chain.getHeader(r.blockHash)).number.toNumber();
  const at = async (block) => api.at(log.hashes.get(block));
  const minerInfo = async (block) => {
    const call = block === undefined ? api.call : (await at(block)).call;
    return (await call.storageMinerApi.minerInfo(miner.address)).unwrap();
  };
  const account = async (block) => (await (await at(block)).query.system.account(miner.address)).data;
  const rewardsRecord = async (block) => (await (await at(block)).query.storageMiner.rewards(miner.address)).toJSON();
  const feeIn = (r) => {
    const paid = r.events.filter((e) => api.events.transactionPayment.TransactionFeePaid.is(e));
    assert.equal(paid.length, 1, 'one TransactionFeePaid');
    assert.equal(addr(paid[0].data.who), miner.address);
    return paid[0].data.actualFee.toBigInt();
  };
  /** Submits `tx` from the miner; waits until the chain log has its block. */
  const send = async (tx) => {
    const r = await submitAndWatch(api, tx, miner);
    r.block = await blockOf(r);
    await log.waitFor(() => log.head >= r.block, 2 * MIN, `block ${r.block} in the log`);
    return r;
  };

  const diag = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      const parts = [e.message];
      if (agent) for (const f of agent.logFiles) parts.push(`--- agent ${f} ---\n${tail(f, 30)}`);
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

  before(async () => {
    await cryptoWaitReady();
    mkdirSync(tmpRoot, { recursive: true });
    node = await startNode('miner-debt', ['--dev']);
    api = node.api;
    log = new ChainLog(api);
    await log.start();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    miner = keyring.addFromUri('//Dave');
    user = keyring.addFromUri('//Charlie');
    agent = new Agent('debt', miner, { extraArgs: ['--no-claim'] });
    rmSync(agent.dataDir, { recursive: true, force: true });
    await agent.start(node.rpcPort, '//Dave');
    blockDay = (await api.query.timings.blockDay()).toNumber();
    perTib = api.consts.storageMiner.collateralPerTiB.toBigInt();
    roundsPerCycle = api.consts.audit.roundsPerCycle.toNumber();
  });

  after(async () => {
    if (agent) await agent.stop().catch(() => {});
    if (log) log.stop();
    if (node) await node.stop();
    if (!failed) {
      if (agent) rmSync(agent.dataDir, { recursive: true, force: true });
      if (s.path) rmSync(s.path, { force: true });
    }
  });

  test('the agent registers and commits; a user stores one file on it', { timeout: 8 * MIN }, diag(async () => {
    await log.waitFor(async () => {
      agent.assertRunning();
      const info = await api.call.storageMinerApi.minerInfo(miner.address);
      return info.isSome && info.unwrap().state.type === 'Positive';
    }, 6 * MIN, 'the miner Positive');
    const info = await minerInfo();
    assert.equal(info.declaredTib.toNumber(), 1);
    assert.equal(info.collateral.toBigInt(), perTib, 'collateral = the requirement for 1 TiB');
    assert.equal(info.requirement.toBigInt(), perTib);
    assert.equal(info.debt.toBigInt(), 0n);

    ok(await submitAndWatch(api, api.tx.fileBank.buySpace(1, 30), user), 'buySpace(1 GiB, 30 days)');
    // A full fragment of random bytes, so a proof without the data cannot pass.
    const content = randomBytes(Number(FRAGMENT));
    s.path = join(tmpRoot, `miner-debt-file-${process.pid}.bin`);
    writeFileSync(s.path, content);
    const { stdout } = await execFileP(nodeBinary(),
      ['storage-miner', 'fragment-roots', '--file', s.path, '--owner', user.address]);
    const roots = JSON.parse(stdout);
    assert.equal(roots.fragments.length, 1);
    const hash = roots.file_hash.toLowerCase();
    const declared = await submitAndWatch(
      api, api.tx.fileBank.declareFile(roots.size, [roots.fragments[0].root], 1), user);
    ok(declared, 'declareFile(redundancy 1)');
    const ev = declared.events.find((e) => api.events.fileBank.FileDeclared.is(e));
    assert.equal(ev.data.file.toHex(), hash, 'the chain gives the hash the CLI printed');
    // Placed `PlacementDelay` blocks later (issue 13): wait for the assignment.
    const placed = await log.waitFor(
      () => log.find('fileBank', 'FragmentAssigned', (d) => d.file.toHex() === hash)[0], 2 * MIN, 'FragmentAssigned');
    const assigned = [placed.event];
    assert.equal(addr(assigned[0].data.miner), miner.address, 'to the only Positive miner');
    const declaredBlock = await blockOf(declared);
    await waitForHead(api, (h) => h.number.toNumber() >= declaredBlock, { finalized: true, timeoutMs: 2 * MIN });
    const put = await agent.request('PUT', `/fragments/${hash}/0/${assigned[0].data.replica.toNumber()}`, content);
    assert.equal(put.status, 200, `PUT: ${put.status} ${put.text}`);

    const confirmed = await log.waitFor(() => {
      agent.assertRunning();
      return log.find('fileBank', 'FragmentConfirmed', (d) => mine(d) && d.file.toHex() === hash)[0];
    }, 4 * MIN, 'FragmentConfirmed');
    s.confirmedBlock = confirmed.block;
    assert.equal((await minerInfo()).serviceSpace.toBigInt(), FRAGMENT, 'service space 8 MiB');
  }));

  test('honest phase, then the order of the cycle: half paid at once', { timeout: 20 * MIN }, diag(async () => {
    need(s.confirmedBlock, 'the confirmation');
    // The last proof of a cycle taken after the confirmation: its checkpoint's snapshot holds
    // the fragment, so the next round (the next cycle's first) challenges the service part.
    const last = await log.waitFor(() => {
      agent.assertRunning();
      const missed = log.find('audit', 'ProofMissed', (d) => mine(d));
      if (missed.length) throw new Error(`the honest agent missed round ${missed[0].event.data.round}`);
      return log.find('audit', 'ProofVerified', (d, r) => mine(d) && r.block > s.confirmedBlock &&
        d.power.toBigInt() > 0n && (d.round.toNumber() + 1) % roundsPerCycle === 0)[0];
    }, 16 * MIN, 'a passing proof of the last round of a cycle after the confirmation');
    const stopped = await agent.stop();
    assert.ok(stopped.graceful, `the agent stops on SIGTERM (${JSON.stringify(stopped)})`);
    s.stopBlock = (await api.rpc.chain.getHeader()).number.toNumber();
    s.lastRound = last.event.data.round.toNumber();
    const cycle = last.event.data.cycle.toNumber();
    assert.equal(cycle, Math.floor(s.lastRound / roundsPerCycle));
    assert.equal(log.find('audit', 'ProofVerified', (d, r) => mine(d) && r.block > last.block).length, 0,
      'no proof after the one the agent was stopped at');
    for (const p of log.find('audit', 'ProofVerified', (d) => mine(d))) {
      assert.equal(p.event.data.idle.type, 'Passed', `idle part of round ${p.event.data.round}`);
      assert.notEqual(p.event.data.service.type, 'Failed', `service part of round ${p.event.data.round}`);
    }

    await log.waitFor(() => log.find('audit', 'CycleFinished', (d) => d.cycle.toNumber() === cycle)[0],
      6 * MIN, `CycleFinished(${cycle})`);
    const claim = await send(api.tx.storageMiner.claimRewards());
    ok(claim, 'claimRewards');
    assert.equal(log.find('audit', 'MinerSlashed', (d) => mine(d)).length, 0, 'claimed before any slash');
    const order = claim.events.find((e) => api.events.storageMiner.RewardOrderCreated.is(e));
    assert.ok(order, 'RewardOrderCreated');
    const first = order.data.firstCycle.toNumber();
    const lastCycle = order.data.lastCycle.toNumber();
    assert.ok(first <= cycle && cycle <= lastCycle, `the order covers cycle ${cycle} (${first}..${lastCycle})`);
    // ⌊TotalReward_N × power / TotalStoragePower_N⌋ per cycle, from the reward snapshots.
    let expected = 0n;
    for (let c = first; c <= lastCycle; c++) {
      const snap = log.find('storageMiner', 'CycleRewardSnapshot', (d) => d.cycle.toNumber() === c);
      assert.equal(snap.length, 1, `CycleRewardSnapshot(${c})`);
      const total = snap[0].event.data.total.toBigInt();
      const power = snap[0].event.data.power.toBigInt();
      const minerPower = log.find('audit', 'ProofVerified', (d) => mine(d) && d.cycle.toNumber() === c)
        .reduce((sum, r) => sum + r.event.data.power.toBigInt(), 0n);
      assert.equal((await api.call.auditApi.minerPower(c, miner.address)).toBigInt(), minerPower);
      if (minerPower > 0n) expected += (total * minerPower) / power;
    }
    const amount = order.data.amount.toBigInt();
    assert.ok(amount > 0n);
    assert.equal(amount, expected, 'order = Σ ⌊total × power / cycle power⌋');
    const vesting = amount / 2n;
    const immediate = amount - vesting;
    assert.equal(order.data.immediate.toBigInt(), immediate);
    const claimed = claim.events.find((e) => api.events.storageMiner.RewardsClaimed.is(e));
    assert.equal(claimed.data.paid.toBigInt(), immediate, 'the immediate half is paid');
    assert.equal(claimed.data.unpaid.toBigInt(), 0n);
    const fee = feeIn(claim);
    assert.equal((await account(claim.block)).free.toBigInt() - (await account(claim.block - 1)).free.toBigInt(),
      immediate - fee, 'free balance + immediate − fee');
    const record = await rewardsRecord(claim.block);
    const orderDay = day(claim.block);
    assert.equal(record.lastDay, orderDay);
    assert.equal(record.orders.length, 1);
    assert.equal(record.orders[0].day, orderDay);
    assert.equal(BigInt(record.orders[0].vesting), vesting);
    assert.equal(BigInt(record.orders[0].step), vesting / RELEASE_STEPS, 'step = ⌊V / 90⌋');
    Object.assign(s, { claimBlock: claim.block, orderDay, vesting, step: vesting / RELEASE_STEPS, cycle });
  }));

  test('the stopped miner misses its service proof: slashed and Frozen', { timeout: 6 * MIN }, diag(async () => {
    need(s.claimBlock, 'the order');
    const round = s.lastRound + 1;
    const slash = await log.waitFor(() => log.find('audit', 'MinerSlashed', (d) => mine(d))[0], 5 * MIN,
      `the slash for round ${round}`);
    assert.equal(slash.event.data.round.toNumber(), round, 'the round after the last proof');
    const missed = log.find('audit', 'ProofMissed', (d) => mine(d));
    assert.equal(missed.length, 1);
    assert.equal(missed[0].event.data.round.toNumber(), round);
    assert.equal(missed[0].event.data.serviceChallenged.isTrue, true, 'the service part was challenged');
    assert.equal(missed[0].block, slash.block);

    const before = await minerInfo(slash.block - 1);
    const report = (await (await at(slash.block - 1)).call.auditApi.minerChallenge(miner.address)).unwrap();
    assert.equal(report.rewarded.isTrue, true, 'the miner earned power before');
    const collateral = before.collateral.toBigInt();
    assert.equal(collateral, perTib);
    // SlashLimit from the snapshot's spaces (2 fillers + 1 fragment = 24 MiB ⇒ 1 TiB).
    const used = before.idleSpace.toBigInt() + before.serviceSpace.toBigInt();
    const tib = used === 0n ? 1n : (used + TiB - 1n) / TiB;
    const limit = percentFloor(5, perTib * tib);
    assert.equal(slash.event.data.reason.type, 'ServiceMissed');
    assert.equal(slash.event.data.amount.toBigInt(), limit, 'SlashLimit');
    const slashed = limit < collateral ? limit : collateral;
    assert.equal(slash.event.data.slashed.toBigInt(), slashed, 'taken from the collateral');
    assert.equal(slash.event.data.debtAdded.toBigInt(), limit - slashed, 'the rest becomes debt (here 0)');

    const punished = log.find('storageMiner', 'MinerPunished', (d, r) => mine(d) && r.block === slash.block);
    assert.equal(punished.length, 1);
    assert.equal(punished[0].event.data.collateral.toBigInt(), collateral - slashed);
    assert.equal(punished[0].event.data.debt.toBigInt(), limit - slashed);
    const changed = log.find('storageMiner', 'StateChanged', (d, r) => mine(d) && r.block === slash.block);
    assert.equal(changed.length, 1);
    assert.equal(changed[0].event.data.from.type, 'Positive');
    assert.equal(changed[0].event.data.to.type, 'Frozen');

    const after = await minerInfo(slash.block);
    assert.equal(after.state.type, 'Frozen');
    assert.equal(after.collateral.toBigInt(), collateral - slashed);
    assert.equal(after.debt.toBigInt(), 0n, 'one slash (≤ 5 % of the requirement) leaves no debt');
    assert.equal(after.shortfall.toBigInt(), perTib - (collateral - slashed));
    const acc = await account(slash.block);
    const accBefore = await account(slash.block - 1);
    assert.equal(accBefore.reserved.toBigInt() - acc.reserved.toBigInt(), slashed, 'the hold shrinks by the slash');
    Object.assign(s, { slashBlock: slash.block, shortfall: after.shortfall.toBigInt() });
  }));

  test('frozen: the claim is refused; a partial top-up does not help; the full one does', { timeout: 6 * MIN }, diag(async () => {
    need(s.slashBlock, 'the slash');
    const refuse = async (what) => {
      const head = log.head;
      const report = await (await at(head)).call.storageMinerRewardsApi.rewards(miner.address);
      assert.equal(report.frozen.isTrue, true, `${what}: the runtime API reports frozen`);
      assert.equal(report.claimable.toBigInt(), s.step * BigInt(day(head) - s.orderDay),
        `${what}: claimable = the vested steps`);
      const r = await send(api.tx.storageMiner.claimRewards());
      assert.ok(r.dispatchError, `${what}: the claim fails`);
      assert.equal(errorName(r.dispatchError), 'storageMiner.FrozenCannotClaim', what);
      const fee = feeIn(r);
      assert.equal((await account(r.block - 1)).free.toBigInt() - (await account(r.block)).free.toBigInt(), fee,
        `${what}: only the fee is taken`);
      assert.deepEqual(await rewardsRecord(r.block), await rewardsRecord(s.claimBlock), `${what}: the record is unchanged`);
      assert.equal(r.events.filter((e) => api.events.storageMiner.RewardsClaimed.is(e)).length, 0);
      return r;
    };
    const topUp = async (amount, what) => {
      const infoBefore = await minerInfo(log.head);
      const r = await send(api.tx.storageMiner.increaseCollateral(amount));
      ok(r, what);
      const inc = r.events.find((e) => api.events.storageMiner.CollateralIncreased.is(e));
      assert.ok(inc, `${what}: CollateralIncreased`);
      // Debt first (0 here: nothing goes to the treasury), the rest held.
      assert.equal(inc.data.amount.toBigInt(), amount);
      assert.equal(inc.data.debtRepaid.toBigInt(), 0n, `${what}: debt repaid first — there is none`);
      assert.equal(inc.data.debt.toBigInt(), 0n);
      assert.equal(inc.data.collateral.toBigInt(), infoBefore.collateral.toBigInt() + amount, `${what}: all of it held`);
      assert.equal(r.events.filter((e) => api.events.balances.Transfer.is(e) && addr(e.data.from) === miner.address).length, 0,
        `${what}: no transfer from the miner (a debt repayment goes to the treasury)`);
      const fee = feeIn(r);
      const [a0, a1] = [await account(r.block - 1), await account(r.block)];
      assert.equal(a1.reserved.toBigInt() - a0.reserved.toBigInt(), amount, `${what}: the hold grows by the top-up`);
      assert.equal(a0.free.toBigInt() - a1.free.toBigInt(), amount + fee, `${what}: free balance − top-up − fee`);
      return r;
    };

    const refused = await refuse('frozen after the slash');
    const half = s.shortfall / 2n;
    const partial = await topUp(half, 'half the shortfall');
    assert.equal((await minerInfo(partial.block)).state.type, 'Frozen', 'still Frozen');
    assert.equal(log.find('storageMiner', 'StateChanged', (d, r) => mine(d) && r.block === partial.block).length, 0);
    await refuse('half covered');

    // Vesting goes on while frozen: top up the rest one block day later.
    await log.waitFor(() => day(log.head) > day(refused.block), 3 * MIN, 'the next block day');
    const full = await topUp(s.shortfall - half, 'the rest of the shortfall');
    const changed = full.events.filter((e) => api.events.storageMiner.StateChanged.is(e));
    assert.equal(changed.length, 1);
    assert.equal(changed[0].data.from.type, 'Frozen');
    assert.equal(changed[0].data.to.type, 'Positive');
    const info = await minerInfo(full.block);
    assert.equal(info.state.type, 'Positive');
    assert.equal(info.collateral.toBigInt(), perTib, 'collateral = the requirement again');
    assert.equal(info.shortfall.toBigInt(), 0n);

    // The claim pays every step vested since the order, the frozen days included.
    const claim = await send(api.tx.storageMiner.claimRewards());
    ok(claim, 'claimRewards after the top-up');
    const days = BigInt(day(claim.block) - s.orderDay);
    assert.ok(day(claim.block) > day(refused.block), 'at least one block day passed while frozen');
    assert.ok(days >= 2n, `${days} block days since the order`);
    const paid = s.step * days;
    const claimed = claim.events.find((e) => api.events.storageMiner.RewardsClaimed.is(e));
    assert.ok(claimed);
    assert.equal(claimed.data.paid.toBigInt(), paid, `⌊${s.vesting} / 90⌋ × ${days} block days`);
    assert.equal(claimed.data.unpaid.toBigInt(), 0n);
    assert.equal(claimed.data.ordersCompleted.toNumber(), 0);
    assert.equal(addr(claimed.data.beneficiary), miner.address);
    assert.equal(claim.events.filter((e) => api.events.storageMiner.RewardOrderCreated.is(e)).length, 0,
      'no new order (no power since the stop)');
    const fromPool = claim.events.filter((e) => api.events.balances.Transfer.is(e) && addr(e.data.to) === miner.address);
    assert.equal(fromPool.length, 1, 'one transfer to the miner');
    assert.equal(fromPool[0].data.amount.toBigInt(), paid);
    const pool = addr(fromPool[0].data.from);
    const poolAt = async (b) => (await (await at(b)).query.system.account(pool)).data.free.toBigInt();
    assert.equal(await poolAt(claim.block - 1) - await poolAt(claim.block), paid, 'the reward pool pays it');
    const fee = feeIn(claim);
    assert.equal((await account(claim.block)).free.toBigInt() - (await account(claim.block - 1)).free.toBigInt(),
      paid - fee, 'free balance + paid − fee');
    const record = await rewardsRecord(claim.block);
    assert.equal(record.lastDay, day(claim.block));
    assert.equal(record.orders.length, 1);
    assert.equal(BigInt(record.orders[0].vesting), s.vesting);
    const report = await (await at(claim.block)).call.storageMinerRewardsApi.rewards(miner.address);
    assert.equal(report.frozen.isTrue, false);
    assert.equal(report.claimable.toBigInt(), 0n);
    assert.equal(report.vesting.toBigInt(), s.vesting - paid, 'still vesting');
    // The premise: one slash only (the next round's miss had not settled yet).
    assert.equal(log.find('audit', 'MinerSlashed', (d, r) => mine(d) && r.block <= claim.block).length, 1);
  }));
});
