// A real equivocation on four local validators: a fifth node is started with Dave's session
// keys in its keystore (`key insert` of the same seed: the operator mistake
// docs/operators/validator.md §8 warns against). Both nodes
// author Dave's slots, so Dave signs two different blocks for one slot; the other validators
// import both, their BABE import queue builds the equivocation proof and submits it as an
// unsigned `babe.reportEquivocationUnsigned` (GRANDPA's voter does the same for two votes in
// one round). The report lands on chain and Dave is slashed exactly by the SPEC §4 rule for
// x = 1 of n = 4: min((3·1/4)², 1) × 5 % × MSA = 0.5625 × 5 % × 10 000 CESS = 281.25 CESS,
// and chilled. Honest validators are never reported.
//
// About 6 minutes: `scripts/test.sh --faults` runs it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chainReader, equivocationProofs, EQUIVOCATIONS, lostTo, slashReports } from '../lib/offences.mjs';
import { CESS, NAMES, finalizedNumber, startFourValidators, until } from '../lib/validators.mjs';

const MINUTE = 60_000;
const BOND = 100_000n * CESS;

describe('a validator whose keys run on two nodes', () => {
  let net;
  let api;
  let addr;
  let chain;

  before(async () => {
    net = await startFourValidators();
    ({ api, addr } = net);
    chain = chainReader(api);
  });

  after(async () => {
    if (net) await net.stop();
  });

  test('four validators author and finalize', async () => {
    const authors = new Set();
    await until('all four authored', async () => {
      const head = await api.rpc.chain.getHeader();
      for (let n = head.number.toNumber(), h = head; n > 0 && n > head.number.toNumber() - 40; n--) {
        const derived = await api.derive.chain.getHeader(h.hash);
        if (derived.author) authors.add(derived.author.toString());
        h = await api.rpc.chain.getHeader(h.parentHash);
      }
      return NAMES.every((n) => authors.has(addr[n]));
    }, { timeoutMs: 6 * MINUTE, everyMs: 6_000 }).catch((e) => { throw new Error(`${e.message}\n${net.logs()}`); });
    const f = await finalizedNumber(api);
    await until('finality advances', async () => (await finalizedNumber(api)) > f + 2);
  });

  test('the copy equivocates; the report lands on chain; Dave is slashed 281.25 CESS and chilled', async (t) => {
    const honest = [addr.alice, addr.bob, addr.charlie];
    const startedAt = Date.now();
    await net.startWithKeysOf('dave-copy', 'dave');

    // The first BABE equivocation offence on Alice's best chain (both nodes author every
    // slot of Dave's, so there is one within a few slots), then the copy goes away. The two
    // also tend to vote differently in GRANDPA: those reports are allowed and checked too.
    const reported = await until('a BABE equivocation report naming Dave', async () => {
      const blocks = await chain((await api.rpc.chain.getHeader()).hash);
      for (const b of blocks) {
        for (const e of b.events) {
          if (!api.events.offences.Offence.is(e)) continue;
          const kind = new TextDecoder().decode(e.data[0].toU8a());
          if (kind === 'babe:equivocatio') return { block: b.number, hash: b.hash, kind };
        }
      }
      return null;
    }, { timeoutMs: 5 * MINUTE, everyMs: 2_000 }).catch((e) => { throw new Error(`${e.message}\n${net.logs(20)}`); });
    const reportedAfter = (Date.now() - startedAt) / 1000;
    await net.kill('dave-copy');

    // The report itself: Dave's key, one slot, two different headers, both for that slot.
    const proof = (await equivocationProofs(api, reported.hash)).find((p) => p.pallet === 'babe');
    assert.equal(proof.offender, addr.dave);
    assert.equal(proof.validatorCount, 4);
    const block = await api.rpc.chain.getBlock(reported.hash);
    const xt = block.block.extrinsics.find((x) =>
      x.method.section === 'babe' && x.method.method === 'reportEquivocationUnsigned');
    const evidence = xt.method.args[0];
    assert.notEqual(evidence.firstHeader.hash.toHex(), evidence.secondHeader.hash.toHex());
    for (const h of [evidence.firstHeader, evidence.secondHeader]) {
      const pre = h.digest.logs.find((l) => l.isPreRuntime).asPreRuntime[1];
      const digest = api.createType('RawBabePreDigest', pre).value;
      assert.equal(digest.slotNumber.toString(), evidence.slot.toString());
    }
    assert.equal(evidence.firstHeader.number.toNumber(), evidence.secondHeader.number.toNumber());

    // Final, then checked against the formula with every other report on the chain.
    await until('the report final', async () => (await finalizedNumber(api)) >= reported.block);
    const head = await api.rpc.chain.getFinalizedHead();
    const blocks = await chain(head);
    const reports = await slashReports(api, blocks);
    for (const r of reports) {
      assert.ok(!honest.includes(r.validator), `honest ${r.validator} reported (${r.kind}) at block ${r.block}`);
    }
    const mine = reports.filter((r) => EQUIVOCATIONS[r.kind]);
    assert.ok(mine.some((r) => r.kind === 'babe:equivocatio'), 'the BABE report is on the finalized chain');
    const msa = (await api.query.staking.minValidatorBond()).toBigInt();
    assert.equal(msa, 10_000n * CESS);
    for (const r of mine) {
      assert.equal(r.validator, addr.dave);
      assert.equal(r.x, 1n);
      assert.equal(r.n, 4n);
      // (3/4)² = 0.5625; × 5 % × 10 000 CESS.
      assert.equal(r.amount, 281_250_000_000_000_000_000n);
      assert.ok(r.slash > r.amount - 1_000_000n && r.slash <= r.amount, `${r.slash}`);
    }
    const { expected, applied } = lostTo(api, blocks, reports, addr.dave);
    assert.equal(applied, expected, 'slashes applied = the formula amounts');
    // One equivocation era: one slash (pallet-staking keeps the largest per era).
    assert.equal(new Set(mine.map((r) => r.era)).size, 1);
    const at = await api.at(head);
    assert.equal((await at.query.staking.ledger(addr.dave)).unwrap().active.toBigInt(), BOND - expected);
    assert.ok(!(await at.query.staking.validators.keys()).some((k) => k.args[0].toString() === addr.dave),
      'Dave chilled');
    t.diagnostic(`first ${reported.kind} report in block ${reported.block}, ${reportedAfter} s after the copy started; ` +
      `reports: ${mine.map((r) => `${r.kind} era ${r.era} session ${r.session}`).join(', ')}; lost ${expected}`);
  });
});
