// Storage miners and the file market on the dev chain, as operators and users drive them with
// polkadot.js: a miner registers with collateral and commits idle fillers, a user buys space
// and declares a file (its hash is computed by the chain from the owner and the content
// commitment), the replica is placed `PlacementDelay` = 5 blocks later, the assigned miner
// confirms its fragment, and the runtime API shows the fragment as the miner's service space.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { stringToHex, stringToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { palletAccount, startNode, submitAndWatch, waitForHead } from '../lib/node.mjs';
import { fileHash as computeFileHash } from '../lib/file-hash.mjs';

const CESS = 10n ** 18n;
const MiB = 1n << 20n;
const FILLER = 8n * MiB;

describe('storage miners and the file market', () => {
  let node;
  let api;
  let miner;
  let user;
  let fileHash;

  before(async () => {
    await cryptoWaitReady();
    node = await startNode('storage', ['--dev']);
    api = node.api;
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    miner = keyring.addFromUri('//Dave');
    user = keyring.addFromUri('//Charlie');
  });

  after(async () => {
    if (node) await node.stop();
  });

  const errorName = (err) => {
    const m = api.registry.findMetaError(err.asModule);
    return `${m.section}.${m.name}`;
  };
  const ok = (r, what) => assert.equal(r.dispatchError, undefined, `${what}: ${r.dispatchError && errorName(r.dispatchError)}`);

  test('a miner registers with collateral for 1 TiB and commits idle fillers', async () => {
    // 1 TiB declared needs 2 000 CESS; 1 999 is refused and changes nothing.
    const short = await submitAndWatch(
      api, api.tx.storageMiner.register(miner.address, stringToHex('/ip4/127.0.0.1/tcp/15001'), 1, 1_999n * CESS), miner);
    assert.equal(errorName(short.dispatchError), 'storageMiner.InsufficientCollateral');
    assert.ok((await api.call.storageMinerApi.minerInfo(miner.address)).isNone);

    ok(await submitAndWatch(
      api, api.tx.storageMiner.register(miner.address, stringToHex('/ip4/127.0.0.1/tcp/15001'), 1, 2_000n * CESS), miner), 'register');
    const commitment = u8aToHex(blake2AsU8a('filler commitment'));
    ok(await submitAndWatch(api, api.tx.storageMiner.commitIdle(commitment, 100), miner), 'commitIdle');

    const info = (await api.call.storageMinerApi.minerInfo(miner.address)).unwrap();
    assert.equal(info.state.toString(), 'Positive');
    assert.equal(info.collateral.toBigInt(), 2_000n * CESS);
    assert.equal(info.requirement.toBigInt(), 2_000n * CESS);
    assert.equal(info.idleSpace.toBigInt(), 100n * FILLER);
    assert.equal(info.serviceSpace.toBigInt(), 0n);
  });

  test('a user buys space, declares a file; the miner confirms; service space appears', async () => {
    // Space is paid into the storage-miner reward pool: 1 GiB × 30 days × 0.01 CESS = 0.3 CESS.
    const pool = palletAccount(stringToU8a('cess/smp'));
    const poolBefore = (await api.query.system.account(pool)).data.free.toBigInt();
    const bought = await submitAndWatch(api, api.tx.fileBank.buySpace(1, 30), user);
    ok(bought, 'buySpace');
    const poolAfter = (await (await api.at(bought.blockHash)).query.system.account(pool)).data.free.toBigInt();
    assert.equal(poolAfter - poolBefore, 30n * CESS / 100n);
    assert.ok((await api.call.fileBankApi.lease(user.address)).isSome, 'lease exists');

    // One 8 MiB fragment, one replica; its Merkle root is what the miner will be challenged on.
    const root = u8aToHex(blake2AsU8a('fragment 0'));
    const declared = await submitAndWatch(api, api.tx.fileBank.declareFile(8n * MiB, [root], 1), user);
    ok(declared, 'declareFile');
    // The hash is not the user's choice: file_hash(owner, size, roots), recomputed here.
    const ev = declared.events.find((e) => api.events.fileBank.FileDeclared.is(e));
    assert.ok(ev, 'FileDeclared');
    fileHash = ev.data.file.toHex();
    assert.equal(fileHash, computeFileHash(user.address, 8n * MiB, [root]), 'hash = content commitment');
    const declaredAt = (await api.rpc.chain.getHeader(declared.blockHash)).number.toNumber();
    assert.equal(ev.data.placeAt.toNumber(), declaredAt + 5, 'placed PlacementDelay = 5 blocks later');
    // Nothing is assigned at declaration.
    assert.ok(!declared.events.some((e) => api.events.fileBank.FragmentAssigned.is(e)), 'no assignment yet');
    const before = (await api.call.fileBankApi.filePlacement(fileHash)).unwrap();
    assert.equal(before.state.toString(), 'Declared');
    assert.equal(before.placeAt.unwrap().toNumber(), declaredAt + 5);
    assert.ok(before.fragments[0].replicas.every((r) => r.miner.isNone), 'no miner before placement');
    const early = await submitAndWatch(api, api.tx.fileBank.confirmFragment(fileHash, 0, 0), miner);
    assert.equal(errorName(early.dispatchError), 'fileBank.SlotNotFound', 'nothing to confirm before placement');

    // The placement block's events: FragmentAssigned to the only Positive (and enrolled)
    // miner, then FilePlaced.
    const placedHeader = await waitForHead(api, (h) => h.number.toNumber() >= declaredAt + 5);
    const placedHash = await api.rpc.chain.getBlockHash(declaredAt + 5);
    const events = (await (await api.at(placedHash)).query.system.events()).map((r) => r.event);
    const assigned = events.find((e) => api.events.fileBank.FragmentAssigned.is(e) && e.data.file.toHex() === fileHash);
    assert.ok(assigned, `FragmentAssigned in block ${declaredAt + 5} (head ${placedHeader.number})`);
    assert.equal(assigned.data.miner.toString(), miner.address, 'the only Positive miner gets it');
    assert.ok(events.some((e) => api.events.fileBank.FilePlaced.is(e) && e.data.file.toHex() === fileHash), 'FilePlaced');

    // Someone else cannot confirm the miner's fragment.
    const foreign = await submitAndWatch(api, api.tx.fileBank.confirmFragment(fileHash, 0, 0), user);
    assert.ok(foreign.dispatchError, 'foreign confirm fails');

    const confirmed = await submitAndWatch(api, api.tx.fileBank.confirmFragment(fileHash, 0, 0), miner);
    ok(confirmed, 'confirmFragment');
    assert.ok(confirmed.events.some((e) => api.events.fileBank.FileStored.is(e)), 'FileStored');

    const again = await submitAndWatch(api, api.tx.fileBank.confirmFragment(fileHash, 0, 0), miner);
    assert.equal(errorName(again.dispatchError), 'fileBank.AlreadyConfirmed');

    const info = (await api.call.storageMinerApi.minerInfo(miner.address)).unwrap();
    assert.equal(info.serviceSpace.toBigInt(), 8n * MiB);
    assert.equal(info.idleSpace.toBigInt(), 100n * FILLER);
    const placement = (await api.call.fileBankApi.filePlacement(fileHash)).unwrap();
    assert.ok(JSON.stringify(placement.toJSON()).includes(miner.address) ||
      JSON.stringify(placement.toHuman()).includes(miner.address), 'placement names the miner');
    const fragments = await api.call.fileBankApi.minerFragments(miner.address, 0, 10);
    assert.equal(fragments.length, 1);
  });
});
