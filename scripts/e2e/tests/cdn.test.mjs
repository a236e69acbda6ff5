// CD²N end to end on the dev chain: a user funds an escrow and signs retrieval tickets in
// JavaScript (raw and browser-wallet `<Bytes>`-wrapped), a retrieval node settles them, the
// receipt runtime API lists them, and after the service cycle the node claims 50 %.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { stringToU8a, u8aConcat, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { collectEvents, startNode, submitAndWatch } from '../lib/node.mjs';

const CESS = 10n ** 18n;

/** The message a user signs for a ticket (see docs/cdn.md). */
function ticketPayload(api, t) {
  const kind = { Retrieval: 0, CacheOrder: 1, CachedBytes: 2 }[t.kind];
  return u8aConcat(
    stringToU8a('cess-cdn-ticket:'),
    api.createType('(H256, AccountId32, AccountId32, u64, u64, u128, u8)', [
      t.genesis, t.signer, t.node, t.nonce, t.bytes, t.amount, kind,
    ]).toU8a(),
  );
}

describe('CD²N: tickets, receipts and the 50 % claim', () => {
  let node;
  let api;
  let user;
  let retrieval;
  let tickets;

  before(async () => {
    await cryptoWaitReady();
    node = await startNode('cdn', ['--dev']);
    api = node.api;
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    user = keyring.addFromUri('//Eve');
    retrieval = keyring.addFromUri('//Ferdie');
  });

  after(async () => {
    if (node) await node.stop();
  });

  const errorName = (err) => {
    const m = api.registry.findMetaError(err.asModule);
    return `${m.section}.${m.name}`;
  };

  test('a retrieval node settles user-signed tickets; replays are refused', async () => {
    const reg = await submitAndWatch(api, api.tx.cdn.registerNode('Retrieval', '/ip4/127.0.0.1/tcp/4001'), retrieval);
    assert.equal(reg.dispatchError, undefined, 'registerNode');
    const dep = await submitAndWatch(api, api.tx.cdn.deposit(10n * CESS), user);
    assert.equal(dep.dispatchError, undefined, 'deposit');

    const genesis = api.genesisHash.toHex();
    tickets = [1, 2, 3].map((nonce) => ({
      genesis, signer: user.address, node: retrieval.address, nonce, bytes: 1_048_576 * nonce,
      amount: CESS, kind: 'Retrieval',
    }));
    const signed = tickets.map((t, i) => {
      const payload = ticketPayload(api, t);
      // The third ticket is signed the way a browser wallet's signRaw signs bytes.
      const signature = i === 2 ? user.sign(u8aWrapBytes(payload)) : user.sign(payload);
      return { ticket: t, signature: u8aToHex(signature) };
    });

    const settled = await submitAndWatch(api, api.tx.cdn.submitTickets(signed), retrieval);
    assert.equal(settled.dispatchError, undefined, 'submitTickets');
    const receipts = settled.events.filter((e) => api.events.cdn.TicketSettled.is(e));
    assert.deepEqual(receipts.map((e) => e.data.nonce.toNumber()), [1, 2, 3]);
    const batch = settled.events.find((e) => api.events.cdn.BatchSettled.is(e));
    // 3 CESS settled: 5 % (0.15 CESS) to the treasury, 2.85 CESS income.
    assert.equal(batch.data.amount.toBigInt(), 3n * CESS);
    assert.equal(batch.data.treasury.toBigInt(), 15n * CESS / 100n);
    assert.equal(batch.data.income.toBigInt(), 285n * CESS / 100n);

    const escrowBefore = await api.query.system.account(user.address);
    const replay = await submitAndWatch(api, api.tx.cdn.submitTickets([signed[0]]), retrieval);
    assert.ok(replay.dispatchError, 'replay fails');
    assert.equal(errorName(replay.dispatchError), 'cdn.StaleNonce');
    const escrowAfter = await (await api.at(replay.blockHash)).query.system.account(user.address);
    assert.equal(escrowAfter.data.reserved.toBigInt(), escrowBefore.data.reserved.toBigInt(), 'escrow unchanged');

    const forged = { ticket: { ...tickets[2], nonce: 4 }, signature: signed[2].signature };
    const bad = await submitAndWatch(api, api.tx.cdn.submitTickets([forged]), retrieval);
    assert.equal(errorName(bad.dispatchError), 'cdn.BadSignature');
  });

  test('the receipt API lists the tickets of the cycle', async () => {
    const cycle = (await api.call.cdnApi.currentCycle()).toNumber();
    const report = await api.call.cdnApi.nodeCycleReport(retrieval.address, cycle);
    // One receipt per (signer, kind): the three tickets of the user, 1 + 2 + 3 MiB, 3 CESS.
    assert.equal(report.receipts.length, 1);
    const [r] = report.receipts;
    assert.equal(r.signer.toString(), user.address);
    assert.equal(r.kind.toString(), 'Retrieval');
    assert.equal(r.tickets.toNumber(), 3);
    assert.equal(r.units.toBigInt(), 6n * 1_048_576n);
    assert.equal(r.amount.toBigInt(), 3n * CESS);
    assert.equal(r.lastNonce.toNumber(), 3);
  });

  test('after the cycle the node is paid income × 95 % + the retrieval pool, and claims 50 %', async () => {
    const cycle = (await api.call.cdnApi.currentCycle()).toNumber();
    // The cycle closes after 4 eras (80 blocks on the dev chain).
    const [closed] = await collectEvents(
      api,
      (e) => api.events.cdn.CycleClosed.is(e) && e.data.cycle.toNumber() === cycle,
      (found) => found.length > 0,
      { timeoutMs: 12 * 60_000 },
    );
    const retrievalPool = closed.data.retrievalPool.toBigInt();
    assert.ok(retrievalPool > 0n, 'issuance funded the CD²N pool');
    assert.equal(closed.data.retrievalPower.toNumber(), 3);

    // The only retrieval node holds all the power: it earns the whole retrieval pool.
    const report = await api.call.cdnApi.nodeCycleReport(retrieval.address, cycle);
    const expected = 285n * CESS / 100n + retrievalPool;
    assert.equal(report.reward.unwrap().total.toBigInt(), expected);

    const claim = await submitAndWatch(api, api.tx.cdn.claim(), retrieval);
    assert.equal(claim.dispatchError, undefined, 'claim');
    const claimed = claim.events.find((e) => api.events.cdn.RewardClaimed.is(e));
    assert.equal(claimed.data.amount.toBigInt(), (expected + 1n) / 2n, 'half, rounded up');

    const again = await submitAndWatch(api, api.tx.cdn.claim(), retrieval);
    assert.equal(errorName(again.dispatchError), 'cdn.AlreadyClaimedThisCycle');
  });
});
