// The few header fields of a snarkjs .zkey a backend checks before proving (protocol, wire and public counts), read
// without loading the key. Checking a witness against them up front gives a typed error instead of snarkjs's
// message — and snarkjs leaves its file handles open when it throws on a mismatch.
import { stat } from "node:fs/promises";
import { BinReader } from "../setup/binFile.js";
import { ProverError, messageOf } from "./errors.js";

export interface ZkeyShape {
  readonly protocol: "groth16";
  /** Witness length the key expects (wires, including the constant 1). */
  readonly nVars: number;
  readonly nPublic: number;
  readonly domainSize: number;
}

const GROTH16 = 1;
const cache = new Map<string, { readonly stamp: string; readonly shape: ZkeyShape }>();

export async function readZkeyShape(path: string): Promise<ZkeyShape> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new ProverError("FILE_NOT_FOUND", `zkey ${path} not found`);
  const stamp = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(path);
  if (hit && hit.stamp === stamp) return hit.shape;
  let f: BinReader | undefined;
  try {
    f = await BinReader.open(path, "zkey");
    const protocol = Buffer.from(await f.readSection(1)).readUInt32LE(0);
    if (protocol !== GROTH16)
      throw new ProverError("BAD_ZKEY", `${path} is not a Groth16 key (protocol ${protocol})`);
    const h = Buffer.from(await f.readSection(2));
    const n8q = h.readUInt32LE(0);
    const n8r = h.readUInt32LE(4 + n8q);
    const o = 8 + n8q + n8r;
    const shape: ZkeyShape = {
      protocol: "groth16",
      nVars: h.readUInt32LE(o),
      nPublic: h.readUInt32LE(o + 4),
      domainSize: h.readUInt32LE(o + 8),
    };
    cache.set(path, { stamp, shape });
    return shape;
  } catch (e) {
    if (e instanceof ProverError) throw e;
    throw new ProverError("BAD_ZKEY", `${path}: ${messageOf(e)}`, { cause: e });
  } finally {
    await f?.close();
  }
}
