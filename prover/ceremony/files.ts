// File hashing and careful file writes for the ceremony. Hashes are over whole files, streamed, so that a multi-GB
// powers-of-tau file is never read into memory: BLAKE2b-512 is what the public ceremonies publish for their ptau files
// (the snarkjs README lists `b2sum` values) and what snarkjs itself uses, so zkeys get it too; the r1cs gets SHA-256
// because that is what circuits/fingerprints.json pins.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, link, rename, rm, stat, writeFile } from "node:fs/promises";
import { CeremonyError } from "./errors.js";

export type Progress = (stage: string, done: number, total: number) => void;

export async function fileHash(
  path: string,
  algorithm: "blake2b512" | "sha256",
  onProgress?: Progress,
  stage = "hash",
): Promise<string> {
  const total = await fileSize(path);
  const h = createHash(algorithm);
  let done = 0;
  let lastReport = 0;
  onProgress?.(stage, 0, total);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 }) as AsyncIterable<Buffer>) {
    h.update(chunk);
    done += chunk.length;
    // A progress line per 64 MiB is enough for multi-GB files and silent for small ones.
    if (done - lastReport >= 1 << 26) {
      lastReport = done;
      onProgress?.(stage, done, total);
    }
  }
  onProgress?.(stage, total, total);
  return h.digest("hex");
}

export const blake2bFile = (path: string, onProgress?: Progress): Promise<string> =>
  fileHash(path, "blake2b512", onProgress, `blake2b ${path}`);
export const sha256File = (path: string): Promise<string> => fileHash(path, "sha256");

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new CeremonyError("FILE_NOT_FOUND", `${path}: no such file`);
    throw e;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A published hash as people paste it: snarkjs prints BLAKE2b-512 as four lines of four 8-digit groups, the snarkjs
 * README and `b2sum` as one run of 128 digits. Whitespace and a 0x prefix are dropped; anything else is refused.
 */
export function normalizeHash(text: string, bytes = 64): string {
  const h = text.replace(/\s+/g, "").replace(/^0x/i, "").toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(h)) {
    throw new CeremonyError("BAD_HASH", `expected a ${bytes * 8}-bit hash as ${bytes * 2} hex digits`);
  }
  return h;
}

/** Hex of a snarkjs hash (Uint8Array), in the digit order snarkjs prints it. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** snarkjs's own four-line layout, so an operator can compare with what snarkjs printed at a glance. */
export function formatSnarkjsHash(h: string): string {
  const groups = h.match(/.{8}/g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += 4) lines.push(groups.slice(i, i + 4).join(" "));
  return lines.join("\n");
}

/** Write-then-rename, so a crash never leaves a half-written transcript or key where a finished one is expected. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Hard link when possible (a prod ptau is GBs), otherwise a copy. The target must not exist. */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}
