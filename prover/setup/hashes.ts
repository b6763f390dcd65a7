// The BLAKE2b-512 transcripts snarkjs checks in ptau and zkey files. Bulk
// hashing uses node:crypto (several times faster than the JS one); the ptau
// response hash goes through @noble/hashes because snarkjs stores noble's
// internal mid-hash state ("partialHash") in the contribution record.
import { createHash, type Hash } from "node:crypto";
import { blake2b as nobleBlake2b } from "@noble/hashes/blake2b";

export function blake2b512(): Hash {
  return createHash("blake2b512");
}

export function blake2bOf(...parts: Uint8Array[]): Uint8Array {
  const h = blake2b512();
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Big-endian u32, the way snarkjs feeds section lengths into the circuit hash. */
export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

interface NobleBlake2bState {
  update(data: Uint8Array): NobleBlake2bState;
  digest(): Uint8Array;
  get(): number[];
  buffer: Uint8Array;
  pos: number;
  length: number;
}

export interface ResumableHash {
  update(data: Uint8Array): void;
  /** snarkjs misc.toPartialHash: 128-byte buffer, 16 state words, length, pos (216 bytes). */
  partial(): Uint8Array;
  digest(): Uint8Array;
}

export function resumableBlake2b(): ResumableHash {
  const h = nobleBlake2b.create({ dkLen: 64 }) as unknown as NobleBlake2bState;
  return {
    update(data) {
      h.update(data);
    },
    partial() {
      const res = new Uint8Array(216);
      const words = new Uint32Array(res.buffer, 128, 20);
      res.set(h.buffer);
      const v = h.get();
      if (v.length !== 16) throw new Error("unexpected @noble/hashes blake2b internals");
      for (let i = 0; i < 16; i++) words[i] = v[i] ?? 0;
      words[18] = h.pos;
      words[16] = h.length - h.pos;
      return res;
    },
    digest() {
      return h.digest();
    },
  };
}
