// The storage-miner agent (`cess-node storage-miner run`) end to end on one dev chain.
//
// Three agents run unattended next to `cess-node --dev`: A (//Dave) is honest, B (//Eve) has
// a fragment deleted behind its back, C (//Ferdie) is stopped. A user (//Charlie) uploads one
// file over the agents' HTTP endpoints. Every scenario runs at the same time on the same chain;
// one collector records the events of every block from block 1, and the tests assert on them:
//
//   block ~1-15   agents register, seal 2 fillers each, commit (Positive); A is restarted and
//                 must reuse its fillers; the user declares a file (redundancy 3) and PUTs it
//   round 0       (blocks 1-20) confirmations; B's fragment is deleted, C is stopped
//   rounds 1-3    A passes everything; B's service part fails twice: free, then 100 CESS
//   block ~71     cycle 0 finishes; A's agent claims: 50 % at once, then one release step
//   rounds 2-6    C misses every proof: slashed each time, banned at the 5th service miss
//
// The dev chain: 20-block rounds (= eras), proofs due 10 blocks after a round opens, 4 rounds
// per cycle, 10-block days. The whole file takes about 14 minutes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import {
  nodeBinary, repoRoot, startNode, submitAndWatch, tail, waitForHead,
} from '../lib/node.mjs';
import { fileHash as computeFileHash } from '../lib/file-hash.mjs';
import { Agent, ChainLog } from '../lib/storage.mjs';

const execFileP = promisify(execFile);

const CESS = 10n ** 18n;
const MiB = 1n << 20n;
const FILLER = 8n * MiB;
const FRAGMENT = 8n * MiB;
const COLLATERAL = 2_000n * CESS; // 1 TiB declared
const SLASH_LIMIT = 100n * CESS; // 2 000 CESS × 1 TiB × 5 %
const PERBILL = 1_000_000_000n;
const MIN = 60_000;

const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');

/** `Perbill::from_percent(p).mul_floor(x)`: exact floor. */
const percentFloor = (p, x) => (x * (BigInt(p) * 10_000_000n)) / PERBILL;
/** The audit's `StoragePower = 95 % × service + 5 % × idle`, each term rounded down. */
const storagePower = (idle, service) => percentFloor(95, service) + percentFloor(5, idle);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Files of a directory (recursively) with size and modification time. */
function listFiles(dir) {
  const out = new Map();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) for (const [p, s] of listFiles(path)) out.set(p, s);
    else out.set(path, { size: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

async function poll(fn, timeoutMs, what, intervalMs = 500) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s: ${what}`);
    await sleep(intervalMs);
  }
}

describe('the storage-miner agent: honest, dishonest and stopped miners on one dev chain', () => {
  let node;
  let api;
  let log;
  let keyring;
  let user;
  let A;
  let B;
  let C;
  const agents = [];
  let failed = false;
  let userPrep = null;

  // Shared between the tests (filled in as they go).
  const file = {};
  let fillersBefore = null;
  let deletionBlock = null;
  let preDeletionBlock = null;
  let stopBlock = null;
  let blockDay = 10;

  const addr = (acc) => acc.toString();
  const is = (e, section, method) => e.section === section && e.method === method;
  const sameAccount = (a, b) => u8aToHex(decodeAddress(a)) === u8aToHex(decodeAddress(b));

  const minerInfo = async (who, at) => {
    const call = at ? (await api.at(at)).call : api.call;
    const info = await call.storageMinerApi.minerInfo(who);
    return info.isSome ? info.unwrap() : null;
  };

  const diagnostics = () => {
    const parts = [];
    for (const a of agents) {
      for (const f of a.logFiles) parts.push(`--- agent ${a.name} (${a.address}) ${f} ---\n${tail(f, 30)}`);
    }
    if (node) parts.push(`--- node ${node.logFile} ---\n${node.logTail()}`);
    if (log) parts.push(`--- storage events (chain at #${log.head}) ---\n${log.summary()}`);
    return parts.join('\n');
  };

  /** Runs a test body; on failure adds the agents' logs and the recent events. */
  const diag = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      const err = new Error(`${e.message}\n\n${diagnostics()}`);
      err.cause = e;
      throw err;
    }
  };

  /** Fails fast when an earlier step this test builds on did not happen. */
  const need = (cond, what) => {
    if (!cond) throw new Error(`skipped: ${what} did not happen in an earlier test`);
  };

  before(async () => {
    await cryptoWaitReady();
    mkdirSync(tmpRoot, { recursive: true });
    node = await startNode('storage-agent', ['--dev']);
    api = node.api;
    log = new ChainLog(api);
    await log.start();
    keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    user = keyring.addFromUri('//Charlie');
    A = new Agent('A', keyring.addFromUri('//Dave'));
    B = new Agent('B', keyring.addFromUri('//Eve'));
    C = new Agent('C', keyring.addFromUri('//Ferdie'));
    agents.push(A, B, C);
    for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
    await A.start(node.rpcPort, '//Dave');
    await B.start(node.rpcPort, '//Eve');
    await C.start(node.rpcPort, '//Ferdie');
    const day = await api.query.timings.blockDay();
    blockDay = day.toNumber();
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop().catch(() => {})));
    if (log) log.stop();
    if (node) await node.stop();
    if (!failed) {
      for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
      if (file.path) rmSync(file.path, { force: true });
    }
  });

  test('three agents register, seal 2 fillers each and commit them: all Positive', { timeout: 10 * MIN }, diag(async () => {
    await log.waitFor(async () => {
      for (const a of agents) a.assertRunning();
      for (const a of agents) {
        const info = await minerInfo(a.address);
        if (!info || info.state.type !== 'Positive' || info.idleSpace.toBigInt() !== 2n * FILLER) return false;
      }
      return true;
    }, 9 * MIN, 'A, B and C Positive with 2 committed fillers');

    for (const a of agents) {
      const info = await minerInfo(a.address);
      assert.equal(info.state.type, 'Positive', `${a.name} state`);
      assert.equal(info.declaredTib.toNumber(), 1, `${a.name} declared 1 TiB`);
      assert.equal(info.collateral.toBigInt(), COLLATERAL, `${a.name} collateral: the requirement for 1 TiB`);
      assert.equal(info.requirement.toBigInt(), COLLATERAL, `${a.name} requirement`);
      assert.equal(info.debt.toBigInt(), 0n, `${a.name} debt`);
      assert.equal(info.fillerCount.toNumber(), 2, `${a.name} filler count`);
      assert.equal(info.idleSpace.toBigInt(), 2n * FILLER, `${a.name} idle space`);
      assert.equal(info.serviceSpace.toBigInt(), 0n, `${a.name} service space`);

      const registered = log.find('storageMiner', 'MinerRegistered', (d) => addr(d.miner) === a.address);
      assert.equal(registered.length, 1, `${a.name} registered once`);
      assert.equal(registered[0].event.data.declaredTib.toNumber(), 1);
      assert.equal(registered[0].event.data.collateral.toBigInt(), COLLATERAL);
      assert.equal(addr(registered[0].event.data.beneficiary), a.address, `${a.name} is its own beneficiary`);
      const committed = log.find('storageMiner', 'IdleCommitted', (d) => addr(d.miner) === a.address);
      assert.equal(committed.length, 1, `${a.name} committed once`);
      assert.equal(committed[0].event.data.fillerCount.toNumber(), 2);
      assert.equal(committed[0].event.data.idleSpace.toBigInt(), 2n * FILLER);

      const status = await poll(async () => {
        const s = await a.status();
        return s && s.committed_fillers === 2 ? s : null;
      }, 60_000, `${a.name} GET /status reports 2 committed fillers`);
      assert.ok(sameAccount(status.account, a.address), `${a.name} status account ${status.account}`);
      assert.equal(status.sealed_fillers, 2, `${a.name} sealed fillers`);
      assert.equal(status.committed_fillers, 2, `${a.name} committed fillers`);
      assert.equal(status.fragments, 0, `${a.name} stores no fragment yet`);
      assert.equal(status.state, 'Positive', `${a.name} status state`);
    }
    assert.match(A.log(0), /sealed filler/, "A's first run logs its sealing ('sealed filler i/n')");
  }));

  test('a restarted agent reuses its sealed fillers and does not commit again', { timeout: 4 * MIN }, diag(async () => {
    need(log.find('storageMiner', 'IdleCommitted', (d) => addr(d.miner) === A.address).length === 1, "A's commitment");

    // Meanwhile the user buys space, writes a file and declares it (A's agent need not be up
    // for the declaration: A is Positive on chain). Awaited by the next test.
    userPrep = prepareAndDeclareFile();
    userPrep.catch(() => {});

    const fillersDir = join(A.dataDir, 'fillers');
    fillersBefore = listFiles(fillersDir);
    const bytes = [...fillersBefore.values()].reduce((s, f) => s + BigInt(f.size), 0n);
    assert.ok(bytes >= 2n * FILLER, `A keeps 2 sealed fillers in ${fillersDir} (${bytes} bytes)`);
    assert.ok(existsSync(join(A.dataDir, 'state.json')), 'A keeps state.json');

    const stopped = await A.stop();
    await A.start(node.rpcPort, '//Dave');
    assert.ok(stopped.graceful, `A stops on SIGTERM (${JSON.stringify(stopped)})`);

    const status = await poll(async () => {
      A.assertRunning();
      const s = await A.status();
      return s && s.sealed_fillers === 2 && s.committed_fillers === 2 ? s : null;
    }, 90_000, 'the restarted A reports 2 sealed and 2 committed fillers');
    assert.equal(status.state, 'Positive');
    assert.doesNotMatch(A.log(1), /sealed filler/, 'the restarted A does not seal again');

    const fillersAfter = listFiles(fillersDir);
    for (const [path, f] of fillersBefore) {
      const now = fillersAfter.get(path);
      assert.ok(now, `${path} still exists`);
      if (f.size >= Number(FILLER)) {
        assert.equal(now.size, f.size, `${path} size unchanged`);
        assert.equal(now.mtimeMs, f.mtimeMs, `${path} not rewritten`);
      }
    }
    assert.equal(log.find('storageMiner', 'IdleCommitted', (d) => addr(d.miner) === A.address).length, 1,
      'no second commitment');
  }));

  /** The user's part before the upload: lease, file, fragment roots, declaration. */
  async function prepareAndDeclareFile() {
    const bought = await submitAndWatch(api, api.tx.fileBank.buySpace(1, 30), user);
    assert.equal(bought.dispatchError, undefined, 'buySpace(1 GiB, 30 days)');

    // One full 8 MiB fragment of random bytes. (With a shorter file most of the fragment is
    // zero padding, and a proof made of zero bytes would pass whenever every challenged leaf
    // lands in the padding; a full fragment makes B's failure certain.)
    file.content = randomBytes(Number(FRAGMENT));
    file.path = join(tmpRoot, `user-file-${process.pid}.bin`);
    writeFileSync(file.path, file.content);
    const { stdout } = await execFileP(
      nodeBinary(), ['storage-miner', 'fragment-roots', '--file', file.path, '--owner', user.address],
      { maxBuffer: 1 << 20 });
    const roots = JSON.parse(stdout);
    assert.equal(roots.content_hash, blake2AsHex(file.content, 256), 'content_hash is blake2-256 of the content');
    assert.equal(roots.size, Number(FRAGMENT));
    assert.equal(roots.fragment_size, 8_388_608);
    assert.equal(roots.fragments.length, 1);
    assert.deepEqual(
      { index: roots.fragments[0].index, offset: roots.fragments[0].offset, len: roots.fragments[0].len },
      { index: 0, offset: 0, len: Number(FRAGMENT) },
    );
    assert.match(roots.fragments[0].root, /^0x[0-9a-f]{64}$/);
    file.root = roots.fragments[0].root.toLowerCase();
    // The CLI's file hash is the chain's file_hash(owner, size, roots), recomputed in JS.
    file.hash = roots.file_hash.toLowerCase();
    assert.equal(file.hash, computeFileHash(user.address, roots.size, [file.root]), 'CLI file_hash = JS file_hash');

    const declared = await submitAndWatch(
      api, api.tx.fileBank.declareFile(roots.size, [file.root], 3), user);
    assert.equal(declared.dispatchError, undefined, 'declareFile(redundancy 3)');
    file.declaredBlock = (await api.rpc.chain.getHeader(declared.blockHash)).number.toNumber();
    const ev = declared.events.find((e) => is(e, 'fileBank', 'FileDeclared'));
    assert.equal(ev.data.file.toHex(), file.hash, 'the chain gave the declaration the CLI hash');
    assert.equal(ev.data.placeAt.toNumber(), file.declaredBlock + 5, 'placed PlacementDelay = 5 blocks later');
    assert.equal(declared.events.filter((e) => is(e, 'fileBank', 'FragmentAssigned')).length, 0,
      'nothing assigned at declaration');
    // The replicas arrive in the hook of the placement block.
    await log.waitFor(() => log.find('fileBank', 'FilePlaced', (d) => d.file.toHex() === file.hash).length === 1,
      2 * MIN, 'FilePlaced');
    const assigned = log.find('fileBank', 'FragmentAssigned', (d) => d.file.toHex() === file.hash);
    assert.equal(assigned.length, 3, 'three replicas assigned');
    file.placedBlock = assigned[0].block;
    assert.equal(file.placedBlock, file.declaredBlock + 5, 'in block declared + 5');
    file.replica = new Map(); // miner address → replica
    for (const { event: e } of assigned) {
      assert.equal(e.data.fragment.toNumber(), 0);
      file.replica.set(addr(e.data.miner), e.data.replica.toNumber());
    }
    return file;
  }

  test('a user uploads a file to the three assigned agents; they confirm it', { timeout: 6 * MIN }, diag(async () => {
    need(userPrep, 'the declaration');
    await userPrep;
    // The only Positive miners are A, B and C: one replica each.
    assert.deepEqual([...file.replica.keys()].sort(), [A.address, B.address, C.address].sort(),
      'FragmentAssigned names A, B and C');
    assert.deepEqual([...file.replica.values()].sort(), [0, 1, 2]);
    const slot = (a) => `/fragments/${file.hash}/0/${file.replica.get(a.address)}`;
    // Whichever head the agents check the assignment at, the placement is in it.
    await waitForHead(api, (h) => h.number.toNumber() >= file.placedBlock, { finalized: true, timeoutMs: 2 * MIN });

    // Wrong bytes: refused, nothing stored, nothing confirmed.
    const wrong = randomBytes(Number(FRAGMENT));
    const bad = await A.request('PUT', slot(A), wrong, { signer: user, api });
    assert.equal(bad.status, 422, `wrong bytes are refused with 422 (got ${bad.status}: ${bad.text})`);
    assert.ok(!existsSync(A.fragmentPath(file.hash, 0, file.replica.get(A.address))), 'nothing stored');

    // The right bytes to B and C while we watch two blocks for a confirmation A must not send.
    const headAtBad = log.head;
    const [putB, putC] = await Promise.all([
      B.request('PUT', slot(B), file.content, { signer: user, api }),
      C.request('PUT', slot(C), file.content, { signer: user, api }),
      log.waitFor(() => log.head >= headAtBad + 2, 2 * MIN, 'two blocks'),
    ]);
    assert.equal(log.find('fileBank', 'FragmentConfirmed', (d) => addr(d.miner) === A.address).length, 0,
      'A confirmed nothing after the bad upload');
    const placement = (await api.call.fileBankApi.filePlacement(file.hash)).unwrap();
    const replicaA = placement.fragments[0].replicas.find((r) => r.replica.toNumber() === file.replica.get(A.address));
    assert.equal(replicaA.confirmed.isTrue, false, "A's replica still unconfirmed");
    assert.equal(placement.fragments[0].root.toHex(), file.root);

    // Uploads are signed by the file owner: unsigned → 401, signed by another account → 403.
    const unsigned = await A.request('PUT', slot(A), file.content);
    assert.equal(unsigned.status, 401, `an unsigned upload is refused (got ${unsigned.status}: ${unsigned.text})`);
    assert.match(unsigned.text, /missing header X-CESS-Account/);
    const byB = await A.request('PUT', slot(A), file.content, { signer: B.pair, api });
    assert.equal(byB.status, 403, `an upload signed by a non-owner is refused (got ${byB.status}: ${byB.text})`);
    const putA = await A.request('PUT', slot(A), file.content, { signer: user, api });
    for (const [a, put] of [[A, putA], [B, putB], [C, putC]]) {
      assert.equal(put.status, 200, `PUT to ${a.name}: ${put.status} ${put.text}`);
      const body = JSON.parse(put.text);
      assert.equal(body.stored, true, `${a.name} stored`);
      assert.equal(body.root.toLowerCase(), file.root, `${a.name} computed the declared root`);
    }

    await log.waitFor(() => {
      for (const a of agents) a.assertRunning();
      const confirmed = log.find('fileBank', 'FragmentConfirmed', (d) => d.file.toHex() === file.hash);
      const stored = log.find('fileBank', 'FileStored', (d) => d.file.toHex() === file.hash);
      return confirmed.length === 3 && stored.length === 1;
    }, 4 * MIN, 'three FragmentConfirmed and FileStored');
    const confirmed = log.find('fileBank', 'FragmentConfirmed', (d) => d.file.toHex() === file.hash);
    for (const a of agents) {
      const mine = confirmed.filter((r) => addr(r.event.data.miner) === a.address);
      assert.equal(mine.length, 1, `${a.name} confirmed once`);
      assert.equal(mine[0].event.data.replica.toNumber(), file.replica.get(a.address));
      assert.equal(mine[0].event.data.index.toNumber(), 0, `${a.name}'s service fragment #0`);
    }
    file.storedBlock = log.find('fileBank', 'FileStored', (d) => d.file.toHex() === file.hash)[0].block;

    for (const a of agents) {
      const info = await minerInfo(a.address);
      assert.equal(info.serviceSpace.toBigInt(), FRAGMENT, `${a.name} service space 8 MiB`);
      assert.equal(info.idleSpace.toBigInt(), 2n * FILLER, `${a.name} idle space unchanged`);
    }
    const onDisk = readFileSync(A.fragmentPath(file.hash, 0, file.replica.get(A.address)));
    assert.ok(onDisk.equals(file.content), "A's stored file holds the uploaded bytes");
    const back = await A.request('GET', slot(A), undefined, { signer: user, api });
    assert.equal(back.status, 200);
    // Downloads too: unsigned → 401; a co-holder (B keeps its own copy, nothing moves to it)
    // → 403, so a miner that lost its copy cannot take a co-holder's at challenge time.
    const anonymous = await A.request('GET', slot(A));
    assert.equal(anonymous.status, 401, `an unsigned download is refused (got ${anonymous.status})`);
    const coHolder = await A.request('GET', slot(A), undefined, { signer: B.pair, api });
    assert.equal(coHolder.status, 403, `a co-holder's download is refused (got ${coHolder.status}: ${coHolder.text})`);
    assert.ok(back.buf.equals(file.content), 'GET returns the uploaded bytes');
    const status = await A.status();
    assert.equal(status.fragments, 1, 'A reports 1 stored fragment');
  }));

  test("B's fragment is deleted behind its agent's back; C's agent is stopped", { timeout: 2 * MIN }, diag(async () => {
    need(file.storedBlock, 'the file upload');
    const pathB = B.fragmentPath(file.hash, 0, file.replica.get(B.address));
    assert.ok(existsSync(pathB), `B stores ${pathB}`);
    // A proof in a block up to `preDeletionBlock` was built with the data; a proof of a round
    // that opened after `deletionBlock` was built without it.
    preDeletionBlock = (await api.rpc.chain.getHeader()).number.toNumber();
    unlinkSync(pathB);
    deletionBlock = (await api.rpc.chain.getHeader()).number.toNumber();

    const stopped = await C.stop();
    assert.ok(stopped, 'C stopped');
    stopBlock = (await api.rpc.chain.getHeader()).number.toNumber();
  }));

  test('dishonest B: the first failed service proof is free, the second costs SlashLimit (100 CESS)', { timeout: 22 * MIN }, diag(async () => {
    need(deletionBlock !== null, "the deletion of B's fragment");
    const mineB = (d) => addr(d.miner) === B.address;

    const { first, next } = await log.waitFor(() => {
      B.assertRunning();
      const opened = log.find('audit', 'RoundOpened', (_, r) => r.block > deletionBlock);
      const fromRound = opened.length ? opened[0].event.data.round.toNumber() : Infinity;
      const missed = log.find('audit', 'ProofMissed', (d) => mineB(d) && d.round.toNumber() >= fromRound);
      if (missed.length) {
        throw new Error(`B missed round ${missed[0].event.data.round.toNumber()}: the agent must prove even without the data`);
      }
      const proofs = log.find('audit', 'ProofVerified', (d) => mineB(d));
      const passedLate = proofs.find((r) => r.event.data.round.toNumber() >= fromRound && r.event.data.service.type === 'Passed');
      if (passedLate) {
        throw new Error(`B's service part passed in round ${passedLate.event.data.round.toNumber()}, after its data was deleted`);
      }
      // The first failure may be the proof of the round open at the deletion, if it was built later.
      const firstFailure = proofs.find((r) => r.event.data.service.type === 'Failed');
      if (!firstFailure) return null;
      const round = firstFailure.event.data.round.toNumber();
      const following = proofs.find((r) => r.event.data.round.toNumber() === round + 1);
      return following ? { first: firstFailure, next: following } : null;
    }, 20 * MIN, "B's two consecutive service failures after the deletion");
    assert.ok(first.block > preDeletionBlock,
      `B's first service failure (block ${first.block}) comes after the deletion (block ${preDeletionBlock})`);

    // First failure: idle passes, service fails, no power, no slash.
    const r1 = first.event.data.round.toNumber();
    assert.equal(first.event.data.idle.type, 'Passed', 'idle part still passes');
    assert.equal(first.event.data.power.toBigInt(), 0n, 'no power with a failed part');
    assert.equal(log.find('audit', 'MinerSlashed', (d) => mineB(d) && d.round.toNumber() === r1).length, 0,
      `no slash for B's first failure (round ${r1})`);

    // Second consecutive failure: SlashLimit = 2 000 CESS × 1 TiB × 5 % = 100 CESS.
    const r2 = next.event.data.round.toNumber();
    assert.equal(next.event.data.service.type, 'Failed', `B's service part fails again in round ${r2}`);
    assert.equal(next.event.data.power.toBigInt(), 0n);
    const slashes = log.find('audit', 'MinerSlashed', (d) => mineB(d) && d.round.toNumber() === r2);
    assert.equal(slashes.length, 1, `one slash of B in round ${r2}`);
    const slash = slashes[0];
    assert.equal(slash.block, next.block, 'slashed by the proof submission');
    assert.equal(slash.event.data.reason.type, 'ServiceFailedAgain');
    assert.equal(slash.event.data.amount.toBigInt(), SLASH_LIMIT, 'amount = SlashLimit = 100 CESS');
    assert.equal(slash.event.data.slashed.toBigInt(), SLASH_LIMIT, 'all of it from the collateral');
    assert.equal(slash.event.data.debtAdded.toBigInt(), 0n);

    const punished = log.find('storageMiner', 'MinerPunished', (d, r) => mineB(d) && r.block === slash.block);
    assert.equal(punished.length, 1, 'storageMiner.MinerPunished');
    assert.equal(punished[0].event.data.amount.toBigInt(), SLASH_LIMIT);
    assert.equal(punished[0].event.data.slashed.toBigInt(), SLASH_LIMIT);
    assert.equal(punished[0].event.data.collateral.toBigInt(), COLLATERAL - SLASH_LIMIT);
    assert.equal(punished[0].event.data.debt.toBigInt(), 0n);

    const held = await minerInfo(B.address, log.hashes.get(slash.block - 1));
    const left = await minerInfo(B.address, log.hashes.get(slash.block));
    assert.equal(held.collateral.toBigInt(), COLLATERAL, 'B held 2 000 CESS before');
    assert.equal(held.collateral.toBigInt() - left.collateral.toBigInt(), SLASH_LIMIT,
      "B's collateral drops by exactly 100 CESS");
    assert.equal(left.state.type, 'Frozen', 'below the requirement: Frozen');
  }));

  test('honest A: storage power of a cycle, a reward order paying 50 % at once, then a release step', { timeout: 22 * MIN }, diag(async () => {
    need(file.storedBlock, 'the file upload');
    const mineA = (d) => addr(d.miner) === A.address;
    const powerOf = (cycle, filter = () => true) => log
      .find('audit', 'ProofVerified', (d) => d.cycle.toNumber() === cycle && filter(d))
      .reduce((s, r) => s + r.event.data.power.toBigInt(), 0n);

    // The first reward order of A, and the claim that created it.
    const order = await log.waitFor(() => {
      A.assertRunning();
      const created = log.find('storageMiner', 'RewardOrderCreated', (d) => mineA(d));
      return created[0] || null;
    }, 20 * MIN, "A's first RewardOrderCreated");
    const firstCycle = order.event.data.firstCycle.toNumber();
    const lastCycle = order.event.data.lastCycle.toNumber();

    // A's power in those cycles = the sum of its ProofVerified powers = the runtime API; the
    // cycle total is final (CycleFinished) and copied into the reward snapshot.
    let expected = 0n;
    for (let cycle = firstCycle; cycle <= lastCycle; cycle++) {
      const finished = log.find('audit', 'CycleFinished', (d) => d.cycle.toNumber() === cycle);
      assert.equal(finished.length, 1, `CycleFinished for cycle ${cycle}`);
      assert.ok(finished[0].block <= order.block, 'the order follows the end of the cycle');
      const snapshot = log.find('storageMiner', 'CycleRewardSnapshot', (d) => d.cycle.toNumber() === cycle);
      assert.equal(snapshot.length, 1, `CycleRewardSnapshot for cycle ${cycle}`);
      const total = snapshot[0].event.data.total.toBigInt();
      const cyclePower = snapshot[0].event.data.power.toBigInt();
      assert.equal(cyclePower, finished[0].event.data.totalPower.toBigInt(), 'snapshot power = cycle total');
      assert.equal(cyclePower, powerOf(cycle), 'cycle total = sum of every ProofVerified power of the cycle');
      assert.equal((await api.call.auditApi.cyclePower(cycle)).toBigInt(), cyclePower, 'auditApi.cyclePower');
      const minerPower = (await api.call.auditApi.minerPower(cycle, A.address)).toBigInt();
      assert.equal(minerPower, powerOf(cycle, mineA), "auditApi.minerPower = sum of A's ProofVerified powers");
      if (cycle === firstCycle) assert.ok(minerPower > 0n, `A earned power in cycle ${cycle}`);
      assert.ok(total > 0n, `cycle ${cycle} has a reward`);
      // ⌊TotalReward_N × power / TotalStoragePower_N⌋
      if (minerPower > 0n) expected += (total * minerPower) / cyclePower;
    }
    const amount = order.event.data.amount.toBigInt();
    assert.equal(amount, expected, 'order = ⌊total × A power / cycle power⌋');
    const vesting = amount / 2n;
    const immediate = amount - vesting;
    assert.equal(order.event.data.immediate.toBigInt(), immediate, 'immediate = amount − ⌊amount / 2⌋');
    const step = vesting / 90n;
    assert.ok(step > 0n);

    // The claim: pays the immediate half (A's first order) to A, its own beneficiary.
    const claims = () => log.find('storageMiner', 'RewardsClaimed', (d) => mineA(d));
    const claim1 = claims().find((r) => r.block === order.block);
    assert.ok(claim1, 'RewardsClaimed in the same block as the order');
    assert.equal(addr(claim1.event.data.beneficiary), A.address);
    assert.equal(claim1.event.data.paid.toBigInt(), immediate, 'first claim pays the immediate half');
    assert.equal(claim1.event.data.unpaid.toBigInt(), 0n);
    for (const r of claims()) {
      if (r.block >= claim1.block) break;
      assert.equal(r.event.data.paid.toBigInt(), 0n, 'nothing was paid to A before its first order');
    }

    const freeAt = async (block) =>
      (await (await api.at(log.hashes.get(block))).query.system.account(A.address)).data.free.toBigInt();
    const feesAt = (block) => log
      .find('transactionPayment', 'TransactionFeePaid', (d, r) => r.block === block && addr(d.who) === A.address)
      .reduce((s, r) => s + r.event.data.actualFee.toBigInt(), 0n);
    assert.equal(await freeAt(claim1.block) - await freeAt(claim1.block - 1),
      immediate - feesAt(claim1.block), "A's free balance rises by paid − fee");

    const rewardsAt = async (block) =>
      (await api.at(log.hashes.get(block))).call.storageMinerRewardsApi.rewards(A.address);
    const report1 = await rewardsAt(claim1.block);
    const day1 = Math.floor(claim1.block / blockDay);
    assert.equal(report1.vesting.toBigInt(), vesting, 'the other half vests');
    assert.equal(report1.unclaimedCycles.toNumber(), 0);
    assert.ok(report1.nextRelease.isSome, 'next_release is set');
    assert.equal(report1.nextRelease.unwrap().toNumber(), (day1 + 1) * blockDay, 'next release: the next block day');

    // One release step later the agent claims again: ⌊vesting / 90⌋ per elapsed block day.
    const claim2 = await log.waitFor(() => {
      A.assertRunning();
      return claims().find((r) => r.block > claim1.block) || null;
    }, 5 * MIN, "A's next claim (one block day later)");
    const day2 = Math.floor(claim2.block / blockDay);
    assert.ok(day2 - day1 >= 1 && day2 - day1 <= 2,
      `the agent claims at the next release (order day ${day1}, claim day ${day2})`);
    assert.equal(log.find('storageMiner', 'RewardOrderCreated', (d, r) => mineA(d) && r.block === claim2.block).length, 0,
      'no new order in the release claim');
    const paid2 = claim2.event.data.paid.toBigInt();
    assert.equal(paid2, step * BigInt(day2 - day1), `the release step: ⌊${vesting} / 90⌋ per block day`);
    assert.equal(claim2.event.data.unpaid.toBigInt(), 0n);
    assert.equal(claim2.event.data.ordersCompleted.toNumber(), 0);
    assert.equal(await freeAt(claim2.block) - await freeAt(claim2.block - 1), paid2 - feesAt(claim2.block),
      "A's free balance rises by the step − fee");
    const report2 = await rewardsAt(claim2.block);
    assert.equal(report1.vesting.toBigInt() - report2.vesting.toBigInt(), paid2, 'vesting decreases by the step');
  }));

  test('stopped C: slashed for every missed service proof, banned at the 5th', { timeout: 24 * MIN }, diag(async () => {
    need(stopBlock !== null, "C's stop");
    const mineC = (d) => addr(d.miner) === C.address;

    const banned = await log.waitFor(() => {
      const ban = log.find('audit', 'MinerBanned', (d) => mineC(d));
      if (ban.length) return ban[0];
      // (a proof already in the pool when the agent stopped may still land in the next blocks)
      const late = log.find('audit', 'ProofVerified', (d, r) => mineC(d) && r.block > stopBlock + 3);
      if (late.length) throw new Error(`C proved round ${late[0].event.data.round.toNumber()} after it was stopped`);
      return null;
    }, 23 * MIN, "C's ban");

    const misses = log.find('audit', 'ProofMissed', (d) => mineC(d));
    assert.ok(misses.length >= 5, `${misses.length} misses of C`);
    const proofs = log.find('audit', 'ProofVerified', (d) => mineC(d));
    const firstMissed = misses[0].event.data.round.toNumber();
    assert.ok(proofs.every((r) => r.event.data.round.toNumber() < firstMissed), 'no proof of C after its first miss');
    misses.forEach((r, i) => {
      assert.equal(r.event.data.round.toNumber(), firstMissed + i, 'misses in consecutive rounds');
    });
    // "Rewarded before" = C earned storage power at least once before it stopped.
    const rewarded = proofs.some((r) => r.event.data.power.toBigInt() > 0n);

    let serviceMisses = 0;
    let lastServiceMiss = null;
    for (const miss of misses) {
      const round = miss.event.data.round.toNumber();
      const slashes = log.find('audit', 'MinerSlashed', (d) => mineC(d) && d.round.toNumber() === round);
      if (!miss.event.data.serviceChallenged.isTrue) {
        // The challenge asked only for fillers (snapshot taken before the fragment came).
        assert.equal(serviceMisses, 0, 'once the fragment is challenged, every miss is a service miss');
        assert.equal(slashes.length, 0, `no slash for an idle-only miss (round ${round})`);
        continue;
      }
      serviceMisses += 1;
      lastServiceMiss = miss;
      assert.equal(slashes.length, 1, `one slash for the service miss of round ${round}`);
      const slash = slashes[0];
      assert.equal(slash.block, miss.block, 'settled together');
      if (serviceMisses === 1) {
        const report = (await (await api.at(log.hashes.get(slash.block - 1))).call.auditApi.minerChallenge(C.address)).unwrap();
        assert.equal(report.rewarded.isTrue, rewarded, 'auditApi.minerChallenge.rewarded agrees with the events');
      }
      // Collateral before this slash: at the end of the previous block, minus earlier slashes
      // of C in the same block.
      const collateralBefore = (await minerInfo(C.address, log.hashes.get(slash.block - 1))).collateral.toBigInt() -
        log.find('audit', 'MinerSlashed', (d, r) => mineC(d) && r.block === slash.block && d.round.toNumber() < round)
          .reduce((s, r) => s + r.event.data.slashed.toBigInt(), 0n);
      const expectedReason = rewarded ? 'ServiceMissed' : 'ServiceMissedNeverRewarded';
      const expectedAmount = rewarded ? SLASH_LIMIT : percentFloor(5, collateralBefore);
      assert.equal(slash.event.data.reason.type, expectedReason, `reason of the round-${round} slash`);
      assert.equal(slash.event.data.amount.toBigInt(), expectedAmount,
        `round ${round}: ${rewarded ? 'SlashLimit' : `5 % of ${collateralBefore}`}`);
      assert.equal(slash.event.data.slashed.toBigInt(), expectedAmount, 'taken from the collateral');
      assert.equal(slash.event.data.debtAdded.toBigInt(), 0n);
      const punished = log.find('storageMiner', 'MinerPunished', (d, r) => mineC(d) && r.block === slash.block);
      assert.ok(punished.some((p) => p.event.data.amount.toBigInt() === expectedAmount &&
        p.event.data.collateral.toBigInt() === collateralBefore - expectedAmount), 'storageMiner.MinerPunished');
      if (serviceMisses < 5) {
        assert.ok(banned.block > miss.block, `not banned before the 5th service miss (round ${round})`);
      }
      // Issue 15: the 3rd unproven round in a row (N = 3) starts the repair of C's files.
      const repairs = log.find('audit', 'RepairRequested', (d) => mineC(d));
      if (serviceMisses < 3) {
        assert.ok(repairs.every((r) => r.block > miss.block), `no repair before the 3rd service miss (round ${round})`);
      } else if (serviceMisses === 3) {
        assert.equal(repairs.length, 1, 'one repair of C');
        assert.equal(repairs[0].block, miss.block, 'requested by the settlement of the 3rd miss');
        assert.equal(repairs[0].event.data.round.toNumber(), round);
        assert.equal(repairs[0].event.data.reason.type, 'Unproven');
        assert.equal(repairs[0].event.data.reason.asUnproven.rounds.toNumber(), 3);
        const started = log.find('fileBank', 'RepairStarted', (d, r) => mineC(d) && r.block === miss.block);
        assert.equal(started.length, 1, 'fileBank.RepairStarted with it');
        assert.equal(started[0].event.data.fragments.toNumber(), 1, "C's one fragment");
      }
    }
    assert.equal(serviceMisses, 5, 'exactly 5 service misses (consecutive)');
    assert.equal(banned.event.data.round.toNumber(), lastServiceMiss.event.data.round.toNumber(),
      'banned in the round of the 5th service miss');
    assert.equal(banned.block, lastServiceMiss.block);
    assert.equal(log.find('storageMiner', 'MinerBanned', (d, r) => mineC(d) && r.block === banned.block).length, 1,
      'storageMiner.MinerBanned');
    const info = await minerInfo(C.address);
    assert.ok(info, 'a banned account still reports');
    assert.equal(info.state.type, 'Banned');
    // Migrate, release on confirm: A and B hold the other two replicas, so no miner can take
    // C's (the move waits, `to: None`); C keeps the copy — its 8 MiB of service space are not
    // released — and no replica has moved off C.
    const moves = log.find('fileBank', 'FragmentReassigned', (d) => d.from.isSome && addr(d.from.unwrap()) === C.address);
    assert.ok(moves.length >= 1, "C's replica is being moved");
    assert.ok(moves.every((r) => r.event.data.to.isNone), 'nobody eligible to take it');
    assert.equal(log.find('fileBank', 'ReplicaMigrated', (d) => addr(d.from) === C.address).length, 0);
    assert.equal(info.serviceSpace.toBigInt(), FRAGMENT, 'C still holds its 8 MiB (no holder confirmed)');
  }));

  test('honest A was never punished, proved every round and passed every part', { timeout: 2 * MIN }, diag(async () => {
    need(file.storedBlock, 'the file upload');
    A.assertRunning();
    const mineA = (d) => addr(d.miner) === A.address;
    assert.equal(log.find('audit', 'MinerSlashed', (d) => mineA(d)).length, 0, 'no MinerSlashed for A');
    assert.equal(log.find('audit', 'ProofMissed', (d) => mineA(d)).length, 0, 'no ProofMissed for A');
    assert.equal(log.find('storageMiner', 'MinerPunished', (d) => mineA(d)).length, 0);
    assert.equal(log.find('audit', 'RepairRequested', (d) => mineA(d)).length, 0, 'A is never repaired');
    assert.equal(log.find('fileBank', 'RepairStarted', (d) => mineA(d)).length, 0);

    const proofs = log.find('audit', 'ProofVerified', (d) => mineA(d));
    assert.ok(proofs.length >= 4, `A proved at least a cycle's worth of rounds (${proofs.length})`);
    let servicePassed = false;
    proofs.forEach((r, i) => {
      const d = r.event.data;
      const round = d.round.toNumber();
      if (i > 0) assert.equal(round, proofs[i - 1].event.data.round.toNumber() + 1, `A proved round ${round - 1} + 1`);
      assert.equal(d.idle.type, 'Passed', `A's idle part of round ${round}`);
      if (servicePassed) {
        assert.equal(d.service.type, 'Passed', `A's service part of round ${round}`);
      } else {
        assert.ok(['NotChallenged', 'Passed'].includes(d.service.type), `A's service part of round ${round}: ${d.service.type}`);
        servicePassed = d.service.type === 'Passed';
      }
      // Power at the challenge's spaces: 16 MiB idle, plus 8 MiB service once it is challenged.
      const expected = storagePower(2n * FILLER, d.service.type === 'Passed' ? FRAGMENT : 0n);
      assert.equal(d.power.toBigInt(), expected, `A's power in round ${round}`);
    });
    assert.ok(servicePassed, "A's service part was challenged and passed");
    assert.ok(proofs.some((r) => r.block > file.storedBlock && r.event.data.service.type === 'Passed'));

    // The restart: no second registration, no second commitment, no resealing ever.
    assert.equal(log.find('storageMiner', 'MinerRegistered', (d) => mineA(d)).length, 1, 'registered once');
    assert.equal(log.find('storageMiner', 'IdleCommitted', (d) => mineA(d)).length, 1, 'IdleCommitted once');
    assert.doesNotMatch(A.log(1), /sealed filler/, 'the restarted A never sealed');
    if (fillersBefore) {
      const now = listFiles(join(A.dataDir, 'fillers'));
      for (const [path, f] of fillersBefore) {
        if (f.size >= Number(FILLER)) assert.equal(now.get(path)?.mtimeMs, f.mtimeMs, `${path} not rewritten`);
      }
    }

    const status = await A.status();
    assert.ok(status, 'A answers GET /status');
    assert.equal(status.state, 'Positive');
    assert.equal(status.fragments, 1);
    assert.equal(typeof status.last_proved_round, 'number');
    assert.ok(status.last_proved_round >= proofs[proofs.length - 1].event.data.round.toNumber() - 1,
      `last_proved_round ${status.last_proved_round}`);
    const info = await minerInfo(A.address);
    assert.equal(info.collateral.toBigInt(), COLLATERAL, "A's collateral is intact");
  }));
});
