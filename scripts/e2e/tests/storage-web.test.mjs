// The user's web page (`cess-node storage web`) in a real headless Chromium.
//
// Six storage-miner agents run next to `cess-node --dev`; `cess-node storage web
// --dev-accounts` serves the page on a loopback port. Debian's Chromium, driven by
// playwright-core, selects //Charlie, buys 1 GiB for 30 days (price shown before, lease shown
// after, both checked against the chain), uploads a 10 MiB random file through the page
// (browser upload, coding, upload to miners and confirmations all reach 100 %, the hash shown is
// the chain's), finds it in the file list with 6/6 fragments confirmed, downloads it through the
// page (same sha256), deletes it, and keeps a screenshot in scripts/e2e/.tmp/.
//
// Chromium: `apt-get install chromium` (scripts/setup.sh does it when missing), or
// CESS_E2E_CHROMIUM=/path/to/chrome. About 4 minutes on 2 cores.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { chromium } from 'playwright-core';
import { nodeBinary, repoRoot, startNode, tail } from '../lib/node.mjs';
import { Agent, ChainLog } from '../lib/storage.mjs';

const MiB = 1 << 20;
const MIN = 60_000;
const SIZE = 10 * MiB;
const FRAGMENT = 8 * MiB;
const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const CESS = 10n ** 18n;
/** Base units as the client prints CESS (`fmt_cess`): whole units and up to 4 decimals. */
const fmtCess = (amount) => {
  const whole = amount / CESS;
  const frac = (amount % CESS) / (CESS / 10_000n);
  return frac === 0n ? `${whole}` : `${whole}.${String(frac).padStart(4, '0')}`;
};

function chromiumPath() {
  for (const p of [process.env.CESS_E2E_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('no Chromium: apt-get install chromium (scripts/setup.sh), or set CESS_E2E_CHROMIUM');
}

/** `cess-node storage web` on a free loopback port; resolves once it prints its address. */
async function startWeb(rpcPort, workDir) {
  const logFile = join(tmpRoot, `storage-web-${process.pid}.log`);
  const errFd = openSync(logFile, 'w');
  const child = spawn(nodeBinary(), [
    'storage', 'web', '--listen', '127.0.0.1:0', '--rpc', `http://127.0.0.1:${rpcPort}`,
    '--dev-accounts', '--work-dir', workDir,
  ], { stdio: ['ignore', 'pipe', errFd] });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`storage web did not start\n${tail(logFile)}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', () => { clearTimeout(timer); reject(new Error(`storage web exited\n${tail(logFile)}`)); });
  });
  return {
    url, logFile,
    assertRunning: () => assert.equal(exited, null, `storage web exited: ${tail(logFile)}`),
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
      if (!exited) child.kill('SIGKILL');
    },
  };
}

describe('the web page: account, space, upload, files with health, download, delete', () => {
  let node;
  let api;
  let log;
  let web;
  let browser;
  let page;
  let user;
  let failed = false;
  const agents = [];
  const file = {};
  const seeds = ['//Dave', '//Eve', '//Ferdie', '//Bob', '//Dave//stash', '//Eve//stash'];
  const workDir = join(tmpRoot, `storage-web-work-${process.pid}`);
  const shot = join(tmpRoot, 'storage-web.png');

  const diag = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      const parts = [];
      if (page) {
        await page.screenshot({ path: join(tmpRoot, 'storage-web-failure.png'), fullPage: true }).catch(() => {});
        parts.push(`--- page status ---\n${await page.locator('[role=status]').allTextContents().catch(() => [])}`);
      }
      if (web) parts.push(`--- storage web ---\n${tail(web.logFile, 30)}`);
      for (const a of agents) parts.push(`--- agent ${a.name} ---\n${tail(a.logFile, 10)}`);
      if (log) parts.push(`--- events ---\n${log.summary(30)}`);
      const err = new Error(`${e.message}\n${parts.join('\n')}`);
      err.cause = e;
      throw err;
    }
  };

  before(async () => {
    await cryptoWaitReady();
    mkdirSync(tmpRoot, { recursive: true });
    node = await startNode('storage-web', ['--dev']);
    api = node.api;
    log = new ChainLog(api);
    await log.start();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    user = keyring.addFromUri('//Charlie');
    seeds.forEach((seed, i) => agents.push(new Agent(`W${i + 1}`, keyring.addFromUri(seed))));
    for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
    for (const [i, a] of agents.entries()) await a.start(node.rpcPort, seeds[i]);
    web = await startWeb(node.rpcPort, workDir);
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
    page = await context.newPage();
    page.on('dialog', (d) => d.accept());
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (web) await web.stop();
    await Promise.all(agents.map((a) => a.stop().catch(() => {})));
    if (log) log.stop();
    if (node) await node.stop();
    if (!failed) {
      for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
      rmSync(workDir, { recursive: true, force: true });
      for (const p of [file.path, file.out]) if (p) rmSync(p, { force: true });
    }
  });

  test('six agents become Positive and enrolled', { timeout: 10 * MIN }, diag(async () => {
    await log.waitFor(async () => {
      for (const a of agents) a.assertRunning();
      for (const a of agents) {
        const info = await api.call.storageMinerApi.minerInfo(a.address);
        if (info.isNone || info.unwrap().state.type !== 'Positive') return false;
        if (log.find('audit', 'MinerEnrolled', (d) => d.miner.toString() === a.address).length === 0) return false;
      }
      return true;
    }, 9 * MIN, 'six Positive, enrolled miners');
  }));

  test('the page lists the dev accounts; selecting Charlie shows his address and no lease', { timeout: 2 * MIN }, diag(async () => {
    await page.goto(web.url);
    await assert.doesNotReject(page.waitForSelector('#account option', { state: 'attached', timeout: 30_000 }));
    const names = await page.locator('#account option').allTextContents();
    assert.deepEqual(names.map((n) => n.split(' ')[0]), ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']);
    await page.selectOption('#account', { label: names[2] });
    await page.waitForFunction((a) => document.getElementById('address').textContent === a, user.address);
    await page.waitForFunction(() => document.getElementById('lease-space').textContent === 'no lease');
    const price = (await api.query.fileBank.spacePrice()).toBigInt();
    // The quote of the form's default (1 GiB, 30 days) is price × 1 × 30.
    await page.waitForFunction((t) => document.getElementById('buy-cost').textContent.startsWith(t),
      `Cost: ${fmtCess(price * 30n)} CESS`, { timeout: 30_000 });
    file.price = price;
  }));

  test('buy space: 1 GiB for 30 days, shown as the chain has it', { timeout: 3 * MIN }, diag(async () => {
    await page.fill('#buy-gib', '1');
    await page.fill('#buy-days', '30');
    await page.click('#buy');
    await page.waitForFunction(() => /^Lease: /.test(document.getElementById('buy-status').textContent),
      undefined, { timeout: 2 * MIN });
    const bought = log.find('fileBank', 'SpaceBought', (d) => d.who.toString() === user.address);
    assert.equal(bought.length, 1, 'one SpaceBought for Charlie');
    const ev = bought[0].event.data;
    assert.equal(ev.gib.toNumber(), 1);
    assert.equal(ev.days.toNumber(), 30);
    assert.equal(ev.paid.toBigInt(), file.price * 30n, 'paid price × 1 GiB × 30 days');
    const lease = (await api.call.fileBankApi.lease(user.address)).unwrap();
    const blockDay = (await api.query.timings.blockDay()).toNumber();
    assert.equal(lease.expiresAt.toNumber(), bought[0].block + 30 * blockDay, 'ends 30 days after the purchase');
    const expires = lease.expiresAt.toNumber();
    assert.equal(await page.textContent('#buy-status'), `Lease: 1 GiB until block #${expires}.`);
    await page.waitForFunction(() => document.getElementById('lease-space').textContent === '1 GiB');
    assert.equal(await page.textContent('#lease-used'), '0 bytes');
    assert.equal(await page.textContent('#lease-free'), '1.00 GiB (1,073,741,824 bytes)');
    // The dev chain's day is 10 blocks: a block or two passed since the purchase.
    const expiry = await page.textContent('#lease-expiry');
    const m = expiry.match(new RegExp(`^block #${expires} \\((\\d+) blocks, about (\\d+) days\\)$`));
    assert.ok(m, expiry);
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    assert.ok(Number(m[1]) <= expires - bought[0].block && Number(m[1]) >= expires - best - 2, expiry);
    assert.equal(Number(m[2]), Math.ceil(Number(m[1]) / blockDay));
  }));

  test('upload 10 MiB through the page: every bar reaches 100 %, the hash is the chain\'s', { timeout: 10 * MIN }, diag(async () => {
    file.content = randomBytes(SIZE);
    file.sha256 = sha256(file.content);
    file.path = join(tmpRoot, `web-file-${process.pid}.bin`);
    writeFileSync(file.path, file.content);
    await page.setInputFiles('#file', file.path);
    const started = Date.now();
    await page.click('#upload');
    // The browser's own upload progress first, then the server's steps.
    await page.waitForFunction(() => document.getElementById('pct-send').textContent === '100 %',
      undefined, { timeout: 2 * MIN });
    await page.waitForFunction(() => /^Stored |^Upload (failed|refused)/.test(document.getElementById('upload-status').textContent),
      undefined, { timeout: 9 * MIN, polling: 500 });
    const status = await page.textContent('#upload-status');
    assert.match(status, /^Stored web-file-\d+\.bin \(10\.0 MiB \(10,485,760 bytes\)\) in [\d.]+ s\.$/);
    for (const bar of ['send', 'encode', 'upload', 'confirm']) {
      assert.equal(await page.textContent(`#pct-${bar}`), '100 %', `${bar} bar at 100 %`);
      assert.equal(await page.$eval(`#bar-${bar}`, (e) => e.value), 100);
    }
    file.hash = await page.textContent('#upload-hash');
    console.log(`web upload of 10 MiB: ${((Date.now() - started) / 1000).toFixed(1)} s, file ${file.hash}`);
    const declared = log.find('fileBank', 'FileDeclared', (d) => d.file.toHex() === file.hash);
    assert.equal(declared.length, 1, 'the hash the page shows is the declared file');
    assert.deepEqual(declared[0].event.data.coding.toJSON(), { data: 4, parity: 2 });
    const p = (await api.call.fileBankApi.filePlacement(file.hash)).unwrap();
    assert.equal(p.owner.toString(), user.address);
    assert.equal(p.size_.toNumber(), SIZE);
    assert.equal(p.state.type, 'Stored');
    assert.equal(p.fragments.length, 6, 'one segment of 4 + 2');
    const miners = p.fragments.map((f) => f.replicas[0].miner.unwrap().toString());
    assert.equal(new Set(miners).size, 6, 'on six distinct miners');
    // The lease: six 8 MiB slots.
    await page.waitForFunction(() => document.getElementById('lease-used').textContent.startsWith('48.0 MiB'),
      undefined, { timeout: 30_000 });
    assert.equal(await page.textContent('#lease-used'), `48.0 MiB (${(6 * FRAGMENT).toLocaleString('en')} bytes)`);
    const lease = (await api.call.fileBankApi.lease(user.address)).unwrap();
    assert.equal(lease.used.toBigInt(), BigInt(6 * FRAGMENT));
  }));

  test('the file list shows the file with its size and health', { timeout: 2 * MIN }, diag(async () => {
    const row = page.locator(`#files tr[data-hash="${file.hash}"]`);
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await row.locator('td.size').textContent(), String(SIZE));
    assert.equal(await row.locator('td.state').textContent(), 'stored');
    assert.equal(await row.locator('td.confirmed').textContent(), '6/6');
    assert.equal(await row.locator('td.spare').textContent(), '2 holders');
    assert.match(await row.locator('td').nth(1).textContent(), /^web-file-\d+\.bin$/);
    // Last proven round: the lowest last_proved of the six holders (or none yet).
    const proved = [];
    for (const r of (await api.call.fileBankApi.filePlacement(file.hash)).unwrap().fragments) {
      const audit = await api.query.audit.audits(r.replicas[0].miner.unwrap());
      proved.push(audit.isSome && audit.unwrap().lastProved.isSome ? audit.unwrap().lastProved.unwrap().toNumber() : null);
    }
    const text = await row.locator('td.proven').textContent();
    if (proved.includes(null)) {
      assert.ok(text === 'not yet' || /^round \d+$/.test(text), text);
    } else {
      // A holder may prove a later round between the two reads: at least the lowest.
      const shown = Number(text.replace('round ', ''));
      assert.ok(shown >= Math.min(...proved), `${text} vs ${proved}`);
    }
  }));

  test('download through the page gives back the same sha256', { timeout: 3 * MIN }, diag(async () => {
    const row = page.locator(`#files tr[data-hash="${file.hash}"]`);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 2 * MIN }),
      row.locator('a.download').click(),
    ]);
    assert.match(download.suggestedFilename(), /^web-file-\d+\.bin$/);
    file.out = join(tmpRoot, `web-file-${process.pid}.out`);
    await download.saveAs(file.out);
    assert.equal(statSync(file.out).size, SIZE);
    assert.equal(sha256(readFileSync(file.out)), file.sha256, 'bit-identical');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, `screenshot at ${shot}`);
    web.assertRunning();
  }));

  test('delete through the page frees the lease', { timeout: 3 * MIN }, diag(async () => {
    const row = page.locator(`#files tr[data-hash="${file.hash}"]`);
    await row.locator('button.delete').click();
    await page.waitForFunction(() => /^Deletion started at block #\d+\.$/.test(document.getElementById('files-status').textContent),
      undefined, { timeout: 2 * MIN });
    const started = () => log.find('fileBank', 'FileDeletionStarted', (d) => d.file.toHex() === file.hash);
    await log.waitFor(() => started().length > 0, MIN, 'FileDeletionStarted');
    const lease = (await api.call.fileBankApi.lease(user.address)).unwrap();
    assert.equal(lease.used.toBigInt(), 0n, 'lease space free at once');
    await page.waitForFunction(() => document.getElementById('lease-used').textContent === '0 bytes',
      undefined, { timeout: 30_000 });
  }));
});
