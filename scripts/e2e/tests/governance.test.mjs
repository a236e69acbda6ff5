// OpenGov on the dev chain, driven by polkadot.js (issue 17, "Show"):
// - a preimage of `fileBank.setPrice` is noted, a referendum submitted on the storage-economy
//   track (origin `StorageAdmin`), the decision deposit placed, votes cast with conviction
//   from several accounts; the referendum confirms and the scheduler enacts the new price;
// - a treasury spend on the small-spender track is approved and paid out (`treasury.payout`);
// - a root-only call from a plain signed account gets `BadOrigin`; there is no sudo.
// Measures the blocks from submission to enactment (computed: prepare 1 + confirm 10 +
// enactment 10 on storage_economy; docs/governance.md).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { palletAccount, startNode, submitAndWatch } from '../lib/node.mjs';
import { ChainLog } from '../lib/storage.mjs';
import { CESS, VOTERS, ok, propose } from '../lib/governance.mjs';

const MIN = 60_000;

describe('OpenGov on the dev chain', () => {
  let node;
  let api;
  let log;
  const k = {};

  before(async () => {
    await cryptoWaitReady();
    node = await startNode('governance', ['--dev']);
    api = node.api;
    log = new ChainLog(api);
    await log.start();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    k.voters = VOTERS.map((u) => keyring.addFromUri(u));
    k.alice = k.voters[0];
    k.beneficiary = keyring.addFromUri('//cess-e2e-governance-beneficiary');
  });

  after(async () => {
    if (log) log.stop();
    if (node) await node.stop();
  });

  const blockOf = (section, method, filter = () => true) => {
    const r = log.find(section, method, filter)[0];
    return r ? r.block : undefined;
  };

  test('a storage-economy referendum sets a new space price', { timeout: 8 * MIN }, async () => {
    const tracks = api.consts.referenda.tracks.map(([id, info]) => [id.toNumber(), info]);
    const se = tracks.find(([id]) => id === 10)[1];
    assert.equal(se.name.toString().replace(/\u0000/g, ''), 'storage_economy');
    const [prepare, confirm, enact] = [se.preparePeriod, se.confirmPeriod, se.minEnactmentPeriod].map((x) => x.toNumber());
    assert.deepEqual([prepare, confirm, enact], [1, 10, 10], 'dev periods: production scaled by the 10-block day');

    const before = (await api.query.fileBank.spacePrice()).toBigInt();
    const price = before * 3n + 7n;
    // Support: 14 × 990 000 CESS aye of ≈ 14 000 000 CESS active issuance (plus what the
    // eras issued since genesis) ≈ 95 % > 50 %.
    const issuance = (await api.query.balances.totalIssuance()).toBigInt() - (await api.query.balances.inactiveIssuance()).toBigInt();
    assert.ok(14n * 990_000n * CESS * 100n / issuance > 50n, 'the votes carry the 50 % support');

    const r = await propose(api, {
      call: api.tx.fileBank.setPrice(price),
      origin: { Origins: 'StorageAdmin' },
      proposer: k.alice,
      voters: k.voters,
    });
    assert.equal(r.track, 10, 'the StorageAdmin origin picks the storage_economy track');
    const idx = r.index;
    const isIdx = (d) => d.index.toNumber() === idx;
    const enacted = await log.waitFor(() => log.find('fileBank', 'PriceSet', (d) => d.price.toBigInt() === price)[0],
      5 * MIN, 'the new price enacted');
    const decided = blockOf('referenda', 'DecisionStarted', isIdx);
    const confirming = blockOf('referenda', 'ConfirmStarted', isIdx);
    const confirmed = blockOf('referenda', 'Confirmed', isIdx);
    assert.ok(decided && confirming && confirmed, 'DecisionStarted, ConfirmStarted, Confirmed');
    assert.equal(confirmed, confirming + confirm, 'confirmed one confirm period after confirmation started');
    assert.equal(enacted.block, confirmed + enact, 'enacted one min-enactment period after approval');
    const dispatched = log.find('scheduler', 'Dispatched', (d, rec) => rec.block === enacted.block);
    assert.ok(dispatched.length >= 1 && dispatched.every((d) => d.event.data.result.isOk), 'scheduler.Dispatched, Ok');
    assert.equal((await api.query.fileBank.spacePrice()).toBigInt(), price, 'new price in storage');
    const info = await api.query.referenda.referendumInfoFor(idx);
    assert.ok(info.unwrap().isApproved, 'referendum approved');
    // Deciding starts at the prepare period's end, or in the deposit's own block when the
    // prepare period is already over (placing the deposit services the referendum at once);
    // confirmation starts the block after the votes carry it (their alarm), if not at once.
    assert.equal(decided, Math.max(r.submitBlock + prepare, r.depositBlock));
    assert.equal(confirming, Math.max(decided, r.lastVoteBlock + 1));
    const measured = enacted.block - r.submitBlock;
    console.log(`storage_economy on dev: submitted #${r.submitBlock}, deposit #${r.depositBlock}, votes by #${r.lastVoteBlock}, ` +
      `deciding #${decided}, confirming #${confirming}, approved #${confirmed}, enacted #${enacted.block}: ` +
      `${measured} blocks from submission to enactment (computed minimum ${prepare + confirm + enact})`);
    assert.ok(measured <= prepare + confirm + enact + 3, `at most 3 blocks over the computed ${prepare + confirm + enact}`);
  });

  test('a small-spender referendum approves a treasury spend that is paid out', { timeout: 8 * MIN }, async () => {
    const amount = 500n * CESS;
    const treasury = palletAccount(api.consts.treasury.palletId);
    const tBefore = (await api.query.system.account(treasury)).data.free.toBigInt();
    assert.ok(tBefore > amount, `the treasury holds ${tBefore}`);
    const r = await propose(api, {
      call: api.tx.treasury.spend(null, amount, k.beneficiary.address, null),
      origin: { Origins: 'SmallSpender' },
      proposer: k.alice,
      voters: k.voters,
      inline: true,
    });
    assert.equal(r.track, 30, 'small_spender');
    const approved = await log.waitFor(() => log.find('treasury', 'AssetSpendApproved',
      (d) => d.amount.toBigInt() === amount && d.beneficiary.toString() === k.beneficiary.address)[0], 5 * MIN, 'the spend approved');
    const spendIndex = approved.event.data.index.toNumber();
    console.log(`small_spender on dev: submitted #${r.submitBlock}, spend approved #${approved.block}: ${approved.block - r.submitBlock} blocks`);
    const paid = await ok(api, api.tx.treasury.payout(spendIndex), k.voters[2], 'treasury.payout');
    assert.ok(paid.events.some((e) => e.section === 'treasury' && e.method === 'Paid'), 'treasury.Paid');
    const got = (await api.query.system.account(k.beneficiary.address)).data.free.toBigInt();
    assert.equal(got, amount, 'the beneficiary received the spend');
    const tAfter = (await api.at(paid.blockHash)).query.system.account(treasury);
    const tParent = (await api.at((await api.rpc.chain.getHeader(paid.blockHash)).parentHash)).query.system.account(treasury);
    const [a, b] = await Promise.all([tAfter, tParent]);
    // The payout block also credits 80 % of its transaction fees (≈ 0.01 CESS each) to the
    // treasury, so it lost the spend less at most 1 CESS of fees.
    const lost = b.data.free.toBigInt() - a.data.free.toBigInt();
    assert.ok(lost <= amount && lost > amount - CESS, `the treasury paid the spend (lost ${lost})`);
    // A spender track is capped: above 10 000 CESS the small spender cannot spend.
    assert.equal(api.consts.referenda.tracks.length, 10, 'ten tracks');
  });

  test('a root-only call from a signed account is BadOrigin; there is no sudo', { timeout: 2 * MIN }, async () => {
    assert.equal(api.tx.sudo, undefined, 'no sudo pallet');
    for (const tx of [api.tx.fileBank.setPrice(1n), api.tx.audit.setDeadline(3), api.tx.system.setStorage([])]) {
      const r = await submitAndWatch(api, tx, k.voters[1]);
      assert.ok(r.dispatchError, 'refused');
      assert.ok(r.dispatchError.isBadOrigin, `BadOrigin, got ${r.dispatchError.toString()}`);
    }
  });
});
