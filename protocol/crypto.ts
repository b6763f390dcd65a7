// One circomlibjs build per process: buildEddsa already builds the WASM Poseidon, so sharing its instance saves
// about a second of start-up in every CLI call, test file and sequencer restart.
import { buildEddsa } from "circomlibjs";

export interface CircomlibPoseidon {
  (inputs: bigint[]): Uint8Array;
  F: { toObject(x: Uint8Array): bigint };
}

export interface CircomlibEddsa {
  F: { toObject(x: Uint8Array): bigint; e(x: bigint): Uint8Array };
  poseidon: CircomlibPoseidon;
  prv2pub(prv: Uint8Array): [Uint8Array, Uint8Array];
  signPoseidon(prv: Uint8Array, msg: Uint8Array): { R8: [Uint8Array, Uint8Array]; S: bigint };
  verifyPoseidon(
    msg: Uint8Array,
    sig: { R8: [Uint8Array, Uint8Array]; S: bigint },
    A: [Uint8Array, Uint8Array],
  ): boolean;
  babyJub: { subOrder: bigint };
}

export const circomlib: CircomlibEddsa = await buildEddsa();
