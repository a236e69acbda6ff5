// The file hash the chain gives a declaration (pallet-file-bank `file_hash`, see
// pallets/file-bank/src/commitment.rs): blake2-256 of
//   "cess/file-bank/file/v1" ‖ owner (32 raw bytes) ‖ size (u64 little-endian) ‖ root 0 ‖ … ‖ root n−1.
// The golden vector below is the same as the pallet's and the agent's tests; it is checked when
// this module loads, so the JS, the runtime and the CLI cannot drift apart unnoticed.

import { bnToU8a, hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';

const DOMAIN = stringToU8a('cess/file-bank/file/v1');

/** `file_hash(owner, size, roots)` as a 0x-hex string; `owner` an address or 32 bytes. */
export function fileHash(owner, size, roots) {
  const who = typeof owner === 'string' ? decodeAddress(owner) : owner;
  const parts = [DOMAIN, who, bnToU8a(BigInt(size), { bitLength: 64, isLe: true }),
    ...roots.map((r) => (typeof r === 'string' ? hexToU8a(r) : r))];
  return u8aToHex(blake2AsU8a(u8aConcat(...parts), 256));
}

const GOLDEN = '0x02e8e9a7acbf93d0aea767ed21f17f3d9380d8fc508545137e8019852437812a';
const golden = fileHash(new Uint8Array(32).fill(1), 9n << 20n, [new Uint8Array(32).fill(0x11), new Uint8Array(32).fill(0x22)]);
if (golden !== GOLDEN) throw new Error(`file-hash.mjs drifted from the runtime: ${golden} != ${GOLDEN}`);
