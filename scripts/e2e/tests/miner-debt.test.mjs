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
// debt-first order with real debt is played by `long/miner-real-debt.test.mjs` (about an hour,
// run by `scripts/test.sh --long`) and by the unit tests `debt_is_repaid_first_from_top_ups`
// and `withdraw_with_debt_above_collateral_frees_the_slot_and_rewards_pay_the_debt_first`.
//
// Dev timings: 6 s blocks, 20-block rounds, 4 rounds per cycle, 10-block days. The cycle end
// (block 80) bounds the file at about 11 minutes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN, MinerScenario, TiB, percentFloor } from '../lib/miner-scenario.mjs';

describe('a frozen miner cannot claim; a top-up unfreezes it and the vested steps are paid', () => {
  const sc = new MinerScenario('miner-debt');
  const { s } = sc;
  let api;
  let log;
  let miner;
  let perTib;
  const mine = (d) => sc.mine(d);
  const at = (b) => sc.at(b);
  const minerInfo = (b) => sc.minerInfo(b);
  const account = (b) => sc.account(b);
  const addr = (a) => a.toString();

  before(async () => {
    await sc.start();
    ({ api, log, miner, perTib } = sc);
  });
  after(() => sc.stop());

  test('the agent registers and commits; a user stores one file on it', { timeout: 8 * MIN },
    sc.diag(() => sc.storeOneFile()));

  test('honest phase, then the order of the cycle: half paid at once', { timeout: 20 * MIN },
    sc.diag(() => sc.honestCycleThenClaim()));

  test('the stopped miner misses its service proof: slashed and Frozen', { timeout: 6 * MIN }, sc.diag(async () => {
    sc.need(s.claimBlock, 'the order');
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

  test('frozen: the claim is refused; a partial top-up does not help; the full one does', { timeout: 6 * MIN }, sc.diag(async () => {
    sc.need(s.slashBlock, 'the slash');
    const refuse = (what) => sc.refuseClaim(what);
    const topUp = async (amount, what) => {
      const infoBefore = await minerInfo(log.head);
      const r = await sc.send(api.tx.storageMiner.increaseCollateral(amount));
      sc.ok(r, what);
      const inc = r.events.find((e) => api.events.storageMiner.CollateralIncreased.is(e));
      assert.ok(inc, `${what}: CollateralIncreased`);
      // Debt first (0 here: nothing goes to the treasury), the rest held.
      assert.equal(inc.data.amount.toBigInt(), amount);
      assert.equal(inc.data.debtRepaid.toBigInt(), 0n, `${what}: debt repaid first — there is none`);
      assert.equal(inc.data.debt.toBigInt(), 0n);
      assert.equal(inc.data.collateral.toBigInt(), infoBefore.collateral.toBigInt() + amount, `${what}: all of it held`);
      assert.equal(r.events.filter((e) => api.events.balances.Transfer.is(e) && addr(e.data.from) === miner.address).length, 0,
        `${what}: no transfer from the miner (a debt repayment goes to the treasury)`);
      const fee = sc.feeIn(r);
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
    await log.waitFor(() => sc.day(log.head) > sc.day(refused.block), 3 * MIN, 'the next block day');
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
    const claim = await sc.claimVested(refused.block);
    // The premise: one slash only (the next round's miss had not settled yet).
    assert.equal(log.find('audit', 'MinerSlashed', (d, r) => mine(d) && r.block <= claim.block).length, 1);
  }));
});
