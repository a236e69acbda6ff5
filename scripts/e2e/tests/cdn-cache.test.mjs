// CD²N cache nodes (issue 21): placement by a retrieval node and the CachedBytes
// attestations the pallet pays cache nodes on, end to end on one dev chain.
//
// Six storage-miner agents run next to `cess-node --dev`. A user (//Charlie) stores a 1 MiB
// random file. A cache node C (`cdn run --kind cache`) and a retrieval node R (`cdn run --kind
// retrieval --place-to <C's account> --place-after 2`) register themselves; R finds C's
// endpoint in `Cdn::Nodes`. Forged placements are refused by C: signed by an account that is
// no retrieval node (403), signed for another cache (403), replayed 21 blocks late (403),
// wrong content (422), wrong size (422). Charlie fetches the file twice through R; R places it
// on C (C re-encodes it and checks every data fragment against its on-chain root), signs a
// CacheAttestation of 1 MiB and sends it to C, which submits it (`CachedLevelAttested`,
// `CachedLevels`). An attestation beyond R's budget ρ·A_R/p is refused by the chain. C then
// drops the file (deleted while C is down): R lowers the level to 0 itself, places the file
// again and C submits 1 MiB again. After the cycle C's reward is
// k_c·τ·p·CachedBytes/ρ = 24 414 060 544 planck (computed here from the chain's constants),
// R's is A·95 % + D_R, and both claim 50 % by themselves.
//
// About 15 minutes on 2 cores (agents' enrolment and one 80-block service cycle).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { freePort, nodeBinary, repoRoot, startNode, submitAndWatch, tail } from '../lib/node.mjs';
import { Agent, ChainLog } from '../lib/storage.mjs';

const execFileP = promisify(execFile);
const MiB = 1 << 20;
const MIN = 60_000;
const CESS = 10n ** 18n;
const SIZE = MiB;
// As in cdn-node.test.mjs: 1 MiB costs 2.097152 CESS, a certain winner.
const PRICE = 2_000_000_000_000n;
const AMOUNT = PRICE * BigInt(SIZE);
// The dev chain's service cycle (runtime/src/configs/cdn.rs: 4 eras of 20 blocks).
const DEV_CYCLE = 80;
const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PERBILL = 1_000_000_000n;
/** `Perbill(parts).mul_floor(x)`. */
const perbillFloor = (parts, x) => (x * parts) / PERBILL;

class CdnNode {
  constructor(name, kind, pair, suri) {
    this.name = name;
    this.kind = kind;
    this.pair = pair;
    this.suri = suri;
    this.address = pair.address;
    this.dataDir = join(tmpRoot, `cdn-cache-${name}-${process.pid}`);
    this.logFiles = [];
    this.child = null;
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async start(rpcPort, extra = []) {
    if (!this.port) this.port = await freePort();
    const logFile = join(tmpRoot, `cdn-cache-${this.name}-${process.pid}-${this.logFiles.length + 1}.log`);
    this.logFiles.push(logFile);
    const fd = openSync(logFile, 'w');
    this.child = spawn(nodeBinary(), [
      'cdn', 'run', '--kind', this.kind, '--data-dir', this.dataDir,
      '--rpc', `http://127.0.0.1:${rpcPort}`, '--suri', this.suri,
      '--listen', `127.0.0.1:${this.port}`, '--price', String(PRICE),
      '--cache-bytes', String(64 * MiB), '--batch-interval', '3', ...extra,
    ], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.exit = new Promise((r) => this.child.on('exit', r));
    const deadline = Date.now() + 2 * MIN;
    for (;;) {
      try {
        const res = await fetch(`${this.url}/status`);
        if (res.ok) return;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`cdn node ${this.name} did not start\n${tail(logFile)}`);
      await sleep(1_000);
    }
  }

  async kill(signal = 'SIGKILL') {
    if (!this.child) return;
    this.child.kill(signal);
    await this.exit;
    this.child = null;
  }

  async status() { return (await fetch(`${this.url}/status`)).json(); }

  async metric(name) {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : undefined;
  }

  logTail() { return this.logFiles.length ? tail(this.logFiles[this.logFiles.length - 1], 30) : ''; }
}

describe('CD²N cache nodes: placement and CachedBytes attestations', () => {
  let node;
  let api;
  let log;
  let keyring;
  let user;
  let stranger;
  let retrieval;
  let cache;
  let failed = false;
  const agents = [];
  const file = {};
  let cycle;
  const seeds = ['//Dave', '//Eve', '//Ferdie', '//Bob', '//Dave//stash', '//Eve//stash'];

  const client = async (args, suri = '//Charlie', timeoutMs = 10 * MIN) => {
    const { stdout, stderr } = await execFileP(
      nodeBinary(),
      ['storage', ...args, '--rpc', `http://127.0.0.1:${node.rpcPort}`, '--suri', suri, '--json'],
      { maxBuffer: 64 << 20, timeout: timeoutMs },
    );
    return { json: JSON.parse(stdout.trim().split('\n').pop()), stderr };
  };

  const diag = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      const parts = [e.stderr ? `--- client stderr ---\n${e.stderr}` : ''];
      for (const n of [retrieval, cache]) if (n) parts.push(`--- cdn ${n.name} ---\n${n.logTail()}`);
      if (log) parts.push(`--- events ---\n${log.summary(30)}`);
      const err = new Error(`${e.message}\n${parts.join('\n')}`);
      err.cause = e;
      throw err;
    }
  };

  const ok = async (tx, signer, what) => {
    const r = await submitAndWatch(api, tx, signer);
    assert.equal(r.dispatchError, undefined, what);
    return r;
  };

  const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();

  /** "cess/cdn-place/v1" ‖ file ‖ cache ‖ u32_le(block) ‖ u64_le(size). */
  const placeMessage = (fileHash, cacheAddress, block, size) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, block, true);
    const s = new Uint8Array(8);
    new DataView(s.buffer).setBigUint64(0, BigInt(size), true);
    return u8aConcat(stringToU8a('cess/cdn-place/v1'), api.createType('H256', fileHash).toU8a(),
      api.createType('AccountId32', cacheAddress).toU8a(), b, s);
  };

  /** A raw `PUT /place` to the cache node. */
  const put = async ({ signer = retrieval.pair, claimed = retrieval.pair, to = cache.address, block, size = SIZE, body }) => {
    const at = block ?? await best();
    const headers = {
      'x-cess-retrieval': u8aToHex(claimed.publicKey),
      'x-cess-place-block': String(at),
      'x-cess-place-size': String(size),
      'x-cess-place-signature': u8aToHex(signer.sign(placeMessage(file.hash, to, at, size))),
      'content-type': 'application/octet-stream',
    };
    const res = await fetch(`${cache.url}/place/${file.hash}`, { method: 'PUT', headers, body });
    return { status: res.status, text: await res.text() };
  };

  const held = async () => (await fetch(`${cache.url}/held/${u8aToHex(retrieval.pair.publicKey)}`)).json();

  const levelOnChain = async (c) => {
    const v = await api.query.cdn.cachedLevels(c, cache.address, retrieval.address);
    if (v.isNone) return [0, 0];
    const [level, version] = v.unwrap();
    return [level.toNumber(), version.toNumber()];
  };

  const attested = (version) => log.find('cdn', 'CachedLevelAttested', (d) => d.cache.toString() === cache.address
    && d.retrieval.toString() === retrieval.address && d.version.toNumber() === version);

  before(async () => {
    await cryptoWaitReady();
    mkdirSync(tmpRoot, { recursive: true });
    node = await startNode('cdn-cache', ['--dev']);
    api = node.api;
    log = new ChainLog(api);
    await log.start();
    keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    user = keyring.addFromUri('//Charlie');
    stranger = keyring.addFromUri('//CdnStranger');
    retrieval = new CdnNode('R', 'retrieval', keyring.addFromUri('//CdnRetrieval'), '//CdnRetrieval');
    cache = new CdnNode('C', 'cache', keyring.addFromUri('//CdnCache'), '//CdnCache');
    seeds.forEach((seed, i) => agents.push(new Agent(`C${i + 1}`, keyring.addFromUri(seed))));
    for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
    for (const n of [retrieval, cache]) rmSync(n.dataDir, { recursive: true, force: true });
    for (const [i, a] of agents.entries()) await a.start(node.rpcPort, seeds[i]);
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop().catch(() => {})));
    for (const n of [retrieval, cache]) if (n) await n.kill('SIGTERM').catch(() => {});
    if (log) log.stop();
    if (node) await node.stop();
    if (!failed) {
      for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
      for (const n of [retrieval, cache]) rmSync(n.dataDir, { recursive: true, force: true });
      for (const p of [file.path, file.out, file.out2]) if (p) rmSync(p, { force: true });
    }
  });

  test('miners enrol; the user stores a 1 MiB file', { timeout: 20 * MIN }, diag(async () => {
    await log.waitFor(async () => {
      for (const a of agents) a.assertRunning();
      for (const a of agents) {
        const info = await api.call.storageMinerApi.minerInfo(a.address);
        if (info.isNone || info.unwrap().state.type !== 'Positive') return false;
        if (log.find('audit', 'MinerEnrolled', (d) => d.miner.toString() === a.address).length === 0) return false;
      }
      return true;
    }, 12 * MIN, 'six Positive, enrolled miners');
    file.content = randomBytes(SIZE);
    file.path = join(tmpRoot, `cdn-cache-file-${process.pid}.bin`);
    file.out = join(tmpRoot, `cdn-cache-file-${process.pid}.out`);
    file.out2 = join(tmpRoot, `cdn-cache-file-${process.pid}.out2`);
    writeFileSync(file.path, file.content);
    const { json } = await client(['put', file.path, '--yes'], '//Charlie', 14 * MIN);
    file.hash = json.file;
    await log.waitFor(() => log.find('fileBank', 'FileStored', (d) => d.file.toHex() === file.hash).length === 1,
      2 * MIN, 'FileStored');
  }));

  test('a cache node and a retrieval node placing on it register themselves', { timeout: 5 * MIN }, diag(async () => {
    const alice = keyring.addFromUri('//Alice');
    await ok(api.tx.utility.batchAll([retrieval, cache, { address: stranger.address }].map(
      (n) => api.tx.balances.transferKeepAlive(n.address, 300n * CESS))), alice, 'fund');
    await cache.start(node.rpcPort);
    await retrieval.start(node.rpcPort, ['--place-to', cache.address, '--place-after', '2']);
    for (const [n, kind] of [[retrieval, 'Retrieval'], [cache, 'Cache']]) {
      const info = (await api.query.cdn.nodes(n.address)).unwrap();
      assert.equal(info.kind.type, kind);
      assert.equal(new TextDecoder().decode(info.endpoint.toU8a(true)), n.url);
    }
    const s = await retrieval.status();
    assert.deepEqual(s.placement.place_to, [cache.address]);
    assert.equal(s.placement.place_after, 2);
  }));

  test('forged placements are refused: not a retrieval node, another cache, replayed, wrong content, wrong size', { timeout: 3 * MIN }, diag(async () => {
    // A replay needs a block 21 back.
    await log.waitFor(async () => (await best()) >= 25, 3 * MIN, 'block 25');
    // Refusals on the headers come before the body is read, so those requests carry one byte.
    const byte = Buffer.from([0]);
    // Signed by an account that is no registered retrieval node.
    let r = await put({ signer: stranger, claimed: stranger, body: byte });
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /not a registered retrieval node/);
    // R's signature, but for another cache: not valid for this one.
    r = await put({ to: stranger.address, body: byte });
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /bad placement signature/);
    // A placement signed 21 blocks ago (a replay): stale.
    const now = await best();
    r = await put({ block: now - 21, body: byte });
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /stale placement/);
    // Right size, other bytes: they do not re-encode to the on-chain roots.
    r = await put({ body: randomBytes(SIZE) });
    assert.equal(r.status, 422, r.text);
    assert.match(r.text, /content mismatch/);
    // A declared size that is not the file's.
    r = await put({ size: SIZE - 1, body: byte });
    assert.equal(r.status, 422, r.text);
    assert.match(r.text, /size mismatch/);
    assert.equal(await cache.metric('cdn_placements_total{result="rejected"}'), 5);
    assert.equal(await cache.metric('cdn_placements_total{result="received"}'), 0);
    assert.deepEqual((await held()).files, []);
  }));

  test('two fetches through R; R places the file on C, which verifies and holds it', { timeout: 12 * MIN }, diag(async () => {
    // The tickets and the attestations must fall in one cycle: start with ≥ 45 blocks left.
    for (;;) {
      const start = (await api.query.cdn.cycleStart()).toNumber();
      const left = start + DEV_CYCLE - await best();
      if (left >= 45) break;
      await sleep(6_000);
    }
    const { json: first } = await client(['get', file.hash, '-o', file.out, '--via', retrieval.url, '--fund', String(5n * CESS)]);
    assert.equal(first.cache, 'miss');
    assert.equal(BigInt(first.amount), AMOUNT);
    const { json: second } = await client(['get', file.hash, '-o', file.out2, '--via', retrieval.url]);
    assert.equal(second.cache, 'hit');
    assert.equal(sha256(readFileSync(file.out2)), sha256(file.content));
    await log.waitFor(async () => (await cache.metric('cdn_placements_total{result="received"}')) === 1,
      2 * MIN, 'C received the placement');
    const h = await held();
    assert.deepEqual(h.files.map((f) => [f.file, f.size]), [[file.hash, SIZE]]);
    assert.equal(h.bytes, SIZE);
    assert.equal(await retrieval.metric('cdn_placements_total{result="sent"}'), 1);
    assert.equal(await retrieval.metric('cdn_placed_bytes_total'), SIZE);
    assert.equal(await cache.metric('cdn_placed_bytes_total'), SIZE);
    // Both journals hold it on disk.
    assert.ok(existsSync(join(retrieval.dataDir, 'placement', 'placed.scale')));
    assert.ok(existsSync(join(cache.dataDir, 'placement', 'placed.scale')));
  }));

  test('R attests 1 MiB within its budget; C submits it; a level beyond the budget is refused', { timeout: 5 * MIN }, diag(async () => {
    await log.waitFor(() => attested(1).length === 1, 3 * MIN, 'CachedLevelAttested version 1');
    const ev = attested(1)[0].event.data;
    cycle = ev.cycle.toNumber();
    assert.equal(ev.level.toNumber(), SIZE);
    // One or two batches (the first ticket may settle before the second download).
    const batches = log.find('cdn', 'BatchSettled', (d) => d.node.toString() === retrieval.address);
    assert.ok(batches.length >= 1 && batches.length <= 2);
    for (const b of batches) assert.equal(b.event.data.cycle.toNumber(), cycle, 'tickets and attestation in one cycle');
    assert.equal(batches.reduce((a, b) => a + b.event.data.paid.toBigInt(), 0n), 2n * AMOUNT);
    const rPaid = (await api.call.cdnApi.nodeCycleReport(retrieval.address, cycle)).work.unwrap().paid.toBigInt();
    assert.equal(rPaid, 2n * AMOUNT, 'A_R');
    assert.deepEqual(await levelOnChain(cycle), [SIZE, 1]);
    const rWork = (await api.query.cdn.nodeWork(cycle, retrieval.address)).unwrap().work;
    assert.equal(rWork.attested.toBigInt(), BigInt(SIZE));
    const cWork = (await api.query.cdn.nodeWork(cycle, cache.address)).unwrap().work;
    assert.equal(cWork.cachedBytes.toBigInt(), BigInt(SIZE));
    // Budget ρ·A_R/p from the chain's constants: 4 × 4.194304 CESS / 9 313 225 planck per byte.
    const p = api.consts.cdn.referenceBytePrice.toBigInt();
    const rho = BigInt(api.consts.cdn.maxReplicas.toNumber());
    const budget = (rho * 2n * AMOUNT) / p;
    assert.equal(budget, 1_801_439_995_275n);
    await log.waitFor(async () => (await cache.metric('cdn_attestations_total{result="submitted"}')) === 1,
      MIN, 'C counts its submission');
    assert.equal(await retrieval.metric('cdn_attestations_total{result="signed"}'), 1);
    await log.waitFor(async () => (await retrieval.metric('cdn_attested_level_bytes')) === SIZE, MIN, 'R sees its level');
    // R's key signs budget + 1 bytes (what the node never does); C submits it: refused.
    const att = {
      genesis: api.genesisHash, retrieval: retrieval.address, cache: cache.address,
      cycle, level: budget + 1n, version: 1000,
    };
    const encoded = api.createType('PalletCdnCacheAttestation', att).toU8a();
    const sig = retrieval.pair.sign(u8aConcat(stringToU8a('cess-cdn-attest:'), encoded));
    const r = await submitAndWatch(api, api.tx.cdn.attestCached(att, sig, 'Raw'), cache.pair);
    assert.ok(r.dispatchError, 'over budget');
    assert.equal(api.registry.findMetaError(r.dispatchError.asModule).name, 'AttestationOverBudget');
    assert.deepEqual(await levelOnChain(cycle), [SIZE, 1], 'unchanged');
  }));

  test('C drops the file: R lowers the level itself, places it again and C attests it again', { timeout: 5 * MIN }, diag(async () => {
    await cache.kill('SIGTERM');
    rmSync(join(cache.dataDir, 'cache', file.hash), { force: true });
    await cache.start(node.rpcPort);
    assert.deepEqual((await held()).files, [], 'C no longer holds it');
    await log.waitFor(() => attested(2).length === 1, 2 * MIN, 'the lowering (version 2)');
    assert.equal(attested(2)[0].event.data.level.toNumber(), 0);
    await log.waitFor(async () => (await retrieval.metric('cdn_attestations_total{result="submitted"}')) === 1,
      MIN, 'R counts its own submission');
    await log.waitFor(() => attested(3).length === 1, 2 * MIN, 'placed again and re-attested (version 3)');
    assert.equal(attested(3)[0].event.data.level.toNumber(), SIZE);
    assert.equal(attested(3)[0].event.data.cycle.toNumber(), cycle);
    assert.deepEqual(await levelOnChain(cycle), [SIZE, 3]);
    assert.equal((await held()).bytes, SIZE);
    assert.equal(await retrieval.metric('cdn_placements_total{result="sent"}'), 2);
    const s = await retrieval.status();
    const j = s.placement.attestation_journal.find((a) => a.cycle === cycle);
    assert.deepEqual([j.level, j.version], [SIZE, 3]);
  }));

  test('after the cycle: C earns k_c·τ·p·L/ρ, R earns A·95 % + D_R; both claim 50 %', { timeout: 15 * MIN }, diag(async () => {
    const deadline = Date.now() + 12 * MIN;
    while ((await api.call.cdnApi.currentCycle()).toNumber() <= cycle) {
      assert.ok(Date.now() < deadline, 'the cycle closes in time');
      await sleep(3_000);
    }
    const p = api.consts.cdn.referenceBytePrice.toBigInt();
    const rho = BigInt(api.consts.cdn.maxReplicas.toNumber());
    const tau = api.consts.cdn.treasuryShare.toBigInt();
    const caps = await api.query.cdn.poolCaps();
    const L = BigInt(SIZE);
    // Cap_C = k_o·τ·A^ord + k_c·τ·p·L/ρ with no cache orders; C is the only cache node, so
    // D_C = min(P_C, Cap_C) and its share D_C × Cap_C / ΣCap_C is all of D_C.
    const capC = perbillFloor(caps.cached.toBigInt(), perbillFloor(tau, (p * L) / rho));
    assert.equal(capC, 24_414_060_544n, '20 % × 5 % × 9 313 225 × 1 048 576 / 4');
    const closed = log.find('cdn', 'CycleClosed', (d) => d.cycle.toNumber() === cycle)[0].event.data;
    assert.equal(closed.cachedBytes.toBigInt(), L);
    assert.equal(closed.participants.toNumber(), 2);
    const dC = closed.cachePool.toBigInt() < capC ? closed.cachePool.toBigInt() : capC;
    assert.equal(closed.dC.toBigInt(), dC);
    assert.equal(dC, capC, 'the cache pool covers the cap');
    // R: A = 2 × 2.097152 CESS; income A − ⌊5 % A⌋; D_R = 80 % × 5 % × A.
    const A = 2n * AMOUNT;
    const treasury = perbillFloor(tau, A);
    const expectedR = A - treasury + perbillFloor(caps.retrieval.toBigInt(), treasury);
    assert.equal(expectedR, 4_152_360_960_000_000_000n);
    for (const [n, expected] of [[cache, capC], [retrieval, expectedR]]) {
      await log.waitFor(
        () => log.find('cdn', 'RewardClaimed', (d) => d.node.toString() === n.address).length === 1,
        3 * MIN, `${n.name} claims by itself`);
      const report = await api.call.cdnApi.nodeCycleReport(n.address, cycle);
      assert.equal(report.reward.unwrap().total.toBigInt(), expected, `${n.name} reward`);
      const ev = log.find('cdn', 'RewardClaimed', (d) => d.node.toString() === n.address)[0].event.data;
      assert.equal(ev.amount.toBigInt(), (expected + 1n) / 2n, 'half, rounded up');
    }
    console.log(`cache reward ${capC} planck for ${SIZE} bytes attested; retrieval reward ${expectedR}; `
      + `budget ${(rho * A) / p} bytes`);
    // Levels expire with the cycle: nothing attested in the new one (R was not paid in it).
    assert.deepEqual(await levelOnChain(cycle + 1), [0, 0]);
  }));
});
