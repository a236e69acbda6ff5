// Issue 15, "frozen means frozen" with real debt, played on the dev chain with polkadot.js and a
// real agent. About 60 minutes, so it is not in the README test command: run it with
// `scripts/test.sh --long` (or `node --test long/` in scripts/e2e).
//
// Why it is long: a slash takes at most SlashLimit = CollateralPerTiB × max(1, ⌈TiB⌉) × 5 % and
// a miner registers with at least CollateralPerTiB × declared TiB, so debt appears only at the
// 21st slash (5 % × 20 = 100 % of the collateral), one slash per 20-block round.
//
// One storage miner (//Dave) runs the agent with `--no-claim`; a user (//Charlie) stores one
// 8 MiB file on it (redundancy 1, a 180-day lease so the file outlives the scenario). Then:
//
//   honest phase   the agent passes every challenge; it is stopped right after its proof of the
//                  last round of a cycle; the test claims the cycle's order (half paid at once)
//   failing phase  every following round the test answers Dave's challenge with an empty proof
//                  (a failing service part: an empty proof is free and, unlike a miss, never
//                  leads to the five-miss ban). The first failure costs nothing; from the second
//                  on each costs SlashLimit = 2 000 × 5 % = 100 CESS: slash k takes
//                  min(100, 2 000 − 100 (k − 1)) from the collateral and the rest becomes debt,
//                  so slashes 1–20 empty the collateral and slash 21 leaves 100 CESS of debt.
//                  Frozen from the first slash; the only holder, so its replica stays (repair
//                  finds no other miner) and keeps being challenged.
//   frozen, debt   `claimRewards` fails with `storageMiner.FrozenCannotClaim`
//   debt first     a top-up of exactly the debt: `CollateralIncreased { debt_repaid: 100 CESS,
//                  collateral: 0, debt: 0 }`, the 100 CESS transferred to the treasury, the hold
//                  unchanged; still Frozen (no collateral), still refused
//   unfrozen       a top-up of the requirement (2 000 CESS) ⇒ `Positive`; the claim then pays
//                  exactly every step vested since the order, the frozen days included.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { palletAccount } from '../lib/node.mjs';
import { MIN, MinerScenario, TiB, percentFloor } from '../lib/miner-scenario.mjs';

describe('real debt: slashed past its collateral, the miner repays the debt first, then claims', () => {
  const sc = new MinerScenario('miner-real-debt');
  const { s } = sc;
  let api;
  let log;
  let miner;
  let perTib;
  const mine = (d) => sc.mine(d);
  const addr = (a) => a.toString();

  before(async () => {
    await sc.start();
    ({ api, log, miner, perTib } = sc);
  });
  after(() => sc.stop());

  test('the agent registers and commits; a user stores one file on it', { timeout: 8 * MIN },
    sc.diag(() => sc.storeOneFile({ leaseDays: 180 })));

  test('honest phase, then the order of the cycle: half paid at once', { timeout: 20 * MIN },
    sc.diag(() => sc.honestCycleThenClaim()));

  test('empty proofs every round: 20 slashes empty the collateral, the 21st is debt', { timeout: 60 * MIN }, sc.diag(async () => {
    sc.need(s.claimBlock, 'the order');
    const info0 = await sc.minerInfo(log.head);
    const collateral0 = info0.collateral.toBigInt();
    assert.equal(collateral0, perTib, 'not slashed yet');
    // 2 fillers + 1 fragment = 24 MiB ⇒ 1 TiB ⇒ SlashLimit = 5 % of CollateralPerTiB.
    const used = info0.idleSpace.toBigInt() + info0.serviceSpace.toBigInt();
    assert.ok(used > 0n && used <= TiB, `idle + service ${used} B within one TiB`);
    const limit = percentFloor(5, perTib);
    const slashesToDebt = Number(collateral0 / limit) + 1;
    assert.equal(slashesToDebt, 21, '2 000 CESS / 100 CESS + 1');

    const proved = new Set();
    let collateral = collateral0;
    let slashes = 0;
    let round = s.lastRound + 1;
    for (;;) {
      // Wait for the challenge of `round` (known once the miner's challenge block exists).
      const report = await log.waitFor(async () => {
        const r = await api.call.auditApi.minerChallenge(miner.address);
        if (r.isNone) throw new Error('the miner is no longer audited');
        const rep = r.unwrap();
        if (rep.round.toNumber() > round) throw new Error(`round ${round} passed without a challenge`);
        return rep.round.toNumber() === round && rep.challenge.isSome && !rep.proved.isTrue ? rep : null;
      }, 4 * MIN, `the challenge of round ${round}`);
      assert.equal(report.challenge.unwrap().fragments.length > 0, true, `round ${round} challenges the fragment`);
      const r = await sc.send(api.tx.audit.submitProof(round, { fillers: [], fragments: [] }));
      sc.ok(r, `submitProof(${round}, empty)`);
      proved.add(round);
      const verified = r.events.find((e) => api.events.audit.ProofVerified.is(e));
      assert.ok(verified, `ProofVerified(${round})`);
      assert.equal(verified.data.service.type, 'Failed', `round ${round}: the service part fails`);
      assert.equal(verified.data.power.toBigInt(), 0n);
      const slash = r.events.filter((e) => api.events.audit.MinerSlashed.is(e));
      if (round === s.lastRound + 1) {
        assert.equal(slash.length, 0, 'the first failure in a row costs nothing');
        assert.equal((await sc.minerInfo(r.block)).state.type, 'Positive');
      } else {
        assert.equal(slash.length, 1, `round ${round}: one slash`);
        slashes += 1;
        const d = slash[0].data;
        assert.equal(d.reason.type, 'ServiceFailedAgain');
        assert.equal(d.amount.toBigInt(), limit, 'SlashLimit');
        const taken = limit < collateral ? limit : collateral;
        assert.equal(d.slashed.toBigInt(), taken, `slash ${slashes}: from the collateral`);
        assert.equal(d.debtAdded.toBigInt(), limit - taken, `slash ${slashes}: the rest is debt`);
        const [a0, a1] = [await sc.account(r.block - 1), await sc.account(r.block)];
        assert.equal(a0.reserved.toBigInt() - a1.reserved.toBigInt(), taken, 'the hold shrinks by what was taken');
        collateral -= taken;
        const info = await sc.minerInfo(r.block);
        assert.equal(info.state.type, 'Frozen', `Frozen after slash ${slashes}`);
        assert.equal(info.collateral.toBigInt(), collateral);
        if (slashes === 1) {
          const changed = r.events.filter((e) => api.events.storageMiner.StateChanged.is(e));
          assert.equal(changed.length, 1);
          assert.equal(changed[0].data.from.type, 'Positive');
          assert.equal(changed[0].data.to.type, 'Frozen');
        }
        if (d.debtAdded.toBigInt() > 0n) {
          assert.equal(slashes, slashesToDebt, 'debt first appears at the 21st slash');
          assert.equal(collateral, 0n);
          assert.equal(info.debt.toBigInt(), limit, 'debt = one SlashLimit');
          Object.assign(s, { debtBlock: r.block, debtRound: round, debt: info.debt.toBigInt() });
          break;
        }
        assert.equal(info.debt.toBigInt(), 0n, `no debt while collateral remains (slash ${slashes})`);
      }
      assert.equal(log.find('audit', 'ProofMissed', (e) => mine(e)).length, 0, 'never a miss');
      round += 1;
    }
    assert.equal(log.find('audit', 'MinerBanned', (e) => mine(e)).length, 0, 'not banned');
    assert.equal(log.find('audit', 'MinerSlashed', (e) => mine(e)).length, slashesToDebt);
  }));

  test('with debt: refused; a top-up repays the debt first; then the requirement unfreezes it', { timeout: 6 * MIN }, sc.diag(async () => {
    sc.need(s.debtBlock, 'the debt');
    // Everything below happens before the next round's proof is due, so no further slash.
    const treasury = api.createType('AccountId', palletAccount(api.consts.treasury.palletId)).toString();
    const refused = await sc.refuseClaim('frozen with debt');
    const debt = s.debt;

    const repay = await sc.send(api.tx.storageMiner.increaseCollateral(debt));
    sc.ok(repay, 'increaseCollateral(debt)');
    const inc = repay.events.find((e) => api.events.storageMiner.CollateralIncreased.is(e));
    assert.ok(inc, 'CollateralIncreased');
    assert.equal(inc.data.amount.toBigInt(), debt);
    assert.equal(inc.data.debtRepaid.toBigInt(), debt, 'the debt is repaid first');
    assert.equal(inc.data.debt.toBigInt(), 0n);
    assert.equal(inc.data.collateral.toBigInt(), 0n, 'nothing left to hold');
    const transfers = repay.events.filter((e) => api.events.balances.Transfer.is(e) && addr(e.data.from) === miner.address);
    assert.equal(transfers.length, 1, 'one transfer from the miner');
    assert.equal(addr(transfers[0].data.to), treasury, 'to the treasury');
    assert.equal(transfers[0].data.amount.toBigInt(), debt);
    const fee = sc.feeIn(repay);
    const [a0, a1] = [await sc.account(repay.block - 1), await sc.account(repay.block)];
    assert.equal(a1.reserved.toBigInt(), a0.reserved.toBigInt(), 'the hold is unchanged');
    assert.equal(a0.free.toBigInt() - a1.free.toBigInt(), debt + fee, 'free balance − debt − fee');
    const info = await sc.minerInfo(repay.block);
    assert.equal(info.debt.toBigInt(), 0n);
    assert.equal(info.state.type, 'Frozen', 'no collateral: still Frozen');
    await sc.refuseClaim('debt paid, no collateral');

    // Vesting goes on while frozen: cover the requirement in a later block day.
    await log.waitFor(() => sc.day(log.head) > sc.day(refused.block), 3 * MIN, 'the next block day');
    const full = await sc.send(api.tx.storageMiner.increaseCollateral(perTib));
    sc.ok(full, 'increaseCollateral(requirement)');
    const inc2 = full.events.find((e) => api.events.storageMiner.CollateralIncreased.is(e));
    assert.equal(inc2.data.debtRepaid.toBigInt(), 0n);
    assert.equal(inc2.data.collateral.toBigInt(), perTib, 'all of it held');
    const changed = full.events.filter((e) => api.events.storageMiner.StateChanged.is(e));
    assert.equal(changed.length, 1);
    assert.equal(changed[0].data.from.type, 'Frozen');
    assert.equal(changed[0].data.to.type, 'Positive');

    const claim = await sc.claimVested(refused.block);
    assert.equal(log.find('audit', 'MinerSlashed', (d, r) => mine(d) && r.block <= claim.block).length, 21,
      'no slash after the debt (the next proof was not due yet)');
  }));
});
