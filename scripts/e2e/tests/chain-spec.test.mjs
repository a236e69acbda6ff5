// Operators publish a network's boot nodes in its chain spec: `build-spec` writes the ones given
// with `--chain-bootnode` or `CESS_BOOTNODES` into the `local` and `staging` specs (and into a
// spec loaded from a file), refuses an address without a peer id, and the dev chain (a single
// node) takes none.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { nodeBinary } from '../lib/node.mjs';

const PEER = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const A = `/ip4/10.0.0.1/tcp/30333/p2p/${PEER}`;
const B = `/dns/boot.example.org/tcp/30333/p2p/${PEER}`;
const C = `/ip4/10.0.0.3/tcp/30334/ws/p2p/${PEER}`;

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

test('--chain-bootnode is written into the staging and local specs, in order', () => {
  for (const chain of ['staging', 'local']) {
    const { status, spec, stderr } = buildSpec(['--chain', chain, '--chain-bootnode', A, '--chain-bootnode', B]);
    assert.equal(status, 0, stderr);
    assert.deepEqual(spec.bootNodes, [A, B], chain);
  }
});

test('CESS_BOOTNODES adds comma- or space-separated boot nodes after the flags, without duplicates', () => {
  const { status, spec, stderr } = buildSpec(
    ['--chain', 'staging', '--chain-bootnode', A],
    { CESS_BOOTNODES: `${B}, ${C} ${A}` },
  );
  assert.equal(status, 0, stderr);
  assert.deepEqual(spec.bootNodes, [A, B, C]);
});

test('a spec file keeps its boot nodes and gains the supplied ones; raw specs carry them too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cess-spec-'));
  const first = buildSpec(['--chain', 'staging', '--chain-bootnode', A]);
  assert.equal(first.status, 0, first.stderr);
  const file = join(dir, 'staging.json');
  // The file exactly as build-spec wrote it (balances exceed JavaScript's number precision).
  writeFileSync(file, first.stdout);
  const raw = buildSpec(['--chain', file, '--raw', '--chain-bootnode', B, '--chain-bootnode', A]);
  assert.equal(raw.status, 0, raw.stderr);
  assert.deepEqual(raw.spec.bootNodes, [A, B]);
  assert.ok(raw.spec.genesis.raw, 'raw genesis');
});

test('an address without a peer id is refused, naming it', () => {
  const flag = buildSpec(['--chain', 'staging', '--chain-bootnode', '/ip4/10.0.0.1/tcp/30333']);
  assert.notEqual(flag.status, 0);
  const env = buildSpec(['--chain', 'staging'], { CESS_BOOTNODES: '/ip4/10.0.0.9/tcp/1' });
  assert.notEqual(env.status, 0);
  assert.match(env.stderr, /bad boot node `\/ip4\/10\.0\.0\.9\/tcp\/1`/);
});

test('without supplied boot nodes nothing of ours is added; the dev chain takes none', () => {
  // build-spec's own default (a loopback address of a fresh key) only when the list is empty.
  const staging = buildSpec(['--chain', 'staging', '--disable-default-bootnode']);
  assert.equal(staging.status, 0, staging.stderr);
  assert.deepEqual(staging.spec.bootNodes, []);
  const dev = buildSpec(['--chain', 'dev', '--disable-default-bootnode', '--chain-bootnode', A]);
  assert.equal(dev.status, 0, dev.stderr);
  assert.deepEqual(dev.spec.bootNodes, []);
});
