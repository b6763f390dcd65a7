// Typed wrapper over the parts of ffjavascript's bn128 the development setup
// uses in the main thread (field batches, FFT, point encodings, ChaCha).
// ffjavascript ships no types; this keeps its `any` from leaking further.
// A private single-threaded instance is used so that terminating it can never
// pull the shared multi-threaded curve away from snarkjs calls in flight.
import { ChaCha, buildBn128 } from "ffjavascript";

/** ffjavascript field element: 32-byte Montgomery form. */
export type FrElem = Uint8Array;
/** ffjavascript point: affine (2 coords) or Jacobian (3 coords), Montgomery. */
export type Point = Uint8Array;

export interface Fr {
  readonly n8: number;
  readonly one: FrElem;
  readonly zero: FrElem;
  e(v: bigint): FrElem;
  toObject(a: FrElem): bigint;
  mul(a: FrElem, b: FrElem): FrElem;
  add(a: FrElem, b: FrElem): FrElem;
  sub(a: FrElem, b: FrElem): FrElem;
  inv(a: FrElem): FrElem;
  exp(a: FrElem, e: bigint): FrElem;
  eq(a: FrElem, b: FrElem): boolean;
  /** out[i] = in[i] * first * inc^i (Montgomery in and out). */
  batchApplyKey(buff: Uint8Array, first: FrElem, inc: FrElem): Promise<Uint8Array>;
  ifft(buff: Uint8Array): Promise<Uint8Array>;
  batchFromMontgomery(buff: Uint8Array): Promise<Uint8Array>;
  batchToMontgomery(buff: Uint8Array): Promise<Uint8Array>;
}

export interface G {
  readonly g: Point;
  readonly oneAffine: Point;
  timesFr(p: Point, s: FrElem): Point;
  toAffine(p: Point): Point;
  eq(a: Point, b: Point): boolean;
  /** Big-endian normal-form x || y, as hashed by snarkjs. */
  toUncompressed(p: Point): Uint8Array;
  fromRng(rng: Rng): Point;
  /** Affine Montgomery little-endian x || y, snarkjs's on-disk layout. */
  toRprLEM(buff: Uint8Array, offset: number, p: Point): void;
  fromRprLEM(buff: Uint8Array, offset: number): Point;
}

export interface Rng {
  nextU32(): number;
}

export interface Bn128 {
  /** Single-threaded instances keep their wasm bytes here; the setup workers reuse them. */
  readonly tm: { readonly code: Uint8Array };
  readonly q: bigint;
  readonly r: bigint;
  readonly Fr: Fr;
  readonly G1: G;
  readonly G2: G;
  terminate(): Promise<void>;
}

let cached: Promise<Bn128> | undefined;

/**
 * The private single-threaded curve, built once per process (building the
 * wasm module costs about half a second; the instance holds no threads).
 */
export function loadCurve(): Promise<Bn128> {
  cached ??= (async () => {
    const curve = (await buildBn128(true)) as Bn128;
    if (!(curve.tm?.code instanceof Uint8Array)) throw new Error("ffjavascript did not expose its wasm code");
    return curve;
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

/** What the setup workers need to run the same wasm arithmetic without ffjavascript. */
export function wasmCurveCode(curve: Bn128): { code: Uint8Array; g1: Uint8Array; g2: Uint8Array } {
  return {
    code: curve.tm.code.slice(),
    g1: curve.G1.oneAffine.slice(),
    g2: curve.G2.oneAffine.slice(),
  };
}

/** ChaCha seeded the way snarkjs's keypair.hashToG2 seeds it. */
export function chachaFromHash(hash: Uint8Array): Rng {
  const v = new DataView(hash.buffer, hash.byteOffset, hash.byteLength);
  const seed: number[] = [];
  for (let i = 0; i < 8; i++) seed.push(v.getUint32(i * 4, false));
  return new ChaCha(seed) as Rng;
}

/** snarkjs keypair.hashToG2: a G2 point nobody knows the discrete log of. */
export function hashToG2(curve: Bn128, hash: Uint8Array): Point {
  return curve.G2.fromRng(chachaFromHash(hash));
}

export function lem(group: G, p: Point, size: number): Uint8Array {
  const out = new Uint8Array(size);
  group.toRprLEM(out, 0, p);
  return out;
}

/** Scalar as snarkjs's 32-byte little-endian normal form. */
export function scalarLE(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let x = v;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  if (x !== 0n) throw new Error("scalar does not fit 32 bytes");
  return out;
}
