// A trader's Baby Jubjub key (PROTOCOL §6: keys come from a 32-byte secret) and the encrypted file it lives in.
// The secret sits in a private field and never reaches JSON, util.inspect or a log line; signing goes through the
// key object so raw bytes are not passed around. The file is versioned JSON: scrypt stretches the password, AES-256-GCM
// encrypts the secret, and the clear header (format, version, public key, KDF and cipher parameters) is bound as GCM
// associated data, so editing the public key or weakening the KDF parameters in the file fails like a wrong password.
import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  scrypt as scryptCallback,
  type ScryptOptions,
} from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { inspect } from "node:util";
import { publicKeyOf, signMessage, type PublicKey, type Signature } from "../../protocol/index.js";
import { SdkError, sdkFail } from "./errors.js";

export const KEY_FILE_FORMAT = "zkmargin-key";
export const KEY_FILE_VERSION = 1;

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Default cost of a new key file: 128 MiB and a few hundred milliseconds per unlock, per guess for an attacker. */
export const DEFAULT_FILE_KDF: ScryptParams = { N: 1 << 17, r: 8, p: 1 };
// Bounds on what a file may ask for: below the floor a stolen file is cheap to brute-force; above the ceiling a
// crafted file could make an unlock allocate gigabytes.
const MIN_LOG_N = 14;
const MAX_LOG_N = 20;
/** Fixed: changing it would change every passphrase-derived key. */
const PASSPHRASE_KDF: ScryptParams = { N: 1 << 17, r: 8, p: 1 };
const PASSPHRASE_SALT = "zkmargin.key.passphrase.v1";
export const MIN_PASSPHRASE_LENGTH = 12;
export const MIN_PASSWORD_LENGTH = 8;

function scrypt(password: Uint8Array, salt: Uint8Array, p: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + (1 << 20) };
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s.normalize("NFKC"));

function parseHexSecret(s: string): Uint8Array {
  const hex = s.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) sdkFail("BAD_SEED", "a seed is 32 bytes: 64 hex digits");
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

export class TraderKey {
  readonly #secret: Uint8Array;
  readonly publicKey: PublicKey;

  private constructor(secret: Uint8Array) {
    if (secret.length !== 32) sdkFail("BAD_SEED", "a seed is 32 bytes");
    this.#secret = Uint8Array.from(secret);
    this.publicKey = publicKeyOf(this.#secret);
  }

  /** A fresh key from the operating system's random source. */
  static generate(): TraderKey {
    return new TraderKey(randomBytes(32));
  }

  /** The key whose secret is this 32-byte seed (bytes, or 64 hex digits with or without 0x). */
  static fromSeed(seed: Uint8Array | string): TraderKey {
    return new TraderKey(typeof seed === "string" ? parseHexSecret(seed) : seed);
  }

  /**
   * A key derived from a passphrase alone (scrypt, fixed parameters and salt), so it can be recreated anywhere
   * from memory. Only as strong as the passphrase: an attacker who sees the public key can test guesses offline,
   * hence the length floor and the memory-hard KDF.
   */
  static async fromPassphrase(passphrase: string): Promise<TraderKey> {
    if (passphrase.normalize("NFKC").length < MIN_PASSPHRASE_LENGTH)
      sdkFail("WEAK_PASSPHRASE", `a passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters`);
    return new TraderKey(await scrypt(utf8(passphrase), utf8(PASSPHRASE_SALT), PASSPHRASE_KDF));
  }

  /** EdDSA-Poseidon signature of one field element (PROTOCOL §6). */
  sign(message: bigint): Signature {
    return signMessage(this.#secret, message);
  }

  /** A copy of the secret: only for writing the key file or handing to code that must sign with raw bytes. */
  exportSecret(): Uint8Array {
    return Uint8Array.from(this.#secret);
  }

  toJSON(): { publicKey: { x: string; y: string } } {
    return { publicKey: { x: this.publicKey.x.toString(), y: this.publicKey.y.toString() } };
  }

  toString(): string {
    return `TraderKey(x=${this.publicKey.x.toString(16).slice(0, 12)}…)`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

// ---------------------------------------------------------------- key file

export interface KeyFile {
  readonly format: typeof KEY_FILE_FORMAT;
  readonly version: typeof KEY_FILE_VERSION;
  readonly publicKey: { readonly x: string; readonly y: string };
  readonly kdf: {
    readonly name: "scrypt";
    readonly N: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
  readonly cipher: { readonly name: "aes-256-gcm"; readonly iv: string; readonly tag: string };
  readonly ciphertext: string;
}

/** The authenticated header: everything in the file except the tag and the ciphertext, in a fixed order. */
function associatedData(
  f: Omit<KeyFile, "cipher" | "ciphertext"> & { cipher: { name: string; iv: string } },
) {
  return Buffer.from(
    JSON.stringify([
      f.format,
      f.version,
      f.publicKey.x,
      f.publicKey.y,
      f.kdf.name,
      f.kdf.N,
      f.kdf.r,
      f.kdf.p,
      f.kdf.salt,
      f.cipher.name,
      f.cipher.iv,
    ]),
  );
}

function checkKdf(k: { N: number; r: number; p: number }): void {
  const logN = Math.log2(k.N);
  if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N)
    sdkFail("KEY_FILE_INVALID", `scrypt N must be a power of two from 2^${MIN_LOG_N} to 2^${MAX_LOG_N}`);
  if (!Number.isInteger(k.r) || k.r < 1 || k.r > 32 || !Number.isInteger(k.p) || k.p < 1 || k.p > 16)
    sdkFail("KEY_FILE_INVALID", "scrypt r must be 1..32 and p 1..16");
}

export async function encryptKey(
  key: TraderKey,
  password: string,
  kdf: ScryptParams = DEFAULT_FILE_KDF,
): Promise<KeyFile> {
  if (password.normalize("NFKC").length < MIN_PASSWORD_LENGTH)
    sdkFail("WEAK_PASSWORD", `a key file password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  checkKdf(kdf);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const header = {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    publicKey: { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() },
    kdf: { name: "scrypt", N: kdf.N, r: kdf.r, p: kdf.p, salt: salt.toString("hex") },
  } as const;
  const aesKey = await scrypt(utf8(password), salt, kdf);
  const c = createCipheriv("aes-256-gcm", aesKey, iv);
  c.setAAD(associatedData({ ...header, cipher: { name: "aes-256-gcm", iv: iv.toString("hex") } }));
  const secret = key.exportSecret();
  const ciphertext = Buffer.concat([c.update(secret), c.final()]);
  secret.fill(0);
  aesKey.fill(0);
  return {
    ...header,
    cipher: { name: "aes-256-gcm", iv: iv.toString("hex"), tag: c.getAuthTag().toString("hex") },
    ciphertext: ciphertext.toString("hex"),
  };
}

const isHex = (s: unknown, bytes?: number): s is string =>
  typeof s === "string" &&
  /^[0-9a-f]*$/.test(s) &&
  s.length % 2 === 0 &&
  (bytes === undefined || s.length === 2 * bytes);
const isUint = (s: unknown): s is string => typeof s === "string" && /^[0-9]{1,78}$/.test(s);

/** Structural check of a parsed key file; anything else is KEY_FILE_INVALID or KEY_FILE_VERSION. */
export function parseKeyFile(json: unknown): KeyFile {
  const o = json as Partial<Record<keyof KeyFile, unknown>> | null;
  if (!o || typeof o !== "object" || o.format !== KEY_FILE_FORMAT)
    sdkFail("KEY_FILE_INVALID", "not a zkmargin key file");
  if (o.version !== KEY_FILE_VERSION)
    sdkFail(
      "KEY_FILE_VERSION",
      `key file version ${String(o.version)} is not supported (this SDK reads ${KEY_FILE_VERSION})`,
    );
  const pk = o.publicKey as Record<string, unknown> | undefined;
  const kdf = o.kdf as Record<string, unknown> | undefined;
  const cipher = o.cipher as Record<string, unknown> | undefined;
  if (!pk || !isUint(pk.x) || !isUint(pk.y)) sdkFail("KEY_FILE_INVALID", "key file: bad publicKey");
  if (
    !kdf ||
    kdf.name !== "scrypt" ||
    typeof kdf.N !== "number" ||
    typeof kdf.r !== "number" ||
    typeof kdf.p !== "number" ||
    !isHex(kdf.salt) ||
    kdf.salt.length < 32
  )
    sdkFail("KEY_FILE_INVALID", "key file: bad kdf");
  checkKdf({ N: kdf.N, r: kdf.r, p: kdf.p });
  if (!cipher || cipher.name !== "aes-256-gcm" || !isHex(cipher.iv, 12) || !isHex(cipher.tag, 16))
    sdkFail("KEY_FILE_INVALID", "key file: bad cipher");
  if (!isHex(o.ciphertext, 32)) sdkFail("KEY_FILE_INVALID", "key file: bad ciphertext");
  return {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    publicKey: { x: pk.x, y: pk.y },
    kdf: { name: "scrypt", N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt },
    cipher: { name: "aes-256-gcm", iv: cipher.iv, tag: cipher.tag },
    ciphertext: o.ciphertext,
  };
}

export async function decryptKey(file: KeyFile, password: string): Promise<TraderKey> {
  const f = parseKeyFile(file);
  const aesKey = await scrypt(utf8(password), Buffer.from(f.kdf.salt, "hex"), f.kdf);
  const d = createDecipheriv("aes-256-gcm", aesKey, Buffer.from(f.cipher.iv, "hex"));
  d.setAAD(associatedData(f));
  d.setAuthTag(Buffer.from(f.cipher.tag, "hex"));
  let secret: Buffer;
  try {
    secret = Buffer.concat([d.update(Buffer.from(f.ciphertext, "hex")), d.final()]);
  } catch {
    // GCM cannot tell a wrong password from an edited file: both fail the tag.
    throw new SdkError("WRONG_PASSWORD", "wrong password for the key file (or the file was altered)");
  } finally {
    aesKey.fill(0);
  }
  const key = TraderKey.fromSeed(secret);
  secret.fill(0);
  if (key.publicKey.x.toString() !== f.publicKey.x || key.publicKey.y.toString() !== f.publicKey.y)
    sdkFail("KEY_FILE_INVALID", "the key file's secret does not match its public key");
  return key;
}

/** Writes through a temporary name with owner-only permissions; refuses to replace a file unless `force`. */
export async function writeKeyFile(
  path: string,
  key: TraderKey,
  password: string,
  o: { force?: boolean; kdf?: ScryptParams } = {},
): Promise<KeyFile> {
  if (!o.force && existsSync(path))
    sdkFail(
      "KEY_FILE_EXISTS",
      `${path} exists; move it away first (or force) — it may hold the only copy of a key`,
    );
  const file = await encryptKey(key, password, o.kdf);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return file;
}

export async function readKeyFileHeader(path: string): Promise<KeyFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      sdkFail("KEY_FILE_NOT_FOUND", `no key file at ${path} (create one with \`zkmargin keys new\`)`);
    throw new SdkError("KEY_FILE_INVALID", `cannot read ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    sdkFail("KEY_FILE_INVALID", `${path} is not JSON`);
  }
  return parseKeyFile(json);
}

export async function readKeyFile(path: string, password: string): Promise<TraderKey> {
  return decryptKey(await readKeyFileHeader(path), password);
}

export function publicKeyOfFile(f: KeyFile): PublicKey {
  return { x: BigInt(f.publicKey.x), y: BigInt(f.publicKey.y) };
}
