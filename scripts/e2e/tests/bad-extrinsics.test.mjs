// Issue 19: no transaction can take a node down.
//
// A client that encodes a call the runtime does not know (an unknown pallet, a wrong enum
// variant, a truncated or over-long argument) still produces a well-formed signed extrinsic
// envelope. Without the node's guard (node/src/pool_guard.rs) every one of them reached the
// runtime's `validate_transaction`, which panics decoding it ("Bad input data provided to
// validate_transaction: Codec error"), traps a wasm instance and answers
// `1002: Verification Error: Runtime error: …`. Now the node decodes them with its own copy
// of the runtime types first and refuses them with `1010: Invalid Transaction: Transaction
// call is not expected`; the runtime never sees them.
//
// The test fires bursts of such extrinsics, over both `author_submitExtrinsic` and
// `author_submitAndWatchExtrinsic`, at every block for two BABE epoch changes (dev epochs:
// 10 blocks), with valid transfers mixed in, and asserts: every bad one is refused with that
// error, every valid one is included, the node process stays up, blocks keep being
// finalised, and the runtime never logged a decode panic.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import { compactFromU8a, compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, submitAndWatch, waitForHead } from '../lib/node.mjs';

const MIN = 60_000;
const REFUSED = /^1010: Invalid Transaction: Transaction call is not expected/;

describe('undecodable extrinsics across block imports and epoch changes', () => {
  let node;
  let api;
  let alice;
  let bob;

  before(async () => {
    await cryptoWaitReady();
    node = await startNode('bad-extrinsics', ['--dev']);
    api = node.api;
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
  });

  after(async () => {
    if (node) await node.stop();
  });

  /** A signed transfer from `who` whose call bytes are replaced by `call`. */
  async function withCall(who, call, i) {
    const tx = api.tx.balances.transferKeepAlive(bob.address, 1_000n + BigInt(i));
    await tx.signAsync(who, { nonce: -1 });
    const full = tx.toU8a();
    const [offset] = compactFromU8a(full);
    const body = full.subarray(offset);
    const envelope = body.subarray(0, body.length - tx.method.toU8a().length);
    const bytes = u8aConcat(envelope, call);
    return u8aToHex(u8aConcat(compactToU8a(bytes.length), bytes));
  }

  function badCalls(i) {
    const [pallet, call] = api.tx.balances.transferKeepAlive.callIndex;
    const good = api.tx.balances.transferKeepAlive(bob.address, 1n).method.toU8a();
    return [
      ['unknown pallet', new Uint8Array([0xff, 0x00])],
      ['unknown call of a known pallet', new Uint8Array([pallet, 0xfe])],
      ['MultiAddress variant 7', new Uint8Array([pallet, call, 0x07, 1, 2, 3])],
      ['truncated AccountId', new Uint8Array([pallet, call, 0x00, ...new Uint8Array(31)])],
      ['trailing bytes after the arguments', u8aConcat(good, new Uint8Array([1, 2, 3]))],
    ][i % 5];
  }

  test('every one is refused; the node stays up and keeps finalising', { timeout: 6 * MIN }, async () => {
    const epoch0 = (await api.query.babe.epochIndex()).toNumber();
    const fin0 = (await api.rpc.chain.getFinalizedHead()).toHex();
    const finNumber0 = (await api.rpc.chain.getHeader(fin0)).number.toNumber();
    let sent = 0;
    const kinds = new Map();
    const transfers = [];
    let blocks = 0;

    // One burst per new best block until two epoch changes have been imported.
    await new Promise((resolve, reject) => {
      let unsub = null;
      let busy = false;
      let done = false;
      const timer = setTimeout(() => finish(new Error('timed out before two epoch changes')), 5 * MIN);
      const finish = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (unsub) unsub();
        if (err) reject(err); else resolve();
      };
      api.rpc.chain.subscribeNewHeads(async () => {
        if (busy || done) return;
        busy = true;
        try {
          blocks += 1;
          assert.ok(node.running(), 'the node process is alive');
          const burst = [];
          for (let j = 0; j < 10; j++, sent++) {
            const [kind, call] = badCalls(sent);
            const hex = await withCall(alice, call, sent);
            const submit = sent % 2
              ? node.provider.send('author_submitExtrinsic', [hex])
              : node.provider.subscribe('author_extrinsicUpdate', 'author_submitAndWatchExtrinsic', [hex], () => {});
            burst.push(submit.then(
              () => { throw new Error(`${kind}: accepted by the RPC`); },
              (e) => {
                assert.match(e.message, REFUSED, `${kind}: refused by the guard`);
                kinds.set(kind, (kinds.get(kind) || 0) + 1);
              },
            ));
          }
          // A valid transfer from another account in every other burst: the pool still works.
          if (blocks % 2 === 0) {
            transfers.push(submitAndWatch(api, api.tx.balances.transferKeepAlive(alice.address, 1n), bob));
          }
          await Promise.all(burst);
          const epoch = (await api.query.babe.epochIndex()).toNumber();
          if (epoch >= epoch0 + 2) finish();
        } catch (e) {
          finish(e);
        } finally {
          busy = false;
        }
      }).then((u) => { unsub = u; if (done) u(); });
    });

    assert.ok(blocks >= 10, `${blocks} bursts, one per imported block`);
    assert.equal(kinds.size, 5, 'all five kinds of bad call were sent');
    for (const [kind, n] of kinds) assert.ok(n >= 2, `${kind}: ${n} refused`);
    const included = await Promise.all(transfers);
    assert.ok(included.length >= 5, `${included.length} valid transfers`);
    for (const r of included) assert.equal(r.dispatchError, undefined, 'a valid transfer is included and succeeds');

    // Finality goes on after the last burst, and the process is still up.
    const finNow = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    assert.ok(finNow >= finNumber0 + 10, `finalised #${finNumber0} → #${finNow}`);
    await waitForHead(api, (h) => h.number.toNumber() >= finNow + 2, { finalized: true, timeoutMs: 2 * MIN });
    assert.ok(node.running(), 'the node process is alive');
    const log = readFileSync(node.logFile, 'utf8');
    assert.doesNotMatch(log, /Bad input data provided to validate_transaction/, 'the runtime never decoded a bad extrinsic');
    assert.doesNotMatch(log, /Essential task .* failed/, 'no essential task failed');
    console.log(`# ${sent} undecodable extrinsics refused over ${blocks} blocks, epochs ${epoch0} → ${epoch0 + 2}`);
  });
});
