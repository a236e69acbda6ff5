// The CD²N node software (`cess-node cdn run`, issue 21) end to end on one dev chain.
//
// Six storage-miner agents run next to `cess-node --dev`. A user (//Charlie) stores a 1 MiB
// random file with `storage put`, then gets it twice through a retrieval node with
// `storage get --via <url> --fund 5 CESS`: the first fetch decodes it from the miners (the
// miners accept the node's requests because it is registered and carries Charlie's grant),
// the second is a cache hit (metrics). Attacks: a replayed ticket, a ticket for someone
// else's file, a request without a ticket and a ticket to a node Charlie gave no allowance
// (an empty escrow) are refused; a third download the allowance no longer covers is refused.
// The node is started with submissions held back, killed with both tickets unsubmitted, and
// restarted: it submits them (receipts name Charlie). After the cycle the node's reward is
// income × 95 % + D_R, computed here by hand, and it claims 50 % by itself; a second
// registered node that served nothing earns nothing.
//
// About 15 minutes on 2 cores (agents' enrolment and one 80-block service cycle).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { freePort, nodeBinary, repoRoot, startNode, submitAndWatch, tail } from '../lib/node.mjs';
import { Agent, ChainLog, fragmentRequestHeaders } from '../lib/storage.mjs';

const execFileP = promisify(execFile);
const MiB = 1 << 20;
const MIN = 60_000;
const CESS = 10n ** 18n;
const SIZE = MiB;
// 2·10¹² planck per byte: 1 MiB costs 2.097152 CESS ≥ MinFaceValue, so every ticket is a
// certain winner of exactly that face value.
const PRICE = 2_000_000_000_000n;
const AMOUNT = PRICE * BigInt(SIZE);
const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class CdnNode {
  constructor(name, pair) {
    this.name = name;
    this.pair = pair;
    this.address = pair.address;
    this.dataDir = join(tmpRoot, `cdn-${name}-${process.pid}`);
    this.logFiles = [];
    this.child = null;
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async start(rpcPort, suri, extra = []) {
    if (!this.port) this.port = await freePort();
    const logFile = join(tmpRoot, `cdn-${this.name}-${process.pid}-${this.logFiles.length + 1}.log`);
    this.logFiles.push(logFile);
    const fd = openSync(logFile, 'w');
    this.child = spawn(nodeBinary(), [
      'cdn', 'run', '--kind', 'retrieval', '--data-dir', this.dataDir,
      '--rpc', `http://127.0.0.1:${rpcPort}`, '--suri', suri,
      '--listen', `127.0.0.1:${this.port}`, '--price', String(PRICE),
      '--cache-bytes', String(64 * MiB), ...extra,
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

describe('the CD²N node: paid, cached retrieval settled on chain', () => {
  let node;
  let api;
  let log;
  let keyring;
  let user;
  let stranger;
  let retrieval;
  let idle;
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
      for (const n of [retrieval, idle]) if (n) parts.push(`--- cdn ${n.name} ---\n${n.logTail()}`);
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

  /** A raw request: quote by `payer`, sign a ticket (optionally altered), GET the file. */
  const paidGet = async (cdn, payer, fileHash, { alter = (t) => t, grant = true, openedAt } = {}) => {
    const q = await (await fetch(`${cdn.url}/quote/${fileHash}?payer=${u8aToHex(payer.publicKey)}`)).json();
    const ticket = alter({
      payer: payer.address,
      allowanceOpenedAt: openedAt ?? q.allowance_opened_at ?? 0,
      nonce: q.nonce,
      faceValue: q.face_value,
      winProb: BigInt(q.win_prob),
      bytes: q.length,
      kind: q.kind,
      recipientRandHash: q.recipient_rand_hash,
      expiresAt: q.expires_at,
    });
    const encoded = api.createType('PalletCdnLotteryTicket', ticket).toU8a();
    const payload = u8aConcat(stringToU8a('cess-cdn-ticket2:'), api.genesisHash.toU8a(),
      api.createType('AccountId32', cdn.address).toU8a(), encoded);
    const sig = payer.sign(payload);
    // SCALE (ticket, signature, form Raw = 0).
    const header = u8aToHex(u8aConcat(encoded, sig, new Uint8Array([0])));
    const headers = { 'x-cess-ticket': header };
    if (grant) {
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      const expires = best + 100;
      const le = new Uint8Array(4);
      new DataView(le.buffer).setUint32(0, expires, true);
      const msg = u8aConcat(stringToU8a('cess/cdn-grant/v1'), api.createType('H256', fileHash).toU8a(),
        api.createType('AccountId32', cdn.address).toU8a(), le);
      headers['x-cess-grant'] = u8aToHex(payer.sign(msg));
      headers['x-cess-grant-expires'] = String(expires);
    }
    const res = await fetch(`${cdn.url}/file/${fileHash}`, { headers });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, buf, text: buf.toString('utf8'), header, quote: q };
  };

  before(async () => {
    await cryptoWaitReady();
    mkdirSync(tmpRoot, { recursive: true });
    node = await startNode('cdn-node', ['--dev']);
    api = node.api;
    log = new ChainLog(api);
    await log.start();
    keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    user = keyring.addFromUri('//Charlie');
    stranger = keyring.addFromUri('//CdnStranger');
    retrieval = new CdnNode('R', keyring.addFromUri('//CdnRetrieval'));
    idle = new CdnNode('I', keyring.addFromUri('//CdnIdle'));
    seeds.forEach((seed, i) => agents.push(new Agent(`C${i + 1}`, keyring.addFromUri(seed))));
    for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
    for (const n of [retrieval, idle]) rmSync(n.dataDir, { recursive: true, force: true });
    for (const [i, a] of agents.entries()) await a.start(node.rpcPort, seeds[i]);
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop().catch(() => {})));
    for (const n of [retrieval, idle]) if (n) await n.kill('SIGTERM').catch(() => {});
    if (log) log.stop();
    if (node) await node.stop();
    if (!failed) {
      for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
      for (const n of [retrieval, idle]) rmSync(n.dataDir, { recursive: true, force: true });
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
    file.path = join(tmpRoot, `cdn-file-${process.pid}.bin`);
    file.out = join(tmpRoot, `cdn-file-${process.pid}.out`);
    file.out2 = join(tmpRoot, `cdn-file-${process.pid}.out2`);
    writeFileSync(file.path, file.content);
    const { json } = await client(['put', file.path, '--yes'], '//Charlie', 14 * MIN);
    file.hash = json.file;
    await log.waitFor(() => log.find('fileBank', 'FileStored', (d) => d.file.toHex() === file.hash).length === 1,
      2 * MIN, 'FileStored');
  }));

  test('two CD²N nodes register themselves (deposit held)', { timeout: 5 * MIN }, diag(async () => {
    const alice = keyring.addFromUri('//Alice');
    await ok(api.tx.utility.batchAll([retrieval, idle, { address: stranger.address }].map(
      (n) => api.tx.balances.transferKeepAlive(n.address, 300n * CESS))), alice, 'fund');
    // Submissions held back (1 h) so the tickets are still unsubmitted when the node is killed.
    await retrieval.start(node.rpcPort, '//CdnRetrieval', ['--batch-interval', '3600']);
    await idle.start(node.rpcPort, '//CdnIdle', ['--batch-interval', '3']);
    for (const n of [retrieval, idle]) {
      const info = await api.query.cdn.nodes(n.address);
      assert.ok(info.isSome, `${n.name} registered`);
      assert.equal(info.unwrap().kind.type, 'Retrieval');
      assert.equal(info.unwrap().deposit.toBigInt(), 100n * CESS);
      assert.equal(new TextDecoder().decode(info.unwrap().endpoint.toU8a(true)), n.url);
    }
  }));

  test('an unregistered account cannot fetch fragments with a grant; a registered node can', { timeout: 2 * MIN }, diag(async () => {
    const p = (await api.call.fileBankApi.filePlacement(file.hash)).unwrap();
    const holder = agents.find((a) => a.address === p.fragments[0].replicas[0].miner.unwrap().toString());
    const path = `/fragments/${file.hash}/0/0`;
    const withGrant = async (signer) => {
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      const le = new Uint8Array(4);
      new DataView(le.buffer).setUint32(0, best + 100, true);
      const msg = u8aConcat(stringToU8a('cess/cdn-grant/v1'), api.createType('H256', file.hash).toU8a(),
        api.createType('AccountId32', signer.address).toU8a(), le);
      const res = await holder.request('GET', path, undefined, { signer, api });
      const granted = await fetch(`${holder.url}${path}`, {
        headers: {
          ...fragmentRequestHeaders(signer, 'GET', path, best),
          'x-cess-grant': u8aToHex(user.sign(msg)), 'x-cess-grant-expires': String(best + 100),
        },
      });
      return { plain: res.status, granted: granted.status };
    };
    // The stranger holds Charlie's grant but is no CD²N node: 403 either way.
    assert.deepEqual(await withGrant(stranger), { plain: 403, granted: 403 });
    // The registered node: 403 without the grant, 200 with it.
    assert.deepEqual(await withGrant(retrieval.pair), { plain: 403, granted: 200 });
  }));

  test('get --via twice: a miss decoded from the miners, then a cache hit; both bit-identical', { timeout: 5 * MIN }, diag(async () => {
    const before = (await api.query.system.account(user.address)).data;
    const { json: first } = await client(['get', file.hash, '-o', file.out, '--via', retrieval.url, '--fund', String(5n * CESS)]);
    assert.equal(first.size, SIZE);
    assert.equal(first.cache, 'miss');
    assert.equal(BigInt(first.amount), AMOUNT);
    assert.equal(BigInt(first.face_value), AMOUNT, 'a certain winner of the whole amount');
    assert.equal(first.win_prob, '18446744073709551615');
    assert.equal(sha256(readFileSync(file.out)), sha256(file.content));
    const { json: second } = await client(['get', file.hash, '-o', file.out2, '--via', retrieval.url]);
    assert.equal(second.cache, 'hit');
    assert.equal(sha256(readFileSync(file.out2)), sha256(file.content));
    assert.equal(await retrieval.metric('cdn_cache_hits_total'), 1);
    assert.equal(await retrieval.metric('cdn_cache_misses_total'), 1);
    assert.equal(await retrieval.metric('cdn_cache_hit_ratio'), 0.5);
    assert.equal(await retrieval.metric('cdn_bytes_served_total'), 2 * SIZE);
    assert.equal(await retrieval.metric('cdn_tickets_pending'), 2);
    const s = await retrieval.status();
    assert.equal(BigInt(s.pending_face), 2n * AMOUNT);
    const checkUs = (await retrieval.metric('cdn_ticket_check_microseconds_total')) / 2;
    console.log(`ticket: ${first.ticket_bytes} header bytes, ${checkUs.toFixed(0)} µs check + fsync journal per request`);
    // The escrow moved into the allowance: 5 CESS committed to the node, nothing settled yet.
    const allowance = (await api.call.cdnApi.allowance(user.address, retrieval.address)).unwrap();
    assert.equal(allowance.balance.toBigInt(), 5n * CESS);
    assert.ok(before.free.toBigInt() - (await api.query.system.account(user.address)).data.free.toBigInt() >= 5n * CESS);
  }));

  test('attacks: replayed ticket, no ticket, someone else\'s file, an empty allowance', { timeout: 3 * MIN }, diag(async () => {
    const noTicket = await fetch(`${retrieval.url}/file/${file.hash}`);
    assert.equal(noTicket.status, 402);
    // A third honest request: 5 CESS − 2 × 2.097152 unsubmitted = 0.805696 < 2.097152.
    const over = await paidGet(retrieval, user, file.hash);
    assert.equal(over.status, 402, `not covered: ${over.text}`);
    assert.match(over.text, /allowance covers/);
    // Replaying the ticket of a served request: its quote is used up.
    const q = await (await fetch(`${retrieval.url}/quote/${file.hash}?payer=${u8aToHex(user.publicKey)}`)).json();
    assert.equal(BigInt(q.allowance_free), 5n * CESS - 2n * AMOUNT);
    console.log(`quote: ${JSON.stringify(q).length} bytes of JSON; ticket header ${'x-cess-ticket: '.length + over.header.length} bytes`);
    const replay = await fetch(`${retrieval.url}/file/${file.hash}`, { headers: { 'x-cess-ticket': over.header } });
    assert.equal(replay.status, 402);
    assert.match(await replay.text(), /no open quote/);
    // The stranger pays for Charlie's file: only owners are served.
    await ok(api.tx.cdn.deposit(2n * AMOUNT), stranger, 'stranger deposit');
    await ok(api.tx.cdn.setAllowance(retrieval.address, 2n * AMOUNT), stranger, 'stranger allowance');
    const foreign = await paidGet(retrieval, stranger, file.hash);
    assert.equal(foreign.status, 403, foreign.text);
    // Charlie has no allowance at the idle node (an empty escrow for it): refused, nothing served.
    const empty = await paidGet(idle, user, file.hash);
    assert.equal(empty.status, 402, empty.text);
    assert.match(empty.text, /no allowance/);
    const viaEmpty = await client(['get', file.hash, '-o', file.out2, '--via', idle.url]).catch((e) => e);
    assert.ok(viaEmpty instanceof Error && /no allowance/.test(viaEmpty.stderr), 'the client refuses to pay nothing');
    assert.equal(await idle.metric('cdn_bytes_served_total'), 0);
  }));

  test('killed with two unsubmitted tickets, the restarted node submits them; receipts name the user', { timeout: 5 * MIN }, diag(async () => {
    const pendingDir = join(retrieval.dataDir, 'tickets', 'pending');
    assert.equal(readdirSync(pendingDir).length, 2, 'two winners journaled');
    for (const nonce of [1, 2]) {
      const st = await api.call.cdnApi.ticketStatus(user.address, retrieval.address, nonce);
      assert.equal(st.type, 'Open', `nonce ${nonce} not submitted yet`);
    }
    await retrieval.kill('SIGKILL');
    await retrieval.start(node.rpcPort, '//CdnRetrieval', ['--batch-interval', '3']);
    await log.waitFor(() => log.find('cdn', 'BatchSettled', (d) => d.node.toString() === retrieval.address).length === 1,
      3 * MIN, 'BatchSettled');
    const settled = log.find('cdn', 'TicketSettled');
    assert.deepEqual(settled.map((r) => r.event.data.nonce.toNumber()).sort(), [1, 2]);
    for (const r of settled) {
      assert.equal(r.event.data.payer.toString(), user.address);
      assert.equal(r.event.data.paid.toBigInt(), AMOUNT);
    }
    const batch = log.find('cdn', 'BatchSettled', (d) => d.node.toString() === retrieval.address)[0].event.data;
    cycle = batch.cycle.toNumber();
    assert.equal(batch.paid.toBigInt(), 2n * AMOUNT);
    assert.equal(batch.treasury.toBigInt(), 2n * AMOUNT / 20n);
    const [page] = await api.call.cdnApi.nodeReceipts(retrieval.address, cycle, null, 10);
    assert.equal(page.length, 1);
    assert.equal(page[0][0].toString(), user.address, 'the receipt names the user');
    assert.equal(page[0][1].paid.toBigInt(), 2n * AMOUNT);
    assert.equal(page[0][1].won.toNumber(), 2);
    await log.waitFor(async () => (await retrieval.status()).tickets.pending === 0, MIN, 'journal drained');
    assert.equal(readdirSync(join(retrieval.dataDir, 'tickets', 'settled')).length, 2);
    const allowance = (await api.call.cdnApi.allowance(user.address, retrieval.address)).unwrap();
    assert.equal(allowance.balance.toBigInt(), 5n * CESS - 2n * AMOUNT);
  }));

  test('after the cycle: reward = A × 95 % + D_R, claimed 50 % by the node; the idle node earns nothing', { timeout: 15 * MIN }, diag(async () => {
    const deadline = Date.now() + 12 * MIN;
    while ((await api.call.cdnApi.currentCycle()).toNumber() <= cycle) {
      assert.ok(Date.now() < deadline, 'the cycle closes in time');
      await sleep(3_000);
    }
    // A = 2 × 2.097152 CESS, the only retrieval power of the cycle. Treasury floor(5 % × A),
    // income A − that; D_R = min(P_R, 80 % × 5 % × A); the node's pro-rata share is all of D_R.
    const A = 2n * AMOUNT;
    const treasury = A * 5n / 100n;
    const dR = treasury * 80n / 100n;
    const expected = A - treasury + dR;
    assert.equal(expected, 4_152_360_960_000_000_000n, '4.15236096 CESS');
    await log.waitFor(
      () => log.find('cdn', 'RewardClaimed', (d) => d.node.toString() === retrieval.address).length === 1,
      3 * MIN, 'the node claims by itself');
    const report = await api.call.cdnApi.nodeCycleReport(retrieval.address, cycle);
    assert.equal(report.reward.unwrap().total.toBigInt(), expected);
    const summary = (await api.call.cdnApi.cycleSummary(cycle));
    if (summary.isSome) assert.equal(summary.unwrap().dR.toBigInt(), dR);
    const ev = log.find('cdn', 'RewardClaimed', (d) => d.node.toString() === retrieval.address)[0].event.data;
    assert.equal(ev.amount.toBigInt(), (expected + 1n) / 2n, 'half, rounded up');
    assert.equal(ev.remaining.toBigInt(), expected - (expected + 1n) / 2n);
    await sleep(8_000);
    assert.equal(BigInt((await retrieval.status()).claimed), (expected + 1n) / 2n);
    assert.equal(log.find('cdn', 'RewardClaimed', (d) => d.node.toString() === retrieval.address).length, 1,
      'once per cycle');
    // The idle node: no work, no reward, nothing claimed.
    const idleReport = await api.call.cdnApi.nodeCycleReport(idle.address, cycle);
    assert.ok(idleReport.work.isNone || idleReport.work.unwrap().paid.toBigInt() === 0n);
    assert.equal(idleReport.rewardBalance.toBigInt(), 0n);
    assert.equal((await api.query.cdn.rewards(idle.address)).balance.toBigInt(), 0n);
    assert.equal(log.find('cdn', 'RewardClaimed', (d) => d.node.toString() === idle.address).length, 0);
  }));
});
