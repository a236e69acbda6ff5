// Issue 13, "shrink under a challenge", played on the dev chain with polkadot.js.
//
// The attacker stores nothing: it commits a garbage idle commitment for 1 000 fillers
// (8 000 MiB of idle space), waits for its challenge, shrinks its commitment to one filler (so
// every challenged filler index "no longer exists") and answers with an empty proof. Under the
// old rule the idle part was checked against the *current* commitment and count and the
// removed items were excused: the empty proof passed and earned 5 % × min(8 000 MiB, 8 MiB)
// = 419 430 power. Now the proof is verified against the miner's frozen snapshot (the garbage
// commitment, 1 000 fillers, 4 challenged at the default parameters): it fails with
// `FillerCountMismatch { expected: 4, got: 0 }` and earns 0 power. Proofs are declared free
// (`Pays::No`, so an honest miner without balance can still answer); the attacker gets exactly
// one admitted try per round — `CheckProof` rejects the second in the pool.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { stringToHex, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, submitAndWatch, waitForHead } from '../lib/node.mjs';

const CESS = 10n ** 18n;
const MIN = 60_000;

describe('challenge attacks on the dev chain', () => {
  let node;
  let api;
  let attacker;

  before(async () => {
    await cryptoWaitReady();
    node = await startNode('challenge-attack', ['--dev']);
    api = node.api;
    attacker = new Keyring({ type: 'sr25519', ss58Format: 11330 }).addFromUri('//Eve');
  });

  after(async () => {
    if (node) await node.stop();
  });

  const errorName = (err) => {
    const m = api.registry.findMetaError(err.asModule);
    return `${m.section}.${m.name}`;
  };
  const ok = (r, what) => assert.equal(r.dispatchError, undefined, `${what}: ${r.dispatchError && errorName(r.dispatchError)}`);

  test('a miner with a garbage commitment that shrinks under its challenge gets no power', { timeout: 10 * MIN }, async () => {
    const garbage = u8aToHex(blake2AsU8a('garbage commitment'));
    ok(await submitAndWatch(
      api, api.tx.storageMiner.register(attacker.address, stringToHex('/ip4/127.0.0.1/tcp/15009'), 1, 2_000n * CESS), attacker), 'register');
    ok(await submitAndWatch(api, api.tx.storageMiner.commitIdle(garbage, 1_000), attacker), 'commitIdle(garbage, 1 000)');

    // Enrolled within a block or two, challenged from the next round (dev rounds: 20 blocks).
    let report;
    await waitForHead(api, () => true);
    const deadlineBlocks = 2 * 20 + 10;
    for (let i = 0; i < deadlineBlocks * 2; i += 1) {
      const r = await api.call.auditApi.minerChallenge(attacker.address);
      if (r.isSome && r.unwrap().challenge.isSome) { report = r.unwrap(); break; }
      await new Promise((res) => setTimeout(res, 3_000));
    }
    assert.ok(report, 'the attacker is challenged');
    const challenge = report.challenge.unwrap();
    const round = report.round.toNumber();
    assert.equal(challenge.fillerCount.toNumber(), 1_000, 'challenge from the snapshot: 1 000 fillers');
    assert.equal(u8aToHex(report.fillerCommitment), garbage, 'verified against the garbage commitment');
    const challenged = challenge.fillers.map((f) => f.index.toNumber());
    assert.equal(challenged.length, 4, 'default parameters: 4 challenged fillers');
    const lowest = Math.min(...challenged);
    assert.ok(lowest >= 1, `lowest challenged filler ${lowest} is above the shrunk count`);

    // Shrink below the lowest challenged index.
    ok(await submitAndWatch(api, api.tx.storageMiner.commitIdle(u8aToHex(blake2AsU8a('one filler')), 1), attacker), 'commitIdle(.., 1)');
    const after = (await api.call.auditApi.minerChallenge(attacker.address)).unwrap();
    assert.equal(JSON.stringify(after.challenge.toJSON()), JSON.stringify(report.challenge.toJSON()), 'the open challenge is frozen');

    // The empty proof.
    const before = (await api.query.system.account(attacker.address)).data.free.toBigInt();
    const sent = await submitAndWatch(api, api.tx.audit.submitProof(round, { fillers: [], fragments: [] }), attacker);
    ok(sent, 'submitProof');
    const verified = sent.events.find((e) => api.events.audit.ProofVerified.is(e));
    assert.ok(verified, 'ProofVerified');
    const d = verified.data;
    assert.equal(d.idle.type, 'Failed', `idle part: ${JSON.stringify(d.idle.toJSON())}`);
    assert.deepEqual(d.idle.asFailed.toJSON(), { fillerCountMismatch: { expected: 4, got: 0 } });
    assert.equal(d.service.type, 'NotChallenged');
    assert.equal(d.power.toBigInt(), 0n, 'no power');
    const cycle = d.cycle.toNumber();
    assert.equal((await api.call.auditApi.minerPower(cycle, attacker.address)).toBigInt(), 0n);
    // Proofs are declared free: no fee, the balance is unchanged (and nothing was earned).
    const paid = sent.events.find((e) => api.events.transactionPayment.TransactionFeePaid.is(e));
    assert.equal(paid ? paid.data.actualFee.toBigInt() : 0n, 0n, 'a proof is free');
    const afterBalance = (await api.query.system.account(attacker.address)).data.free.toBigInt();
    assert.equal(afterBalance, before, 'free balance unchanged: no fee, no reward');

    // A second try in the same round never reaches a block: the pool's `CheckProof` rejects it
    // (`ProofRejection::AlreadyProved` = custom code 5).
    await assert.rejects(
      submitAndWatch(api, api.tx.audit.submitProof(round, { fillers: [], fragments: [] }), attacker),
      /Invalid Transaction: Custom error: 5/);
    // So is a proof from an account that is not a miner (code 3).
    const stranger = new Keyring({ type: 'sr25519', ss58Format: 11330 }).addFromUri('//Ferdie');
    await assert.rejects(
      submitAndWatch(api, api.tx.audit.submitProof(round, { fillers: [], fragments: [] }), stranger),
      /Invalid Transaction: Custom error: 3/);
  });
});
