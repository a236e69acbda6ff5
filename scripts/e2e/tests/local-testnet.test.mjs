// The local testnet as validator operators see it: three validators author and finalize, a
// fourth joins from polkadot.js (bond, rotate keys, setKeys, validate), is elected, authors and
// is paid; validators that go offline for a whole session are slashed by the SPEC §4 formula
// and leave the validator set, and honest validators are never reported. Every ledger is checked
// against all slash reports on the chain (lib/offences.mjs), each checked against the formula.
// Drives scripts/local-testnet.sh plus one extra node.

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
  connectApi, freePort, perbillFromRational, perbillMul, repoRoot, startNode,
  submitAndWatch, tail, waitForHead,
} from '../lib/node.mjs';
import { chainReader, lostTo, slashReports } from '../lib/offences.mjs';

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
  let observer;
  let chain;
  // Best block number when Dave's node was stopped.
  let daveOfflineFrom;

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
    // The script exiting (a node failed to start) fails here at once.
    ({ api } = await connectApi(rpc, { alive: () => net.exitCode === null && net.signalCode === null }));
    chain = chainReader(api);
    dave = keyring.addFromUri('//Dave');
  });

  after(async () => {
    if (daveNode) await daveNode.stop();
    if (observer) await observer.stop();
    if (api) await api.disconnect().catch(() => {});
    if (net && net.exitCode === null) {
      // The script's trap stops every node it started.
      process.kill(-net.pid, 'SIGTERM');
      await new Promise((r) => net.once('exit', r));
    }
  });

  const address = (uri) => keyring.addFromUri(uri).address;

  /**
   * All slash reports on the chain ending at `head`, each already checked against the formula,
   * and the assertion that none names a validator in `honest` (validators whose nodes ran the
   * whole time: im-online must never report them).
   */
  async function reportsAt(head, honest) {
    const blocks = await chain(head);
    const reports = await slashReports(api, blocks);
    for (const r of reports) {
      assert.ok(!honest.includes(r.validator),
        `honest ${r.validator} reported at block ${r.block} (x = ${r.x} of n = ${r.n})\n${logs()}`);
    }
    return { blocks, reports };
  }

  /** Waits until every one of `uris` is a candidate and in the session's validator set. */
  async function inValidatorSet(uris) {
    const addresses = uris.map(address);
    const candidates = (await api.query.staking.validators.keys()).map((k) => k.args[0].toString());
    for (const a of addresses) assert.ok(candidates.includes(a), `${a} is a validator candidate`);
    await until('all validators in the session set', async () => {
      const set = (await api.query.session.validators()).map(String);
      return addresses.every((a) => set.includes(a));
    }, { timeoutMs: 8 * MINUTE });
  }

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
    // Past the first sessions (nodes starting at different moments) nobody was reported.
    await until('session 3', async () => (await api.query.session.currentIndex()).toNumber() >= 3,
      { timeoutMs: 6 * MINUTE });
    const { reports } = await reportsAt(await api.rpc.chain.getFinalizedHead(), names);
    assert.deepEqual(reports, []);
    await inValidatorSet(['//Alice', '//Bob', '//Charlie']);
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

    // Dave authors a canonical, finalized block: era points for Dave in the finalized state.
    // BABE gives Dave slots in the first session it is in the set (epoch = session).
    ({ era: rewardedEra } = await until('Dave holds era points in a finalized block', async () => {
      const at = await api.at(await api.rpc.chain.getFinalizedHead());
      const era = (await at.query.staking.activeEra()).unwrap().index.toNumber();
      const points = await at.query.staking.erasRewardPoints(era);
      const mine = [...points.individual.entries()].find(([w]) => w.toString() === dave.address);
      return mine && mine[1].toBigInt() > 0n ? { era } : null;
    }, { timeoutMs: 6 * MINUTE, everyMs: 2_000 }).catch((e) => {
      throw new Error(`${e.message}\n${daveNode.logTail()}`);
    }));
  });

  test('payoutStakers pays Dave; the era reward is exactly 30 % of the era issuance', async () => {
    const activeEra = async () => (await api.query.staking.activeEra()).unwrap().index.toNumber();
    const pointsOf = async (era, who) => {
      const points = await api.query.staking.erasRewardPoints(era);
      return [...points.individual.entries()].find(([w]) => w.toString() === who)?.[1].toBigInt() ?? 0n;
    };
    // The era Dave authored in, once it is over: its points are final.
    await until(`era ${rewardedEra} finished`, async () => (await activeEra()) > rewardedEra);
    const payee = dave;

    // Era issuance 324 688 CESS (no halving yet): 30 % = 97 406.4 CESS.
    const reward = (await api.query.staking.erasValidatorReward(rewardedEra)).unwrap().toBigInt();
    assert.equal(reward, 97_406_400_000_000_000_000_000n);

    const points = await api.query.staking.erasRewardPoints(rewardedEra);
    const davePoints = await pointsOf(rewardedEra, payee.address);
    assert.ok(davePoints > 0n, 'the validator earned era points');

    // free + reserved: a "Staked" reward destination moves the reward straight into the bond.
    const total = (account) => account.data.free.toBigInt() + account.data.reserved.toBigInt();
    const before = total(await api.query.system.account(payee.address));
    // Anyone may trigger the payout; a non-validator signs so the payee pays no fee.
    const caller = keyring.addFromUri('//Ferdie');
    const payout = await submitAndWatch(api, api.tx.staking.payoutStakers(payee.address, rewardedEra), caller);
    assert.equal(payout.dispatchError, undefined, 'payoutStakers');
    const rewarded = payout.events.find((e) => api.events.staking.Rewarded.is(e));
    assert.ok(rewarded, 'Rewarded event');
    assert.equal(rewarded.data.stash.toString(), payee.address);
    // Dave's part: Perbill(points / total points) × era reward; commission 0, no nominators.
    const share = perbillFromRational(davePoints, points.total.toBigInt());
    assert.equal(rewarded.data.amount.toBigInt(), perbillMul(share, reward));
    // The balance grows by the reward — plus, if the payee authored that block, 20 % of its fees.
    const apiAt = await api.at(payout.blockHash);
    const afterBalance = total(await apiAt.query.system.account(payee.address));
    const author = (await api.derive.chain.getHeader(payout.blockHash)).author?.toString();
    let authorShare = 0n;
    if (author === payee.address) {
      for (const { event } of await apiAt.query.system.events()) {
        if (api.events.transactionPayment.TransactionFeePaid.is(event)) {
          authorShare += (event.data.actualFee.toBigInt() * 20n) / 100n;
        }
      }
    }
    assert.equal(afterBalance - before, rewarded.data.amount.toBigInt() + authorShare);
  });

  test('finality survives one validator going offline', async () => {
    // Four GRANDPA voters: three of them are a supermajority.
    await inValidatorSet(['//Alice', '//Bob', '//Charlie', '//Dave']);
    await until('four GRANDPA authorities', async () =>
      (await api.query.grandpa.authorities()).length === 4, { timeoutMs: 6 * MINUTE });
    await daveNode.stop();
    daveNode = null;
    daveOfflineFrom = (await api.rpc.chain.getHeader()).number.toNumber();
    const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    await waitForHead(api, (h) => h.number.toNumber() > finalized + 2, { finalized: true, timeoutMs: 3 * MINUTE });
  });

  test('an offline validator is reported, chilled and leaves the set', async () => {
    // Dave has been offline since the previous test. Alone, it is x = 1 of n = 4: inside the
    // zero region (1 − (4/10 + 1) = 0), so no penalty; it is chilled and not re-elected. What
    // it must have lost is computed from every report on the chain, each checked against the
    // formula for its x of n; nobody else may be reported.
    const honest = ['//Alice', '//Bob', '//Charlie'].map(address);
    await until('Dave reported after going offline', async () => {
      const { reports } = await reportsAt(await api.rpc.chain.getFinalizedHead(), honest);
      return reports.some((r) => r.validator === dave.address && r.block > daveOfflineFrom);
    }, { timeoutMs: 4 * MINUTE, everyMs: 2_000 });
    await until('Dave chilled', async () => (await api.query.staking.validators.keys())
      .every((k) => k.args[0].toString() !== dave.address));
    await until('Dave left the validator set', async () =>
      !(await api.query.session.validators()).map(String).includes(dave.address), { timeoutMs: 6 * MINUTE });

    const head = await api.rpc.chain.getFinalizedHead();
    const { blocks, reports } = await reportsAt(head, honest);
    const mine = reports.filter((r) => r.validator === dave.address);
    for (const r of mine) {
      assert.ok(r.block > daveOfflineFrom, `Dave reported at block ${r.block}, online until ${daveOfflineFrom}`);
    }
    const { expected, applied } = lostTo(api, blocks, reports, dave.address);
    assert.equal(applied, expected, 'slashes applied = the formula amounts');
    const ledger = (await (await api.at(head)).query.staking.ledger(dave.address)).unwrap();
    assert.equal(ledger.active.toBigInt(), 100_000n * CESS - expected);
  });

  test('two of three validators offline for a session are slashed by the formula and leave the set', async () => {
    const bob = keyring.addFromUri('//Bob').address;
    const charlie = keyring.addFromUri('//Charlie').address;
    await inValidatorSet(['//Alice', '//Bob', '//Charlie']);
    await until('Dave out of the set', async () =>
      (await api.query.session.validators()).length === 3, { timeoutMs: 6 * MINUTE });
    // A validator with no peers considers itself offline and stops authoring: keep a
    // non-validating full node connected so Alice goes on producing blocks alone.
    const bootnode = readFileSync(join(dir, 'bootnode'), 'utf8').trim();
    observer = await startNode('observer', [
      '--chain', 'local', '--bootnodes', bootnode, '--allow-private-ip',
      '--node-key', randomBytes(32).toString('hex'),
    ]);
    await until('observer connected to Alice', async () =>
      (await api.rpc.system.health()).peers.toNumber() >= 3, { timeoutMs: 2 * MINUTE, everyMs: 1_000 });
    const offlineFrom = (await api.rpc.chain.getHeader()).number.toNumber();
    for (const name of ['bob', 'charlie']) {
      process.kill(Number(readFileSync(join(dir, `${name}.pid`), 'utf8')), 'SIGTERM');
    }

    // Killed together they are x = 2 of n = 3 in one session:
    // min(3·(2 − (3/10 + 1))/3, 1) × 5 % × MSA = 1 × 5 % × 10 000 CESS = 500 CESS each.
    // Killed across a session boundary (one had already authored or heartbeated in it), the
    // other is first reported alone (x = 1 of 3: zero region). Either way each one's loss is
    // the sum of its reports' formula amounts, computed from the chain below.
    const msa = (await api.query.staking.minValidatorBond()).toBigInt();
    assert.equal(msa, 10_000n * CESS);

    // GRANDPA stalls with one voter of three: read the best chain (only Alice authors: no forks).
    await until('offenders reported and out of the validator set', async () => {
      const now = (await api.query.session.validators()).map(String);
      return !now.includes(bob) && !now.includes(charlie);
    }, { timeoutMs: 6 * MINUTE });
    const head = (await api.rpc.chain.getHeader()).hash;
    const { blocks, reports } = await reportsAt(head, [address('//Alice')]);
    const at = await api.at(head);
    for (const stash of [bob, charlie]) {
      const mine = reports.filter((r) => r.validator === stash);
      assert.ok(mine.length > 0, `${stash} reported`);
      for (const r of mine) assert.ok(r.block > offlineFrom, `${stash} reported at block ${r.block}`);
      assert.ok(!(await at.query.staking.validators.keys()).some((k) => k.args[0].toString() === stash),
        `${stash} chilled`);
      const { expected, applied } = lostTo(api, blocks, reports, stash);
      assert.equal(applied, expected, `${stash}: slashes applied = the formula amounts`);
      // Local chains apply slashes at once: the bond shrinks by the sum.
      const ledger = (await at.query.staking.ledger(stash)).unwrap();
      assert.equal(ledger.active.toBigInt(), 100_000n * CESS - expected, `${stash} bonded after slashes`);
    }
    // Both killed in the same session is the x = 2 case: 500 CESS each up to the vote-weight
    // rounding of the exposure (< 10⁻¹² CESS).
    const together = reports.filter((r) => r.x === 2n && (r.validator === bob || r.validator === charlie));
    for (const r of together) {
      assert.equal(r.amount, 500n * CESS);
      assert.ok(r.slash > 500n * CESS - 1_000_000n && r.slash <= 500n * CESS, `${r.slash}`);
    }
  });
});
