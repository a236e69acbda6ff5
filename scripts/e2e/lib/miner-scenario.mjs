// One storage miner (//Dave, run by a real agent with `--no-claim`) and one user (//Charlie)
// on a dev chain: the set-up shared by the frozen-miner scenarios (`tests/miner-debt.test.mjs`,
// `long/miner-real-debt.test.mjs`).
//
// `storeOneFile` has the agent register and commit, and the user store one 8 MiB file of random
// bytes on it (redundancy 1). `honestCycleThenClaim` lets the agent pass every challenge until
// its proof of the last round of a cycle, stops it there (its next round then challenges the
// fragment), and claims the cycle's reward order, checking it to the unit:
// `Σ ⌊TotalReward_N × power / TotalStoragePower_N⌋`, half paid at once, half vesting ⌊V / 90⌋
// per block day.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { nodeBinary, repoRoot, startNode, submitAndWatch, tail, waitForHead } from './node.mjs';
import { Agent, ChainLog } from './storage.mjs';

const execFileP = promisify(execFile);
export const MiB = 1n << 20n;
export const TiB = 1n << 40n;
export const FRAGMENT = 8n * MiB;
const PERBILL = 1_000_000_000n;
/** pallet-storage-miner `RELEASE_STEPS`: V vests over 90 block days. */
export const RELEASE_STEPS = 90n;
export const MIN = 60_000;
const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');

/** `Perbill::from_percent(p).mul_floor(x)`. */
export const percentFloor = (p, x) => (x * (BigInt(p) * 10_000_000n)) / PERBILL;

export class MinerScenario {
  constructor(name) {
    this.name = name;
    this.failed = false;
    this.s = {}; // what one test hands to the next
  }

  async start() {
    await cryptoWaitReady();
    mkdirSync(tmpRoot, { recursive: true });
    this.node = await startNode(this.name, ['--dev']);
    this.api = this.node.api;
    this.log = new ChainLog(this.api);
    await this.log.start();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    this.miner = keyring.addFromUri('//Dave');
    this.user = keyring.addFromUri('//Charlie');
    this.agent = new Agent(this.name, this.miner, { extraArgs: ['--no-claim'] });
    rmSync(this.agent.dataDir, { recursive: true, force: true });
    await this.agent.start(this.node.rpcPort, '//Dave');
    this.blockDay = (await this.api.query.timings.blockDay()).toNumber();
    this.perTib = this.api.consts.storageMiner.collateralPerTiB.toBigInt();
    this.roundsPerCycle = this.api.consts.audit.roundsPerCycle.toNumber();
  }

  async stop() {
    if (this.agent) await this.agent.stop().catch(() => {});
    if (this.log) this.log.stop();
    if (this.node) await this.node.stop();
    if (!this.failed) {
      if (this.agent) rmSync(this.agent.dataDir, { recursive: true, force: true });
      if (this.s.path) rmSync(this.s.path, { force: true });
    }
  }

  addr(a) { return a.toString(); }
  /** Whether an event's `miner` is our miner. */
  mine(d) { return this.addr(d.miner) === this.miner.address; }
  day(block) { return Math.floor(block / this.blockDay); }
  errorName(err) {
    const m = this.api.registry.findMetaError(err.asModule);
    return `${m.section}.${m.name}`;
  }
  ok(r, what) {
    assert.equal(r.dispatchError, undefined, `${what}: ${r.dispatchError && this.errorName(r.dispatchError)}`);
  }
  async blockOf(r) { return (await this.api.rpc.chain.getHeader(r.blockHash)).number.toNumber(); }
  async at(block) { return this.api.at(this.log.hashes.get(block)); }
  async minerInfo(block) {
    const call = block === undefined ? this.api.call : (await this.at(block)).call;
    return (await call.storageMinerApi.minerInfo(this.miner.address)).unwrap();
  }
  async account(block, who = this.miner.address) {
    return (await (await this.at(block)).query.system.account(who)).data;
  }
  async rewardsRecord(block) {
    return (await (await this.at(block)).query.storageMiner.rewards(this.miner.address)).toJSON();
  }
  /** The one `TransactionFeePaid` of the miner's extrinsic `r`. */
  feeIn(r) {
    const paid = r.events.filter((e) => this.api.events.transactionPayment.TransactionFeePaid.is(e));
    assert.equal(paid.length, 1, 'one TransactionFeePaid');
    assert.equal(this.addr(paid[0].data.who), this.miner.address);
    return paid[0].data.actualFee.toBigInt();
  }
  /** Submits `tx` from the miner; waits until the chain log has its block. */
  async send(tx) {
    const r = await submitAndWatch(this.api, tx, this.miner);
    r.block = await this.blockOf(r);
    await this.log.waitFor(() => this.log.head >= r.block, 2 * MIN, `block ${r.block} in the log`);
    return r;
  }

  /** Wraps a test body: on failure, appends the agent's and node's logs and the chain's events. */
  diag(fn) {
    return async () => {
      try {
        await fn();
      } catch (e) {
        this.failed = true;
        const parts = [e.message];
        if (this.agent) for (const f of this.agent.logFiles) parts.push(`--- agent ${f} ---\n${tail(f, 30)}`);
        if (this.node) parts.push(`--- node ${this.node.logFile} ---\n${this.node.logTail()}`);
        if (this.log) parts.push(`--- storage events (chain at #${this.log.head}) ---\n${this.log.summary()}`);
        const err = new Error(parts.join('\n\n'));
        err.cause = e;
        throw err;
      }
    };
  }

  /** Fails a test whose premise an earlier test did not establish. */
  need(cond, what) {
    if (!cond) throw new Error(`skipped: ${what} did not happen in an earlier test`);
  }

  /** The agent registers and commits; the user stores one 8 MiB file on it for `leaseDays`. */
  async storeOneFile({ leaseDays = 30 } = {}) {
    const { api, log, miner, user, agent } = this;
    await log.waitFor(async () => {
      agent.assertRunning();
      const info = await api.call.storageMinerApi.minerInfo(miner.address);
      return info.isSome && info.unwrap().state.type === 'Positive';
    }, 6 * MIN, 'the miner Positive');
    const info = await this.minerInfo();
    assert.equal(info.declaredTib.toNumber(), 1);
    assert.equal(info.collateral.toBigInt(), this.perTib, 'collateral = the requirement for 1 TiB');
    assert.equal(info.requirement.toBigInt(), this.perTib);
    assert.equal(info.debt.toBigInt(), 0n);

    this.ok(await submitAndWatch(api, api.tx.fileBank.buySpace(1, leaseDays), user), `buySpace(1 GiB, ${leaseDays} days)`);
    // A full fragment of random bytes, so a proof without the data cannot pass.
    const content = randomBytes(Number(FRAGMENT));
    this.s.path = join(tmpRoot, `${this.name}-file-${process.pid}.bin`);
    writeFileSync(this.s.path, content);
    const { stdout } = await execFileP(nodeBinary(),
      ['storage-miner', 'fragment-roots', '--file', this.s.path, '--owner', user.address]);
    const roots = JSON.parse(stdout);
    assert.equal(roots.fragments.length, 1);
    const hash = roots.file_hash.toLowerCase();
    const declared = await submitAndWatch(
      api, api.tx.fileBank.declareFile(roots.size, [roots.fragments[0].root], 1), user);
    this.ok(declared, 'declareFile(redundancy 1)');
    const ev = declared.events.find((e) => api.events.fileBank.FileDeclared.is(e));
    assert.equal(ev.data.file.toHex(), hash, 'the chain gives the hash the CLI printed');
    // Placed `PlacementDelay` blocks later (issue 13): wait for the assignment.
    const placed = await log.waitFor(
      () => log.find('fileBank', 'FragmentAssigned', (d) => d.file.toHex() === hash)[0], 2 * MIN, 'FragmentAssigned');
    assert.equal(this.addr(placed.event.data.miner), miner.address, 'to the only Positive miner');
    const declaredBlock = await this.blockOf(declared);
    await waitForHead(api, (h) => h.number.toNumber() >= declaredBlock, { finalized: true, timeoutMs: 2 * MIN });
    const put = await agent.request('PUT', `/fragments/${hash}/0/${placed.event.data.replica.toNumber()}`, content,
      { signer: user, api });
    assert.equal(put.status, 200, `PUT: ${put.status} ${put.text}`);

    const confirmed = await log.waitFor(() => {
      agent.assertRunning();
      return log.find('fileBank', 'FragmentConfirmed', (d) => this.mine(d) && d.file.toHex() === hash)[0];
    }, 4 * MIN, 'FragmentConfirmed');
    this.s.confirmedBlock = confirmed.block;
    this.s.fileHash = hash;
    assert.equal((await this.minerInfo()).serviceSpace.toBigInt(), FRAGMENT, 'service space 8 MiB');
  }

  /**
   * Honest proofs until the last round of a cycle after the confirmation, the agent stopped
   * right after it, then the claim of that cycle: sets `s.{lastRound, cycle, claimBlock,
   * orderDay, vesting, step}`.
   */
  async honestCycleThenClaim() {
    const { api, log, miner, agent, s } = this;
    this.need(s.confirmedBlock, 'the confirmation');
    // The last proof of a cycle taken after the confirmation: its checkpoint's snapshot holds
    // the fragment, so the next round (the next cycle's first) challenges the service part.
    const last = await log.waitFor(() => {
      agent.assertRunning();
      const missed = log.find('audit', 'ProofMissed', (d) => this.mine(d));
      if (missed.length) throw new Error(`the honest agent missed round ${missed[0].event.data.round}`);
      return log.find('audit', 'ProofVerified', (d, r) => this.mine(d) && r.block > s.confirmedBlock &&
        d.power.toBigInt() > 0n && (d.round.toNumber() + 1) % this.roundsPerCycle === 0)[0];
    }, 16 * MIN, 'a passing proof of the last round of a cycle after the confirmation');
    const stopped = await agent.stop();
    assert.ok(stopped.graceful, `the agent stops on SIGTERM (${JSON.stringify(stopped)})`);
    s.lastRound = last.event.data.round.toNumber();
    const cycle = last.event.data.cycle.toNumber();
    assert.equal(cycle, Math.floor(s.lastRound / this.roundsPerCycle));
    assert.equal(log.find('audit', 'ProofVerified', (d, r) => this.mine(d) && r.block > last.block).length, 0,
      'no proof after the one the agent was stopped at');
    for (const p of log.find('audit', 'ProofVerified', (d) => this.mine(d))) {
      assert.equal(p.event.data.idle.type, 'Passed', `idle part of round ${p.event.data.round}`);
      assert.notEqual(p.event.data.service.type, 'Failed', `service part of round ${p.event.data.round}`);
    }

    await log.waitFor(() => log.find('audit', 'CycleFinished', (d) => d.cycle.toNumber() === cycle)[0],
      6 * MIN, `CycleFinished(${cycle})`);
    const claim = await this.send(api.tx.storageMiner.claimRewards());
    this.ok(claim, 'claimRewards');
    assert.equal(log.find('audit', 'MinerSlashed', (d) => this.mine(d)).length, 0, 'claimed before any slash');
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
      const minerPower = log.find('audit', 'ProofVerified', (d) => this.mine(d) && d.cycle.toNumber() === c)
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
    const fee = this.feeIn(claim);
    assert.equal((await this.account(claim.block)).free.toBigInt() - (await this.account(claim.block - 1)).free.toBigInt(),
      immediate - fee, 'free balance + immediate − fee');
    const record = await this.rewardsRecord(claim.block);
    const orderDay = this.day(claim.block);
    assert.equal(record.lastDay, orderDay);
    assert.equal(record.orders.length, 1);
    assert.equal(record.orders[0].day, orderDay);
    assert.equal(BigInt(record.orders[0].vesting), vesting);
    assert.equal(BigInt(record.orders[0].step), vesting / RELEASE_STEPS, 'step = ⌊V / 90⌋');
    // Kept here: a long scenario reads it after the node has pruned that block's state.
    s.claimRecord = record;
    Object.assign(s, { claimBlock: claim.block, orderDay, vesting, step: vesting / RELEASE_STEPS, cycle });
  }

  /**
   * A claim while frozen: fails with `storageMiner.FrozenCannotClaim` although the runtime API
   * reports vested steps; only the fee is taken and the reward record is unchanged.
   */
  async refuseClaim(what) {
    const { api, log, s } = this;
    const head = log.head;
    const report = await (await this.at(head)).call.storageMinerRewardsApi.rewards(this.miner.address);
    assert.equal(report.frozen.isTrue, true, `${what}: the runtime API reports frozen`);
    assert.equal(report.claimable.toBigInt(), s.step * BigInt(this.day(head) - s.orderDay),
      `${what}: claimable = the vested steps`);
    const r = await this.send(api.tx.storageMiner.claimRewards());
    assert.ok(r.dispatchError, `${what}: the claim fails`);
    assert.equal(this.errorName(r.dispatchError), 'storageMiner.FrozenCannotClaim', what);
    const fee = this.feeIn(r);
    assert.equal((await this.account(r.block - 1)).free.toBigInt() - (await this.account(r.block)).free.toBigInt(), fee,
      `${what}: only the fee is taken`);
    assert.deepEqual(await this.rewardsRecord(r.block), s.claimRecord, `${what}: the record is unchanged`);
    assert.equal(r.events.filter((e) => api.events.storageMiner.RewardsClaimed.is(e)).length, 0);
    return r;
  }

  /**
   * The claim once the miner is collateralised again: pays every step vested since the order
   * (the frozen days included) from the reward pool, and creates no new order.
   */
  async claimVested(refusedBlock) {
    const { api, s } = this;
    const claim = await this.send(api.tx.storageMiner.claimRewards());
    this.ok(claim, 'claimRewards after the top-up');
    const days = BigInt(this.day(claim.block) - s.orderDay);
    assert.ok(this.day(claim.block) > this.day(refusedBlock), 'at least one block day passed while frozen');
    assert.ok(days >= 2n, `${days} block days since the order`);
    const paid = s.step * days;
    const claimed = claim.events.find((e) => api.events.storageMiner.RewardsClaimed.is(e));
    assert.ok(claimed);
    assert.equal(claimed.data.paid.toBigInt(), paid, `⌊${s.vesting} / 90⌋ × ${days} block days`);
    assert.equal(claimed.data.unpaid.toBigInt(), 0n);
    assert.equal(claimed.data.ordersCompleted.toNumber(), 0);
    assert.equal(this.addr(claimed.data.beneficiary), this.miner.address);
    assert.equal(claim.events.filter((e) => api.events.storageMiner.RewardOrderCreated.is(e)).length, 0,
      'no new order (no power since the stop)');
    const fromPool = claim.events.filter((e) => api.events.balances.Transfer.is(e) && this.addr(e.data.to) === this.miner.address);
    assert.equal(fromPool.length, 1, 'one transfer to the miner');
    assert.equal(fromPool[0].data.amount.toBigInt(), paid);
    const pool = this.addr(fromPool[0].data.from);
    const poolAt = async (b) => (await this.account(b, pool)).free.toBigInt();
    assert.equal(await poolAt(claim.block - 1) - await poolAt(claim.block), paid, 'the reward pool pays it');
    const fee = this.feeIn(claim);
    assert.equal((await this.account(claim.block)).free.toBigInt() - (await this.account(claim.block - 1)).free.toBigInt(),
      paid - fee, 'free balance + paid − fee');
    const record = await this.rewardsRecord(claim.block);
    assert.equal(record.lastDay, this.day(claim.block));
    assert.equal(record.orders.length, 1);
    assert.equal(BigInt(record.orders[0].vesting), s.vesting);
    const report = await (await this.at(claim.block)).call.storageMinerRewardsApi.rewards(this.miner.address);
    assert.equal(report.frozen.isTrue, false);
    assert.equal(report.claimable.toBigInt(), 0n);
    assert.equal(report.vesting.toBigInt(), s.vesting - paid, 'still vesting');
    return claim;
  }
}
