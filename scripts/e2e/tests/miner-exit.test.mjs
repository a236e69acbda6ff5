// Issue 15, "withdraw waits until every evacuated replica is confirmed by its new holder",
// played on the dev chain with polkadot.js and two real agents.
//
//   X (//Dave)    an agent holding the only copy of a user's file (redundancy 1)
//   Y (//Eve)     an agent started afterwards, Positive and enrolled in the audit
//   the user      //Charlie stores one 8 MiB file of random bytes; it lands on X (the only
//                 Positive miner then)
//
// X calls `prepareExit`. Its replica is moved to Y (`FragmentReassigned { from: X, to: Y }`);
// nobody uploads it: Y's agent fetches it from X's endpoint, checks the declared root, stores
// it and confirms (`FragmentConfirmed { miner: Y }`, `ReplicaMigrated { from: X, to: Y }`).
// The download is signed by Y's key and X serves it only because the replica is assigned to
// Y and unconfirmed (issue 20's authenticated transfers). Until then X still holds it and is challenged on it; `withdraw` is refused before the
// cooldown (`CooldownNotOver`). X's copy is dropped at its next audit checkpoint
// (`FragmentsRemoved`), its service space reaches 0, and after the cooldown (2 eras = 40 dev
// blocks) `withdraw` returns the whole collateral (never slashed): `MinerExited { returned:
// 2 000 CESS, debt: 0 }`, the hold released. Y's copy is byte-identical to the upload.
//
// About 9 minutes on the dev chain (6 s blocks, 20-block rounds).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { nodeBinary, repoRoot, startNode, submitAndWatch, tail, waitForHead } from '../lib/node.mjs';
import { Agent, ChainLog } from '../lib/storage.mjs';

const execFileP = promisify(execFile);
const MiB = 1n << 20n;
const FRAGMENT = 8n * MiB;
const MIN = 60_000;
const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('an exiting miner leaves only after its replica is safe on another miner', () => {
  let node;
  let api;
  let log;
  let X;
  let Y;
  let user;
  let agentX;
  let agentY;
  let failed = false;
  const s = {};

  const addr = (a) => a.toString();
  const is = (who) => (a) => addr(a) === who.address;
  const errorName = (err) => {
    const m = api.registry.findMetaError(err.asModule);
    return `${m.section}.${m.name}`;
  };
  const ok = (r, what) =>
    assert.equal(r.dispatchError, undefined, `${what}: ${r.dispatchError && errorName(r.dispatchError)}`);
  const blockOf = async (r) => (await api.rpc.chain.getHeader(r.blockHash)).number.toNumber();
  const at = async (block) => api.at(log.hashes.get(block));
  const minerInfo = async (who, block) => {
    const call = block === undefined ? api.call : (await at(block)).call;
    const info = await call.storageMinerApi.minerInfo(who.address);
    return info.isSome ? info.unwrap() : null;
  };
  /**
   * Submits `tx` signed by `who` and waits for its block in the chain log. The miner's agent
   * signs with the same key, so a pool rejection (nonce race) is retried once a block later.
   */
  const send = async (tx, who) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await submitAndWatch(api, tx, who);
        r.block = await blockOf(r);
        await log.waitFor(() => log.head >= r.block, 2 * MIN, `block ${r.block} in the log`);
        return r;
      } catch (e) {
        if (attempt >= 5 || !/Priority is too low|1014|Invalid Transaction: Transaction is outdated|1010/.test(e.message)) throw e;
        await sleep(6_000);
      }
    }
  };

  const diag = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      const parts = [e.message];
      for (const a of [agentX, agentY]) if (a) for (const f of a.logFiles) parts.push(`--- agent ${f} ---\n${tail(f, 30)}`);
      if (node) parts.push(`--- node ${node.logFile} ---\n${node.logTail()}`);
      if (log) parts.push(`--- storage events (chain at #${log.head}) ---\n${log.summary()}`);
      const err = new Error(parts.join('\n\n'));
      err.cause = e;
      throw err;
    }
  };
  const need = (cond, what) => {
    if (!cond) throw new Error(`skipped: ${what} did not happen in an earlier test`);
  };

  before(async () => {
    await cryptoWaitReady();
    mkdirSync(tmpRoot, { recursive: true });
    node = await startNode('miner-exit', ['--dev']);
    api = node.api;
    log = new ChainLog(api);
    await log.start();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    X = keyring.addFromUri('//Dave');
    Y = keyring.addFromUri('//Eve');
    user = keyring.addFromUri('//Charlie');
    agentX = new Agent('exit-x', X, { extraArgs: ['--no-claim'] });
    agentY = new Agent('exit-y', Y, { extraArgs: ['--no-claim'] });
    for (const a of [agentX, agentY]) rmSync(a.dataDir, { recursive: true, force: true });
    await agentX.start(node.rpcPort, '//Dave');
  });

  after(async () => {
    for (const a of [agentX, agentY]) if (a) await a.stop().catch(() => {});
    if (log) log.stop();
    if (node) await node.stop();
    if (!failed) {
      for (const a of [agentX, agentY]) if (a) rmSync(a.dataDir, { recursive: true, force: true });
      if (s.path) rmSync(s.path, { force: true });
    }
  });

  test('X holds the only copy of a file; Y joins afterwards', { timeout: 10 * MIN }, diag(async () => {
    const positive = async (who, agent) => log.waitFor(async () => {
      agent.assertRunning();
      const info = await minerInfo(who);
      return info && info.state.type === 'Positive' &&
        log.find('audit', 'MinerEnrolled', (d) => is(who)(d.miner)).length > 0;
    }, 6 * MIN, `${who.address} Positive and enrolled`);
    await positive(X, agentX);

    ok(await submitAndWatch(api, api.tx.fileBank.buySpace(1, 30), user), 'buySpace(1 GiB, 30 days)');
    const content = randomBytes(Number(FRAGMENT));
    s.sha = sha256(content);
    s.path = join(tmpRoot, `miner-exit-file-${process.pid}.bin`);
    writeFileSync(s.path, content);
    const { stdout } = await execFileP(nodeBinary(),
      ['storage-miner', 'fragment-roots', '--file', s.path, '--owner', user.address]);
    const roots = JSON.parse(stdout);
    const hash = roots.file_hash.toLowerCase();
    const declared = await submitAndWatch(
      api, api.tx.fileBank.declareFile(roots.size, [roots.fragments[0].root], 1), user);
    ok(declared, 'declareFile(redundancy 1)');
    const placed = await log.waitFor(
      () => log.find('fileBank', 'FragmentAssigned', (d) => d.file.toHex() === hash)[0], 2 * MIN, 'FragmentAssigned');
    assert.ok(is(X)(placed.event.data.miner), 'to X, the only Positive miner');
    s.replica = placed.event.data.replica.toNumber();
    const declaredBlock = await blockOf(declared);
    await waitForHead(api, (h) => h.number.toNumber() >= declaredBlock, { finalized: true, timeoutMs: 2 * MIN });
    const put = await agentX.request('PUT', `/fragments/${hash}/0/${s.replica}`, content, { signer: user, api });
    assert.equal(put.status, 200, `PUT: ${put.status} ${put.text}`);
    await log.waitFor(() => {
      agentX.assertRunning();
      return log.find('fileBank', 'FragmentConfirmed', (d) => is(X)(d.miner) && d.file.toHex() === hash)[0];
    }, 4 * MIN, 'FragmentConfirmed by X');
    assert.equal((await minerInfo(X)).serviceSpace.toBigInt(), FRAGMENT);
    s.hash = hash;

    await agentY.start(node.rpcPort, '//Eve');
    await positive(Y, agentY);
    assert.equal((await minerInfo(Y)).serviceSpace.toBigInt(), 0n, 'Y holds nothing yet');
  }));

  test('prepareExit: the replica moves to Y, which fetches it from X and confirms', { timeout: 6 * MIN }, diag(async () => {
    need(s.hash, 'the stored file');
    const infoX = await minerInfo(X);
    s.collateral = infoX.collateral.toBigInt();
    const exit = await send(api.tx.storageMiner.prepareExit(), X);
    ok(exit, 'prepareExit');
    const prepared = exit.events.find((e) => api.events.storageMiner.ExitPrepared.is(e));
    assert.ok(prepared, 'ExitPrepared');
    s.exitAt = prepared.data.exitAt.toNumber();
    const cooldown = s.exitAt - exit.block;
    assert.equal(cooldown, 40, 'cooldown: two dev eras of 20 blocks');
    assert.equal((await minerInfo(X, exit.block)).state.type, 'Exiting');

    const early = await send(api.tx.storageMiner.withdraw(), X);
    assert.ok(early.dispatchError, 'withdraw right after prepareExit fails');
    assert.equal(errorName(early.dispatchError), 'storageMiner.CooldownNotOver');

    const moved = await log.waitFor(() => log.find('fileBank', 'FragmentReassigned',
      (d) => d.file.toHex() === s.hash && d.from.isSome && is(X)(d.from.unwrap()))[0], 2 * MIN, 'FragmentReassigned off X');
    assert.ok(moved.event.data.to.isSome && is(Y)(moved.event.data.to.unwrap()), 'to Y');
    assert.equal(moved.event.data.replica.toNumber(), s.replica);
    // X still holds and is challenged on its copy until Y confirms.
    assert.equal((await minerInfo(X, moved.block)).serviceSpace.toBigInt(), FRAGMENT, 'X keeps its copy meanwhile');

    const migrated = await log.waitFor(() => {
      agentY.assertRunning();
      return log.find('fileBank', 'ReplicaMigrated', (d) => d.file.toHex() === s.hash)[0];
    }, 4 * MIN, 'ReplicaMigrated');
    assert.ok(is(X)(migrated.event.data.from));
    assert.ok(is(Y)(migrated.event.data.to));
    const confirmed = log.find('fileBank', 'FragmentConfirmed', (d, r) => is(Y)(d.miner) && r.block === migrated.block);
    assert.equal(confirmed.length, 1, 'Y confirmed in the same block');
    assert.match(agentY.log(), /fetched .* from http:\/\/127\.0\.0\.1:\d+\/fragments\//, "Y's agent fetched it");
    const onDisk = readFileSync(agentY.fragmentPath(s.hash, 0, s.replica));
    assert.equal(sha256(onDisk), s.sha, "Y's copy is byte-identical to the upload");
    assert.equal((await minerInfo(Y, migrated.block)).serviceSpace.toBigInt(), FRAGMENT, 'Y holds 8 MiB');
    // Y's agent was allowed to download from X because the replica was assigned to it and
    // unconfirmed; now that it is confirmed, Y (or anyone but the owner) is refused (403), and
    // an unsigned request is refused (401). The owner gets the bytes from Y.
    const path = `/fragments/${s.hash}/0/${s.replica}`;
    const again = await agentX.request('GET', path, undefined, { signer: Y, api });
    assert.equal(again.status, 403, `Y, now a holder, may not download X's copy (got ${again.status}: ${again.text})`);
    assert.equal((await agentY.request('GET', path)).status, 401, 'unsigned: 401');
    const fromY = await agentY.request('GET', path, undefined, { signer: user, api });
    assert.equal(fromY.status, 200);
    assert.equal(sha256(fromY.buf), s.sha, 'the owner downloads its file from Y');
    const placement = (await (await at(migrated.block)).call.fileBankApi.filePlacement(s.hash)).unwrap();
    const slot = placement.fragments[0].replicas.find((r) => r.replica.toNumber() === s.replica);
    assert.ok(is(Y)(slot.miner.unwrap()) && slot.confirmed.isTrue, 'the slot is confirmed on Y');
    s.migratedBlock = migrated.block;
  }));

  test("X's copy is dropped at its checkpoint; after the cooldown withdraw returns all of its collateral", { timeout: 8 * MIN }, diag(async () => {
    need(s.migratedBlock, 'the migration');
    const removed = await log.waitFor(() => {
      agentX.assertRunning();
      return log.find('fileBank', 'FragmentsRemoved', (d, r) => is(X)(d.miner) && r.block >= s.migratedBlock)[0];
    }, 4 * MIN, "X's copy removed");
    assert.equal(removed.event.data.count.toNumber(), 1);
    assert.equal((await minerInfo(X, removed.block)).serviceSpace.toBigInt(), 0n, "X's service space is 0");

    // After the cooldown, right after a proof of X (its round decided): stop X's agent (it
    // would register again once X is gone) and withdraw.
    const proof = await log.waitFor(() => {
      agentX.assertRunning();
      return log.find('audit', 'ProofVerified', (d, r) => is(X)(d.miner) && r.block >= s.exitAt)[0];
    }, 5 * MIN, 'a proof of X after the cooldown');
    assert.equal(proof.event.data.idle.type, 'Passed', 'X kept proving while exiting');
    await agentX.stop();
    const w = await send(api.tx.storageMiner.withdraw(), X);
    ok(w, 'withdraw');
    const before = (await (await at(w.block - 1)).query.system.account(X.address)).data;
    const exited = w.events.find((e) => api.events.storageMiner.MinerExited.is(e));
    assert.ok(exited, 'MinerExited');
    assert.equal(exited.data.returned.toBigInt(), s.collateral, 'the whole collateral returned');
    assert.equal(s.collateral, api.consts.storageMiner.collateralPerTiB.toBigInt(), '2 000 CESS');
    assert.equal(exited.data.debt.toBigInt(), 0n);
    const afterAcc = (await (await at(w.block)).query.system.account(X.address)).data;
    const fee = w.events.filter((e) => api.events.transactionPayment.TransactionFeePaid.is(e))
      .reduce((sum, e) => sum + e.data.actualFee.toBigInt(), 0n);
    assert.equal(afterAcc.reserved.toBigInt(), before.reserved.toBigInt() - s.collateral, 'the hold is released');
    assert.equal(afterAcc.free.toBigInt(), before.free.toBigInt() + s.collateral - fee, 'free + collateral − fee');
    assert.equal(await minerInfo(X, w.block), null, 'X is no longer a miner');
    assert.equal(log.find('audit', 'MinerSlashed', (d) => is(X)(d.miner) || is(Y)(d.miner)).length, 0, 'nobody slashed');
    // The file is still stored, on Y.
    const placement = (await (await at(w.block)).call.fileBankApi.filePlacement(s.hash)).unwrap();
    assert.equal(placement.state.type, 'Stored');
    assert.ok(is(Y)(placement.fragments[0].replicas[0].miner.unwrap()));
  }));
});
