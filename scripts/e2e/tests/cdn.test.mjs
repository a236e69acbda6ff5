// CD²N end to end on the dev chain (issue 16). A user funds an escrow, commits it to a
// retrieval node as an allowance and signs lottery tickets in JavaScript (raw and
// browser-wallet `<Bytes>`-wrapped); the node settles them skip-and-report, the paged receipt
// API lists them, and after the service cycle the node is paid income × 95 % plus its capped
// share of the retrieval pool and claims 50 %. In the same cycle a coalition tries the two
// v1 attacks — a cache-order ticket claiming 2^63 bytes and a free cached-bytes attestation —
// and its total balance goes down.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { stringToU8a, u8aConcat, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, submitAndWatch } from '../lib/node.mjs';

const CESS = 10n ** 18n;
const ALWAYS = '0xffffffffffffffff';

/** The message a payer signs for a lottery ticket to `node` (see docs/cdn.md). */
function ticketPayload(api, node, ticket) {
  return u8aConcat(
    stringToU8a('cess-cdn-ticket2:'),
    api.genesisHash.toU8a(),
    api.createType('AccountId32', node).toU8a(),
    api.createType('PalletCdnLotteryTicket', ticket).toU8a(),
  );
}

/** A random value the node commits to, and its commitment. */
function nodeRand(seed) {
  const rand = blake2AsU8a(stringToU8a(`rand-${seed}`));
  return { rand: u8aToHex(rand), hash: u8aToHex(blake2AsU8a(rand)) };
}

describe('CD²N: lottery tickets, capped pools and self-dealing', () => {
  let node;
  let api;
  let keyring;
  let user;
  let retrieval;
  let attacker;
  let sybilCache;
  let sybilRetrieval;
  let honestCycle;
  let attackCycle;
  let coalitionBefore;
  let coalitionFees = 0n;

  before(async () => {
    await cryptoWaitReady();
    node = await startNode('cdn', ['--dev']);
    api = node.api;
    keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    user = keyring.addFromUri('//Eve');
    retrieval = keyring.addFromUri('//Ferdie');
    // Fresh accounts (funded below): no validator or staking income mixes into their balance.
    attacker = keyring.addFromUri('//SybilPayer');
    sybilCache = keyring.addFromUri('//SybilCache');
    sybilRetrieval = keyring.addFromUri('//SybilRetrieval');
  });

  after(async () => {
    if (node) await node.stop();
  });

  const errorName = (err) => {
    const m = api.registry.findMetaError(err.asModule);
    return `${m.section}.${m.name}`;
  };

  /** The fee `signer` paid for the extrinsic whose events are `events`. */
  const feeOf = (events) => events
    .filter((e) => api.events.transactionPayment.TransactionFeePaid.is(e))
    .reduce((sum, e) => sum + e.data.actualFee.toBigInt() + e.data.tip.toBigInt(), 0n);

  const ok = async (tx, signer, what) => {
    const r = await submitAndWatch(api, tx, signer);
    assert.equal(r.dispatchError, undefined, what);
    return r;
  };

  /** Like `ok`, for a coalition member: adds its fee to `coalitionFees`. */
  const okCoalition = async (tx, signer, what) => {
    const r = await ok(tx, signer, what);
    coalitionFees += feeOf(r.events);
    return r;
  };

  const ticketFor = async (payer, nodeAddr, nonce, faceValue, extra = {}) => {
    const allowance = (await api.call.cdnApi.allowance(payer.address, nodeAddr)).unwrap();
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    const { rand, hash } = nodeRand(`${payer.address}-${nodeAddr}-${nonce}`);
    const ticket = {
      payer: payer.address,
      allowanceOpenedAt: allowance.openedAt.toNumber(),
      nonce,
      faceValue,
      winProb: ALWAYS,
      bytes: 1_048_576,
      kind: 'Retrieval',
      recipientRandHash: hash,
      expiresAt: head + 40,
      ...extra,
    };
    return { ticket, rand };
  };

  const sign = (payer, nodeAddr, { ticket, rand }, form = 'Raw') => {
    const payload = ticketPayload(api, nodeAddr, ticket);
    const signature = form === 'Bytes' ? payer.sign(u8aWrapBytes(payload)) : payer.sign(payload);
    return { ticket, signature: u8aToHex(signature), form, recipientRand: rand };
  };

  /** Free + held balance, allowances funded and unclaimed rewards of `accounts`. */
  const worth = async (accounts, allowancePairs) => {
    let total = 0n;
    for (const a of accounts) {
      const { data } = await api.query.system.account(a.address);
      total += data.free.toBigInt() + data.reserved.toBigInt();
      total += (await api.query.cdn.rewards(a.address)).balance.toBigInt();
    }
    for (const [payer, nodeAddr] of allowancePairs) {
      const a = await api.call.cdnApi.allowance(payer.address, nodeAddr);
      if (a.isSome) total += a.unwrap().balance.toBigInt();
    }
    return total;
  };

  test('a retrieval node settles user-signed lottery tickets; bad ones are skipped and reported', async () => {
    await ok(api.tx.cdn.registerNode('Retrieval', '/ip4/127.0.0.1/tcp/4001'), retrieval, 'registerNode');
    await ok(api.tx.cdn.deposit(10n * CESS), user, 'deposit');
    await ok(api.tx.cdn.setAllowance(retrieval.address, 10n * CESS), user, 'setAllowance');

    const signed = [];
    for (const nonce of [1, 2, 3]) {
      const t = await ticketFor(user, retrieval.address, nonce, CESS);
      // The third ticket is signed the way a browser wallet's signRaw signs bytes.
      signed.push(sign(user, retrieval.address, t, nonce === 3 ? 'Bytes' : 'Raw'));
    }
    const forged = { ...signed[1], ticket: { ...signed[1].ticket, nonce: 4 } };
    const settled = await ok(api.tx.cdn.submitTickets([...signed, forged]), retrieval, 'submitTickets');
    const winners = settled.events.filter((e) => api.events.cdn.TicketSettled.is(e));
    assert.deepEqual(winners.map((e) => e.data.nonce.toNumber()), [1, 2, 3]);
    const rejected = settled.events.filter((e) => api.events.cdn.TicketRejected.is(e));
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].data.index.toNumber(), 3);
    assert.equal(rejected[0].data.reason.toString(), 'BadSignature');
    const batch = settled.events.find((e) => api.events.cdn.BatchSettled.is(e));
    honestCycle = batch.data.cycle.toNumber();
    // 3 CESS paid: 5 % (0.15 CESS) to the treasury, 2.85 CESS income.
    assert.equal(batch.data.paid.toBigInt(), 3n * CESS);
    assert.equal(batch.data.treasury.toBigInt(), 15n * CESS / 100n);
    assert.equal(batch.data.income.toBigInt(), 285n * CESS / 100n);
    assert.equal(batch.data.settled.toNumber(), 3);
    assert.equal(batch.data.rejected.toNumber(), 1);

    // Nothing settles: the call fails with the first ticket's error and changes nothing.
    const held = (await api.query.system.account(user.address)).data.reserved.toBigInt();
    const replay = await submitAndWatch(api, api.tx.cdn.submitTickets([signed[0]]), retrieval);
    assert.equal(errorName(replay.dispatchError), 'cdn.StaleNonce');
    const huge = sign(user, retrieval.address, await ticketFor(user, retrieval.address, '18446744073709551615', CESS));
    const jump = await submitAndWatch(api, api.tx.cdn.submitTickets([huge]), retrieval);
    assert.equal(errorName(jump.dispatchError), 'cdn.NonceJump');
    const after = await (await api.at(jump.blockHash)).query.system.account(user.address);
    assert.equal(after.data.reserved.toBigInt(), held, 'escrow unchanged');
    const allowance = (await api.call.cdnApi.allowance(user.address, retrieval.address)).unwrap();
    assert.equal(allowance.balance.toBigInt(), 7n * CESS);
  });

  test('the paged receipt API lists the payer once with the winners', async () => {
    const [page, next] = await api.call.cdnApi.nodeReceipts(retrieval.address, honestCycle, null, 10);
    assert.ok(next.isNone);
    assert.equal(page.length, 1);
    const [[payer, r]] = page;
    assert.equal(payer.toString(), user.address);
    assert.equal(r.won.toNumber(), 3);
    assert.equal(r.paid.toBigInt(), 3n * CESS);
    assert.equal(r.expectedTickets.toBigInt(), 3n);
    assert.equal(r.lastNonce.toNumber(), 3);
  });

  test('a 2^63-byte sybil cache ticket and a free attestation are refused their payout', async () => {
    // Fund the coalition's accounts before measuring the coalition.
    const alice = keyring.addFromUri('//Alice');
    await ok(
      api.tx.utility.batchAll([attacker, sybilCache, sybilRetrieval].map(
        (a) => api.tx.balances.transferKeepAlive(a.address, 200n * CESS),
      )),
      alice,
      'fund the coalition',
    );
    const coalition = [attacker, sybilCache, sybilRetrieval];
    const pairs = [[attacker, sybilCache.address]];
    coalitionBefore = await worth(coalition, pairs);

    await okCoalition(api.tx.cdn.registerNode('Cache', '/ip4/127.0.0.1/tcp/4002'), sybilCache, 'register cache');
    await okCoalition(api.tx.cdn.registerNode('Retrieval', '/ip4/127.0.0.1/tcp/4003'), sybilRetrieval, 'register retrieval');
    await okCoalition(api.tx.cdn.deposit(CESS), attacker, 'deposit');
    await okCoalition(api.tx.cdn.setAllowance(sybilCache.address, CESS), attacker, 'setAllowance');
    // One cache order of the minimum face value declaring 2^63 bytes.
    const t = await ticketFor(attacker, sybilCache.address, 1, CESS, { kind: 'CacheOrder', bytes: '9223372036854775808' });
    const res = await okCoalition(api.tx.cdn.submitTickets([sign(attacker, sybilCache.address, t)]), sybilCache, 'cache order');
    const batch = res.events.find((e) => api.events.cdn.BatchSettled.is(e));
    attackCycle = batch.data.cycle.toNumber();
    // Cache-order payments: 5 % to the treasury, 95 % node income (not into the pool).
    assert.equal(batch.data.treasury.toBigInt(), CESS / 20n);

    // A free attestation of 2^63 bytes by the coalition's retrieval node (paid nothing).
    const att = {
      genesis: api.genesisHash.toHex(), retrieval: sybilRetrieval.address, cache: sybilCache.address,
      cycle: attackCycle, level: '9223372036854775808', version: 1,
    };
    const msg = u8aConcat(stringToU8a('cess-cdn-attest:'), api.createType('PalletCdnCacheAttestation', att).toU8a());
    const attRes = await submitAndWatch(
      api, api.tx.cdn.attestCached(att, u8aToHex(sybilRetrieval.sign(msg)), 'Raw'), sybilCache,
    );
    assert.equal(errorName(attRes.dispatchError), 'cdn.AttestationOverBudget');
    coalitionFees += feeOf(attRes.events);
  });

  test('after the cycle: honest node paid income + capped pool share; the coalition lost', async () => {
    const last = Math.max(honestCycle, attackCycle);
    // Wait until both cycles closed (4 eras: 80 blocks on the dev chain). The snapshots stay
    // until their participants settle, so they can be read afterwards.
    const deadline = Date.now() + 12 * 60_000;
    while ((await api.call.cdnApi.currentCycle()).toNumber() <= last) {
      assert.ok(Date.now() < deadline, 'the cycle closes in time');
      await new Promise((r) => setTimeout(r, 3_000));
    }
    const summary = (await api.call.cdnApi.cycleSummary(honestCycle)).unwrap();
    // The only retrieval power is the honest 3 CESS: D_R = min(P_R, 80 % × 5 % × 3 CESS) = 0.12.
    assert.ok(summary.retrievalPool.toBigInt() > 12n * CESS / 100n, 'issuance funded the pool');
    assert.equal(summary.totals.retrievalPower.toBigInt(), 3n * CESS);
    assert.equal(summary.dR.toBigInt(), 12n * CESS / 100n);
    const report = await api.call.cdnApi.nodeCycleReport(retrieval.address, honestCycle);
    const expected = 285n * CESS / 100n + 12n * CESS / 100n;
    assert.equal(report.reward.unwrap().total.toBigInt(), expected);
    const claim = await ok(api.tx.cdn.claim(), retrieval, 'claim');
    const claimed = claim.events.find((e) => api.events.cdn.RewardClaimed.is(e));
    assert.equal(claimed.data.amount.toBigInt(), (expected + 1n) / 2n, 'half, rounded up');
    const again = await submitAndWatch(api, api.tx.cdn.claim(), retrieval);
    assert.equal(errorName(again.dispatchError), 'cdn.AlreadyClaimedThisCycle');

    // The sybil cache: cache nodes are paid by caps, D_C × Cap_C / ΣCap_C with
    // D_C = min(P_C, ΣCap_C); it is the only cache node, so it gets its cap k_o·τ·A =
    // 5 % × 1 CESS (its 2^63 declared bytes buy nothing), and no surplus is left.
    const cache = (await api.call.cdnApi.nodeCycleReport(sybilCache.address, attackCycle)).reward.unwrap();
    assert.equal(cache.cap.toBigInt(), CESS / 20n);
    assert.equal(cache.poolShare.toBigInt(), CESS / 20n);
    assert.equal(cache.proRata.toBigInt(), CESS / 20n, 'shares follow caps');
    assert.equal(cache.surplus.toBigInt(), 0n);
    assert.equal(cache.total.toBigInt(), CESS);
    await okCoalition(api.tx.cdn.claim(), sybilCache, 'sybil claim');
    const coalitionAfter = await worth([attacker, sybilCache, sybilRetrieval], [[attacker, sybilCache.address]]);
    // Paid 1 CESS, got back 0.95 income + 0.05 pool share: the coalition lost exactly its fees.
    assert.ok(coalitionFees > 0n);
    assert.equal(coalitionBefore - coalitionAfter, coalitionFees, 'the coalition lost exactly its fees');
    console.log(`coalition fees ${coalitionFees} planck; pool share ${cache.poolShare} (cap ${cache.cap})`);
  });
});
