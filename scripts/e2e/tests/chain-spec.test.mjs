// Production-shaped chains come from an operator file: `build-spec --chain staging:<file>`
// builds a Live chain from the operator's validators, session keys, endowments, distribution
// and boot nodes; `--chain staging` alone is refused (a file is needed); any well-known
// development key in the file is refused, naming it; the chain's metadata has no Sudo.
// Boot nodes: the operator file's first, then `--chain-bootnode` and `CESS_BOOTNODES`
// (without duplicates); an address without a peer id is refused; the dev chain takes none.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { nodeBinary, startNode } from '../lib/node.mjs';

const PEER = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const A = `/ip4/10.0.0.1/tcp/30333/p2p/${PEER}`;
const B = `/dns/boot.example.org/tcp/30333/p2p/${PEER}`;
const C = `/ip4/10.0.0.3/tcp/30334/ws/p2p/${PEER}`;
const dir = mkdtempSync(join(tmpdir(), 'cess-spec-'));

await cryptoWaitReady();
const sr = new Keyring({ type: 'sr25519', ss58Format: 11330 });
const ed = new Keyring({ type: 'ed25519' });
// Keys from seeds nobody publishes (unlike //Alice): what an operator's own keys look like.
const srKey = (seed) => sr.addFromUri(`//cess-e2e-${seed}`);
const edKey = (seed) => u8aToHex(ed.addFromUri(`//cess-e2e-${seed}`).publicKey);

function operatorFile(patch = (f) => f) {
  const validators = [0, 1].map((i) => ({
    stash: srKey(`stash-${i}`).address,
    bond: 100000,
    session_keys: {
      babe: u8aToHex(srKey(`v${i}`).publicKey),
      grandpa: edKey(`v${i}`),
      im_online: u8aToHex(srKey(`v${i}`).publicKey),
      authority_discovery: u8aToHex(srKey(`v${i}`).publicKey),
    },
  }));
  const f = {
    name: 'CESS Staging', id: 'cess_staging', protocol_id: 'cess-staging',
    boot_nodes: [A],
    validators,
    endowments: [{ account: srKey('faucet').address, balance: 1000000 }],
    distribution: [
      { category: 'team_advisers', account: srKey('team').address, amount: 1250000000 },
      { category: 'ecosystem', account: srKey('eco').address, amount: 1200000000 },
    ],
  };
  const file = join(dir, `operator-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(patch(f)));
  return file;
}

function buildSpec(args, env = {}) {
  const out = spawnSync(nodeBinary(), ['build-spec', ...args], {
    env: { ...process.env, CESS_BOOTNODES: '', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: out.status,
    stdout: out.stdout,
    spec: out.status === 0 ? JSON.parse(out.stdout) : null,
    stderr: out.stderr,
  };
}

const nodes = [];
after(async () => { for (const n of nodes) await n.stop(); });

test('--chain staging without a file is refused: it needs an operator file', () => {
  const r = buildSpec(['--chain', 'staging']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /`--chain staging` needs an operator file: `--chain staging:<file\.json>`/);
});

test('staging:<file> builds a Live chain with the operator\'s validators, balances, vesting and boot nodes', () => {
  const { status, spec, stderr } = buildSpec(['--chain', `staging:${operatorFile()}`]);
  assert.equal(status, 0, stderr);
  assert.equal(spec.chainType, 'Live');
  assert.equal(spec.id, 'cess_staging');
  assert.deepEqual(spec.bootNodes, [A]);
  const patch = spec.genesis.runtimeGenesis.patch;
  assert.equal(patch.session.keys.length, 2);
  assert.equal(patch.timings.blockDay, 14400);
  assert.equal(patch.sudo, undefined, 'no sudo in genesis');
  // Team: 16 % free at launch, 84 % over 72 months of 438 300 blocks.
  assert.equal(patch.vesting.vesting.length, 1);
  const [, begin, length] = patch.vesting.vesting[0];
  assert.deepEqual([begin, length], [0, 72 * 438300]);
  assert.equal(spec.properties.ss58Format, 11330);
});

test('any well-known development key in the operator file is refused, naming it', () => {
  const alice = sr.addFromUri('//Alice');
  const bobStash = sr.addFromUri('//Bob//stash');
  const cases = [
    [(f) => { f.validators[0].stash = alice.address; return f; }, /validators\[0\]\.stash: .* \/\/Alice \(sr25519\)/],
    [(f) => { f.validators[1].session_keys.grandpa = u8aToHex(ed.addFromUri('//Charlie').publicKey); return f; }, /grandpa: .* \/\/Charlie \(ed25519\)/],
    [(f) => { f.distribution[0].account = bobStash.address; return f; }, /distribution\[0\]\.account: .* \/\/Bob\/\/stash/],
  ];
  for (const [patch, message] of cases) {
    const r = buildSpec(['--chain', `staging:${operatorFile(patch)}`]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, message);
  }
});

test('a file breaking the published shares or the 10 B cap, or malformed, is refused with the reason', () => {
  const cases = [
    [(f) => { f.distribution[0].amount = 1250000001; return f; }, /`team_advisers` allocations add up to 1250000001 CESS, above the published 1250000000 CESS/],
    [(f) => { f.endowments[0].balance = 5000000000; return f; }, /above the 10 000 000 000 CESS cap/],
    [(f) => { f.validators = []; return f; }, /`validators` is empty/],
    [(f) => { f.sudo = f.endowments[0].account; return f; }, /unknown field `sudo`/],
    [(f) => { f.boot_nodes = ['/ip4/10.0.0.1/tcp/30333']; return f; }, /bad boot node `\/ip4\/10\.0\.0\.1\/tcp\/30333`/],
  ];
  for (const [patch, message] of cases) {
    const r = buildSpec(['--chain', `staging:${operatorFile(patch)}`]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, message);
  }
  const missing = buildSpec(['--chain', `staging:${join(dir, 'nope.json')}`]);
  assert.match(missing.stderr, /cannot read the operator file/);
});

test('--chain-bootnode and CESS_BOOTNODES come after the operator file\'s boot nodes, without duplicates', () => {
  const file = operatorFile();
  const { status, spec, stderr } = buildSpec(
    ['--chain', `staging:${file}`, '--chain-bootnode', B, '--chain-bootnode', A],
    { CESS_BOOTNODES: `${C}, ${B}` },
  );
  assert.equal(status, 0, stderr);
  assert.deepEqual(spec.bootNodes, [A, B, C]);
  const local = buildSpec(['--chain', 'local', '--chain-bootnode', A, '--chain-bootnode', B]);
  assert.equal(local.status, 0, local.stderr);
  assert.deepEqual(local.spec.bootNodes, [A, B]);
});

test('a spec file keeps its boot nodes and gains the supplied ones; raw specs carry them too', () => {
  const first = buildSpec(['--chain', `staging:${operatorFile()}`]);
  assert.equal(first.status, 0, first.stderr);
  const file = join(dir, 'staging.json');
  // The file exactly as build-spec wrote it (balances exceed JavaScript's number precision).
  writeFileSync(file, first.stdout);
  const raw = buildSpec(['--chain', file, '--raw', '--chain-bootnode', B, '--chain-bootnode', A]);
  assert.equal(raw.status, 0, raw.stderr);
  assert.deepEqual(raw.spec.bootNodes, [A, B]);
  assert.ok(raw.spec.genesis.raw, 'raw genesis');
});

test('an address without a peer id is refused, naming it; the dev chain takes no boot nodes', () => {
  const flag = buildSpec(['--chain', 'local', '--chain-bootnode', '/ip4/10.0.0.1/tcp/30333']);
  assert.notEqual(flag.status, 0);
  const env = buildSpec(['--chain', 'local'], { CESS_BOOTNODES: '/ip4/10.0.0.9/tcp/1' });
  assert.notEqual(env.status, 0);
  assert.match(env.stderr, /bad boot node `\/ip4\/10\.0\.0\.9\/tcp\/1`/);
  const dev = buildSpec(['--chain', 'dev', '--disable-default-bootnode', '--chain-bootnode', A]);
  assert.equal(dev.status, 0, dev.stderr);
  assert.deepEqual(dev.spec.bootNodes, []);
});

test('the staging chain\'s metadata has no Sudo; OpenGov is there', { timeout: 180_000 }, async () => {
  const raw = buildSpec(['--chain', `staging:${operatorFile((f) => { f.boot_nodes = []; return f; })}`, '--raw']);
  assert.equal(raw.status, 0, raw.stderr);
  const file = join(dir, 'staging-raw.json');
  writeFileSync(file, raw.stdout);
  const node = await startNode('chain-spec-staging', ['--chain', file]);
  nodes.push(node);
  const names = node.api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
  assert.ok(!names.includes('Sudo'), names.join(', '));
  for (const p of ['Preimage', 'Scheduler', 'ConvictionVoting', 'Referenda', 'Origins', 'Vesting']) {
    assert.ok(names.includes(p), `${p} in ${names.join(', ')}`);
  }
  assert.equal(node.api.tx.sudo, undefined);
  // Production tracks: the storage-economy track confirms for a day of 14 400 blocks.
  const tracks = node.api.consts.referenda.tracks.map(([id, info]) => [id.toNumber(), info.confirmPeriod.toNumber()]);
  assert.deepEqual(tracks.find(([id]) => id === 10), [10, 14400]);
});
