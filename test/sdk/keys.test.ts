// Trader keys and the encrypted key file: seeds give the protocol model's key, the file round-trips, a wrong
// password or an edited header is a typed error, weak inputs are refused, and the secret never shows up in JSON,
// util.inspect or the file in clear.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { isValidPublicKey, publicKeyOf, signMessage, verifySignature } from "../../protocol/index.js";
import {
  KEY_FILE_FORMAT,
  SdkError,
  TraderKey,
  decryptKey,
  encryptKey,
  readKeyFile,
  readKeyFileHeader,
  writeKeyFile,
  type KeyFile,
} from "../../client/sdk/index.js";

// The cheapest cost a file may carry, so the suite stays fast; the default is 2^17.
const FAST = { N: 1 << 14, r: 8, p: 1 };
const SEED_HEX = "0x" + "a5".repeat(16) + "3c".repeat(16);
const seedBytes = Uint8Array.from(Buffer.from(SEED_HEX.slice(2), "hex"));
const dir = () => mkdtempSync(join(tmpdir(), "zkm-keys-"));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SdkError);
    return (e as SdkError).code;
  }
  throw new Error("expected a rejection");
}

describe("keys from a seed", () => {
  it("uses a 32-byte seed as the protocol's secret, in bytes or hex with or without 0x", () => {
    const k = TraderKey.fromSeed(SEED_HEX);
    expect(k.publicKey).toEqual(publicKeyOf(seedBytes));
    expect(TraderKey.fromSeed(SEED_HEX.slice(2)).publicKey).toEqual(k.publicKey);
    expect(TraderKey.fromSeed(seedBytes).publicKey).toEqual(k.publicKey);
    expect(isValidPublicKey(k.publicKey)).toBe(true);
    // What the key signs verifies under the protocol model, and equals a signature by the raw secret.
    const m = 123456789n;
    expect(verifySignature(k.publicKey, m, k.sign(m))).toBe(true);
    expect(k.sign(m)).toEqual(signMessage(seedBytes, m));
  });

  it("refuses seeds that are not 32 bytes", () => {
    for (const bad of ["", "0x12", "zz".repeat(32), "ab".repeat(33)])
      expect(() => TraderKey.fromSeed(bad)).toThrowError(expect.objectContaining({ code: "BAD_SEED" }));
    expect(() => TraderKey.fromSeed(new Uint8Array(31))).toThrowError(
      expect.objectContaining({ code: "BAD_SEED" }),
    );
  });

  it("derives the same key from the same passphrase and another from another, and refuses a short one", async () => {
    const a = await TraderKey.fromPassphrase("correct horse battery staple");
    const b = await TraderKey.fromPassphrase("correct horse battery staple");
    const c = await TraderKey.fromPassphrase("correct horse battery stapler");
    expect(a.publicKey).toEqual(b.publicKey);
    expect(a.publicKey).not.toEqual(c.publicKey);
    expect(await code(TraderKey.fromPassphrase("short pass"))).toBe("WEAK_PASSPHRASE");
  });

  it("generates distinct random keys", () => {
    const a = TraderKey.generate();
    const b = TraderKey.generate();
    expect(a.publicKey).not.toEqual(b.publicKey);
    expect(isValidPublicKey(a.publicKey)).toBe(true);
  });

  it("never shows the secret in JSON, inspect or string form", () => {
    const k = TraderKey.fromSeed(SEED_HEX);
    const secretHex = SEED_HEX.slice(2);
    for (const shown of [JSON.stringify(k), inspect(k, { showHidden: true, depth: 5 }), String(k), `${k}`]) {
      expect(shown).not.toContain(secretHex);
      expect(shown).not.toContain("a5a5a5a5");
    }
    expect(JSON.parse(JSON.stringify(k))).toEqual({
      publicKey: { x: k.publicKey.x.toString(), y: k.publicKey.y.toString() },
    });
  });
});

describe("encrypted key file", () => {
  it("round-trips through a file with owner-only permissions and no secret in clear", async () => {
    const path = join(dir(), "sub", "key.json");
    const k = TraderKey.fromSeed(SEED_HEX);
    await writeKeyFile(path, k, "a long password", { kdf: FAST });
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(SEED_HEX.slice(2));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const json = JSON.parse(text) as KeyFile;
    expect(json).toMatchObject({
      format: KEY_FILE_FORMAT,
      version: 1,
      publicKey: { x: k.publicKey.x.toString(), y: k.publicKey.y.toString() },
      kdf: { name: "scrypt", N: FAST.N, r: 8, p: 1 },
      cipher: { name: "aes-256-gcm" },
    });
    const back = await readKeyFile(path, "a long password");
    expect(back.publicKey).toEqual(k.publicKey);
    expect(back.sign(42n)).toEqual(k.sign(42n));
    expect((await readKeyFileHeader(path)).publicKey).toEqual(json.publicKey);
  });

  it("refuses a wrong password with WRONG_PASSWORD", async () => {
    const f = await encryptKey(TraderKey.fromSeed(SEED_HEX), "a long password", FAST);
    expect(await code(decryptKey(f, "a long passwore"))).toBe("WRONG_PASSWORD");
    expect(await code(decryptKey(f, ""))).toBe("WRONG_PASSWORD");
  });

  it("detects an edited header or ciphertext (authenticated as GCM associated data)", async () => {
    const k = TraderKey.fromSeed(SEED_HEX);
    const other = TraderKey.fromSeed("11".repeat(32));
    const f = await encryptKey(k, "a long password", FAST);
    const swappedKey = {
      ...f,
      publicKey: { x: other.publicKey.x.toString(), y: other.publicKey.y.toString() },
    };
    expect(await code(decryptKey(swappedKey, "a long password"))).toBe("WRONG_PASSWORD");
    const flipped = { ...f, ciphertext: (f.ciphertext[0] === "0" ? "1" : "0") + f.ciphertext.slice(1) };
    expect(await code(decryptKey(flipped, "a long password"))).toBe("WRONG_PASSWORD");
    // Raising the cost in the header would be harmless to an attacker but still breaks the binding.
    const cost = { ...f, kdf: { ...f.kdf, N: FAST.N * 2 } };
    expect(await code(decryptKey(cost, "a long password"))).toBe("WRONG_PASSWORD");
  });

  it("refuses weak KDF parameters, unknown versions and malformed files", async () => {
    const f = await encryptKey(TraderKey.fromSeed(SEED_HEX), "a long password", FAST);
    expect(await code(decryptKey({ ...f, kdf: { ...f.kdf, N: 1 << 10 } }, "a long password"))).toBe(
      "KEY_FILE_INVALID",
    );
    expect(await code(decryptKey({ ...f, version: 2 } as unknown as KeyFile, "x"))).toBe("KEY_FILE_VERSION");
    expect(await code(decryptKey({ ...f, ciphertext: "00" } as KeyFile, "x"))).toBe("KEY_FILE_INVALID");
    expect(await code(encryptKey(TraderKey.generate(), "a long password", { N: 1 << 10, r: 8, p: 1 }))).toBe(
      "KEY_FILE_INVALID",
    );
    const d = dir();
    writeFileSync(join(d, "junk.json"), "{not json");
    expect(await code(readKeyFile(join(d, "junk.json"), "a long password"))).toBe("KEY_FILE_INVALID");
    expect(await code(readKeyFile(join(d, "missing.json"), "a long password"))).toBe("KEY_FILE_NOT_FOUND");
  });

  it("refuses a short password and will not overwrite an existing file unless forced", async () => {
    const path = join(dir(), "key.json");
    expect(await code(writeKeyFile(path, TraderKey.generate(), "short", { kdf: FAST }))).toBe(
      "WEAK_PASSWORD",
    );
    const first = TraderKey.generate();
    await writeKeyFile(path, first, "a long password", { kdf: FAST });
    expect(await code(writeKeyFile(path, TraderKey.generate(), "a long password", { kdf: FAST }))).toBe(
      "KEY_FILE_EXISTS",
    );
    expect((await readKeyFile(path, "a long password")).publicKey).toEqual(first.publicKey);
    const second = TraderKey.generate();
    await writeKeyFile(path, second, "a long password", { kdf: FAST, force: true });
    expect((await readKeyFile(path, "a long password")).publicKey).toEqual(second.publicKey);
  });
});
