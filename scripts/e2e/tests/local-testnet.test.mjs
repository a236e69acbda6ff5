// The local testnet as validator operators see it: three validators author and finalize, a
// fourth joins from polkadot.js (bond, rotate keys, setKeys, validate), is elected, authors and
// is paid; validators that go offline for a whole session are slashed by the SPEC §4 formula
// and leave the validator set. Drives scripts/local-testnet.sh plus one extra node.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import {
  collectEvents, connectApi, freePort, perbillFromRational, perbillMul, repoRoot, startNode,
  submitAndWatch, tail, waitForHead,
} from '../lib/node.mjs';

const CESS = 10n ** 18n;
const MINUTE = 60_000;

/** Resolves when `check()` returns a truthy value, polling every `everyMs`. */
async function until(what, check, { timeoutMs = 10 * MINUTE, everyMs = 3_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('local testnet (Alice, Bob, Charlie) and a joining validator', () => {
  let net;
  let dir;
  let api;
  let dave;
  let daveNode;
  let keyring;
  let rewardedEra;

  before(async () => {
    await cryptoWaitReady();
    keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    dir = mkdtempSync(join(tmpdir(), 'cess-e2e-local-'));
    // Three consecutive free ports for p2p and for RPC.
    const p2p = await freePort();
    const rpc = await freePort();
    net = spawn(join(repoRoot, 'scripts', 'local-testnet.sh'), [], {
      env: {
        ...process.env,
        LOCAL_TESTNET_DIR: dir,
        LOCAL_TESTNET_BASE_PORT: String(p2p),
        LOCAL_TESTNET_RPC_PORT: String(rpc),
        LOCAL_TESTNET_NO_BUILD: '1',
      },
      stdio: 'ignore',
      detached: true,
    });
    ({ api } = await connectApi(rpc));
    dave = keyring.addFromUri('//Dave');
  });

  after(async () => {
    if (daveNode) await daveNode.stop();
    if (api) await api.disconnect().catch(() => {});
    if (net && net.exitCode === null) {
      // The script's trap stops every node it started.
      process.kill(-net.pid, 'SIGTERM');
      await new Promise((r) => net.once('exit', r));
    }
  });

  const logs = () =>
    ['alice', 'bob', 'charlie'].map((n) => `--- ${n} ---\n${tail(join(dir, `${n}.log`), 15)}`).join('\n');

  test('all three validators author blocks and the finalized head advances', async () => {
    const authors = new Set();
    await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`authors seen: ${[...authors]}\n${logs()}`)), 4 * MINUTE);
      api.derive.chain.subscribeNewHeads((header) => {
        if (header.author) authors.add(header.author.toString());
        if (authors.size >= 3) { clearTimeout(timer); ok(); }
      }).then((unsub) => setTimeout(unsub, 4 * MINUTE));
    });
    const names = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u).address);
    for (const a of names) assert.ok(authors.has(a), `${a} authored`);
    const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    await waitForHead(api, (h) => h.number.toNumber() > finalized, { finalized: true });
  });

  test('a fourth validator joins from polkadot.js and is elected', async () => {
    const bootnode = readFileSync(join(dir, 'bootnode'), 'utf8').trim();
    daveNode = await startNode('dave', [
      '--chain', 'local', '--validator', '--name', 'Dave', '--bootnodes', bootnode,
      '--allow-private-ip', '--node-key', randomBytes(32).toString('hex'),
    ]);
    const bond = await submitAndWatch(api, api.tx.staking.bond(100_000n * CESS, 'Stash'), dave);
    assert.equal(bond.dispatchError, undefined, 'bond');

    // New session keys, generated in Dave's keystore, with a proof that Dave owns them.
    const generated = await daveNode.provider.send('author_rotateKeysWithOwner', [
      u8aToHex(decodeAddress(dave.address)),
    ]);
    const setKeys = await submitAndWatch(api, api.tx.session.setKeys(generated.keys, generated.proof), dave);
    assert.equal(setKeys.dispatchError, undefined, 'setKeys');
    const validate = await submitAndWatch(api, api.tx.staking.validate({ commission: 0, blocked: false }), dave);
    assert.equal(validate.dispatchError, undefined, 'validate');

    await until('Dave in the session validators', async () =>
      (await api.query.session.validators()).map(String).includes(dave.address));

    // Dave authors a block; remember its era for the payout check.
    rewardedEra = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`Dave did not author\n${daveNode.logTail()}`)), 4 * MINUTE);
      api.derive.chain.subscribeNewHeads(async (header) => {
        if (header.author && header.author.toString() === dave.address) {
          clearTimeout(timer);
          const era = (await (await api.at(header.hash)).query.staking.activeEra()).unwrap().index.toNumber();
          ok(era);
        }
      }).then((unsub) => setTimeout(unsub, 4 * MINUTE));
    });
  });

  test('payoutStakers pays Dave; the era reward is exactly 30 % of the era issuance', async () => {
    assert.ok(rewardedEra !== undefined, 'Dave authored in some era');
    await until(`era ${rewardedEra} finished`, async () =>
      (await api.query.staking.activeEra()).unwrap().index.toNumber() > rewardedEra);

    // Era issuance 324 688 CESS (no halving yet): 30 % = 97 406.4 CESS.
    const reward = (await api.query.staking.erasValidatorReward(rewardedEra)).unwrap().toBigInt();
    assert.equal(reward, 97_406_400_000_000_000_000_000n);

    const points = await api.query.staking.erasRewardPoints(rewardedEra);
    const davePoints = [...points.individual.entries()]
      .find(([who]) => who.toString() === dave.address)?.[1].toBigInt();
    assert.ok(davePoints > 0n, 'Dave earned era points');

    const before = (await api.query.system.account(dave.address)).data.free.toBigInt();
    const alice = keyring.addFromUri('//Alice');
    const payout = await submitAndWatch(api, api.tx.staking.payoutStakers(dave.address, rewardedEra), alice);
    assert.equal(payout.dispatchError, undefined, 'payoutStakers');
    const rewarded = payout.events.find((e) => api.events.staking.Rewarded.is(e));
    assert.ok(rewarded, 'Rewarded event');
    assert.equal(rewarded.data.stash.toString(), dave.address);
    // Dave's part: Perbill(points / total points) × era reward; commission 0, no nominators.
    const share = perbillFromRational(davePoints, points.total.toBigInt());
    assert.equal(rewarded.data.amount.toBigInt(), perbillMul(share, reward));
    // Dave's balance grows by the reward — plus, if Dave authored that block, 20 % of its fees.
    const apiAt = await api.at(payout.blockHash);
    const afterBalance = (await apiAt.query.system.account(dave.address)).data.free.toBigInt();
    const author = (await api.derive.chain.getHeader(payout.blockHash)).author?.toString();
    let authorShare = 0n;
    if (author === dave.address) {
      for (const { event } of await apiAt.query.system.events()) {
        if (api.events.transactionPayment.TransactionFeePaid.is(event)) {
          authorShare += (event.data.actualFee.toBigInt() * 20n) / 100n;
        }
      }
    }
    assert.equal(afterBalance - before, rewarded.data.amount.toBigInt() + authorShare);
  });

  test('finality survives one validator going offline', async () => {
    await daveNode.stop();
    daveNode = null;
    const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    await waitForHead(api, (h) => h.number.toNumber() > finalized + 2, { finalized: true, timeoutMs: 3 * MINUTE });
  });

  test('validators offline for a whole session are slashed by the formula and leave the set', async () => {
    const charlie = keyring.addFromUri('//Charlie').address;
    process.kill(Number(readFileSync(join(dir, 'charlie.pid'), 'utf8')), 'SIGTERM');

    // x = 2 of n = 4 unresponsive: 3·(2 − (4/10 + 1))/4 × 5 % × MSA.
    const msa = (await api.query.staking.minValidatorBond()).toBigInt();
    assert.equal(msa, 10_000n * CESS);
    const amount = (msa * 5n * 3n * (2n - 1n)) / (100n * 4n); // 375 CESS
    assert.equal(amount, 375n * CESS);

    const offenders = new Set([charlie, dave.address]);
    const reports = await collectEvents(
      api,
      (e) => api.events.staking.SlashReported.is(e) && offenders.has(e.data.validator.toString()) &&
        e.data.fraction.toBigInt() > 0n,
      (found) => new Set(found.map((e) => e.data.validator.toString())).size === 2,
      { timeoutMs: 6 * MINUTE },
    );
    for (const report of reports) {
      const stash = report.data.validator.toString();
      const era = report.data.slashEra.toNumber();
      const exposure = (await api.query.staking.erasStakersOverview(era, stash)).unwrap();
      assert.equal(report.data.fraction.toBigInt(), perbillFromRational(amount, exposure.total.toBigInt()), stash);
    }
    const slashed = await collectEvents(
      api,
      (e) => api.events.staking.Slashed.is(e) && offenders.has(e.data.staker.toString()),
      (found) => found.length >= 2,
      { timeoutMs: 2 * MINUTE },
    ).catch(() => []);
    // Slashes on local chains are applied at once (no deferral): check the applied amounts.
    const era = reports[0].data.slashEra.toNumber();
    for (const stash of offenders) {
      const exposure = (await api.query.staking.erasStakersOverview(era, stash)).unwrap();
      const expected = perbillMul(perbillFromRational(amount, exposure.total.toBigInt()), exposure.own.toBigInt());
      const ledger = (await api.query.staking.ledger(stash)).unwrap();
      assert.equal(ledger.active.toBigInt(), 100_000n * CESS - expected, `${stash} bonded after slash`);
      const ev = slashed.find((e) => e.data.staker.toString() === stash);
      if (ev) assert.equal(ev.data.amount.toBigInt(), expected);
      assert.ok((await api.query.staking.validators.keys()).every((k) => k.args[0].toString() !== stash), 'chilled');
    }

    await until('offenders left the validator set', async () => {
      const set = (await api.query.session.validators()).map(String);
      return !set.includes(charlie) && !set.includes(dave.address);
    }, { timeoutMs: 8 * MINUTE });
  });
});
