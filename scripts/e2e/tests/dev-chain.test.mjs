// The dev chain as a user sees it: blocks, finality, chain properties, the 20/80 fee split
// and a failing transfer — all through @polkadot/api against a real `cess-node --dev`.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { palletAccount, startNode, submitAndWatch, waitForHead } from '../lib/node.mjs';

const CESS = 10n ** 18n;

describe('cess-node --dev', () => {
  let node;
  let api;
  let keyring;

  before(async () => {
    await cryptoWaitReady();
    // The validator announces its loopback address (`--public-addr`, as an operator would its
    // public one), so the authority-discovery worker has an address to publish.
    node = await startNode('dev', ['--dev', '--public-addr', '/ip4/127.0.0.1/tcp/{p2pPort}'], { prometheus: true });
    api = node.api;
    keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
  });

  after(async () => {
    if (node) await node.stop();
  });

  test('produces blocks and finalizes them', async () => {
    const best = await waitForHead(api, (h) => h.number.toNumber() >= 3);
    assert.ok(best.number.toNumber() >= 3);
    const firstFinal = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead()))
      .number.toNumber();
    const later = await waitForHead(api, (h) => h.number.toNumber() > firstFinal, {
      finalized: true,
    });
    assert.ok(later.number.toNumber() > firstFinal, 'finalized head advances');
  });

  test('the validator runs the authority-discovery worker and publishes its address', async () => {
    // Prometheus metrics of sc-authority-discovery; the worker publishes soon after start
    // (its first interval is 2 s) and re-publishes later.
    const metric = (text, name) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    };
    let text = '';
    const deadline = Date.now() + 60_000;
    for (;;) {
      text = await (await fetch(`http://127.0.0.1:${node.prometheusPort}/metrics`)).text();
      if ((metric(text, 'substrate_authority_discovery_times_published_total') ?? 0) >= 1) break;
      assert.ok(Date.now() < deadline, 'the worker published within 60 s');
      await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.ok(metric(text, 'substrate_authority_discovery_times_published_total') >= 1);
    // The one public address given (the node has no global listen address and no peers).
    assert.equal(metric(text, 'substrate_authority_discovery_amount_external_addresses_last_published'), 1);
    // Alice is the only validator; it does not count itself.
    assert.equal(metric(text, 'substrate_authority_discovery_known_authorities_count'), 0);
  });

  test('system_properties: CESS, 18 decimals, ss58 11330', async () => {
    const props = await api.rpc.system.properties();
    assert.deepEqual(props.tokenSymbol.unwrap().map(String), ['CESS']);
    assert.deepEqual(props.tokenDecimals.unwrap().map((d) => d.toNumber()), [18]);
    assert.equal(props.ss58Format.unwrap().toNumber(), 11330);
    assert.equal(api.registry.chainSS58, 11330);
  });

  test('fee and tip of a transfer: 20 % to the author, 80 % to the treasury, exactly', async () => {
    const bob = keyring.addFromUri('//Bob');
    const fresh = keyring.addFromMnemonic(mnemonicGenerate());
    const treasury = palletAccount(api.consts.treasury.palletId);
    const amount = 10n * CESS;
    const tip = 123_456_789_012_345n; // an odd tip, so rounding is exercised

    const { blockHash, events, dispatchError } = await submitAndWatch(
      api,
      api.tx.balances.transferKeepAlive(fresh.address, amount),
      bob,
      { tip },
    );
    assert.equal(dispatchError, undefined, 'transfer succeeds');
    const paid = events.find((e) => api.events.transactionPayment.TransactionFeePaid.is(e));
    assert.ok(paid, 'TransactionFeePaid emitted');
    const [who, actualFee, paidTip] = paid.data;
    assert.equal(who.toString(), bob.address);
    assert.equal(paidTip.toBigInt(), tip);
    // `actualFee` already includes the tip.
    const total = actualFee.toBigInt();
    assert.ok(total > tip, 'fee is charged on top of the tip');

    const header = await api.rpc.chain.getHeader(blockHash);
    const parent = header.parentHash;
    const author = (await api.derive.chain.getHeader(blockHash)).author;
    assert.ok(author, 'block author is known');

    const free = async (at, who) =>
      (await (await api.at(at)).query.system.account(who)).data.free.toBigInt();
    const authorDelta = (await free(blockHash, author)) - (await free(parent, author));
    const treasuryDelta = (await free(blockHash, treasury)) - (await free(parent, treasury));

    const expectedAuthor = (total * 20n) / 100n;
    assert.equal(authorDelta, expectedAuthor, 'author gets floor(20 %) of fee + tip');
    assert.equal(treasuryDelta, total - expectedAuthor, 'treasury gets the remaining 80 %');
    assert.equal(authorDelta + treasuryDelta, total, 'no unit created or lost');
    assert.equal(await free(blockHash, fresh.address), amount, 'recipient got the amount');
  });

  test('a transfer above the balance fails with a named error and moves nothing', async () => {
    const charlie = keyring.addFromUri('//Charlie');
    const dave = keyring.addFromUri('//Dave');
    const before = (await api.query.system.account(charlie.address)).data.free.toBigInt();
    const daveBefore = (await api.query.system.account(dave.address)).data.free.toBigInt();

    const { blockHash, events, dispatchError } = await submitAndWatch(
      api,
      api.tx.balances.transferKeepAlive(dave.address, before + CESS),
      charlie,
    );
    assert.ok(dispatchError, 'the transfer fails');
    const name = dispatchError.isModule
      ? (() => {
        const m = api.registry.findMetaError(dispatchError.asModule);
        return `${m.section}.${m.name}`;
      })()
      : dispatchError.isToken
        ? `token.${dispatchError.asToken.type}`
        : dispatchError.type;
    assert.equal(name, 'token.FundsUnavailable');
    assert.ok(events.some((e) => api.events.system.ExtrinsicFailed.is(e)), 'ExtrinsicFailed');

    const fee = events
      .find((e) => api.events.transactionPayment.TransactionFeePaid.is(e))
      .data[1].toBigInt();
    const apiAt = await api.at(blockHash);
    const after = (await apiAt.query.system.account(charlie.address)).data.free.toBigInt();
    const daveAfter = (await apiAt.query.system.account(dave.address)).data.free.toBigInt();
    assert.equal(daveAfter, daveBefore, 'recipient balance unchanged');
    assert.equal(before - after, fee, 'sender paid only the transaction fee');
  });
});
