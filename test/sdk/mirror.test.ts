// The local mirror against a real sequencer whose batches settle on the in-memory L1: the preimage and path it
// serves verify against the L1 root [I14]; every way of tampering with them — the preimage, the claimed leaf, a
// sibling, a consistent re-rooting with a forged root, another account's path, another key — is reported as a
// mismatch, and a chain that has not caught up is reported as unverifiable rather than as a pass or a failure.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Account, paramSet, rootFromPath, type SerializedAccount } from "../../protocol/index.js";
import type { RunningSequencer } from "../../sequencer/main.js";
import {
  AccountMirror,
  SequencerClient,
  Trader,
  TraderKey,
  assertVerified,
  inferSizes,
  type ProofView,
  type SettledRootSource,
} from "../../client/sdk/index.js";
import { ADDR, DOMAIN, lots, memL1, startTestSequencer, testKey } from "../sequencer/setup.js";

let r: RunningSequencer;
let t: Trader;
const SIZES = paramSet("test");

const l1Source = (): SettledRootSource => ({ name: "memory L1", settled: () => memL1(r).getSettled() });

async function settleAll(): Promise<void> {
  await r.sequencer.tick();
  const e = r.sequencer.engine;
  for (let i = 0; i < 500 && e.lastSettled.number < e.committedState.batchNumber; i++) {
    await r.pipeline.kick();
    await new Promise((x) => setTimeout(x, 10));
  }
  if (e.lastSettled.number < e.committedState.batchNumber) throw new Error("batches did not settle");
}

/** A preimage with `edit` applied, as JSON. */
function edited(p: ProofView, edit: (a: Account) => void): SerializedAccount {
  const a = Account.parse(p.account as SerializedAccount, SIZES);
  edit(a);
  return a.serialize();
}

beforeAll(async () => {
  // Batches are cut as soon as they hold an op, so settling needs no waiting.
  r = await startTestSequencer({ engine: { batchMaxAgeMs: 0 } });
  t = new Trader({
    key: TraderKey.fromSeed(testKey(31)),
    domain: DOMAIN,
    client: new SequencerClient({ baseUrl: r.url }),
  });
  await t.register();
});

afterAll(async () => {
  await r?.close();
});

describe("account mirror", () => {
  it("[I14] verifies the empty leaf before the deposit settles, then the funded leaf against the L1 root", async () => {
    const before = await t.checkMirror(l1Source());
    expect(before.status).toBe("verified");
    expect(before.empty).toBe(true);
    expect(before.batchNumber).toBe(0n);

    memL1(r).deposit({
      l1Address: ADDR,
      accountIndex: t.accountIndex,
      pubKeyX: t.key.publicKey.x,
      pubKeyY: t.key.publicKey.y,
      asset: 0,
      amount: lots("2500"),
    });
    await r.pipeline.kick();
    await settleAll();
    const c = await t.checkMirror(l1Source());
    const l1 = await memL1(r).getSettled();
    expect(c.problems).toEqual([]);
    expect(c.status).toBe("verified");
    expect(c.empty).toBe(false);
    expect(c.batchNumber).toBe(l1.batchNumber);
    expect(c.computedRoot).toBe(l1.root);
    expect(c.account?.quote).toBe(lots("2500") * 10n ** 8n);
    expect(c.account?.pubKey).toEqual(t.key.publicKey);
    expect(t.mirror().verified).toBe(c);
    expect(() => assertVerified(c)).not.toThrow();
    expect(AccountMirror.serialize(c)).toMatchObject({ status: "verified", root: l1.root.toString() });
  });

  describe("tampering", () => {
    let proof: ProofView;
    let l1: { batchNumber: bigint; root: bigint };
    const mirror = () => new AccountMirror(t.accountIndex, t.key.publicKey);
    const codes = async (p: ProofView, l = l1) => (await mirror().check(p, l)).problems.map((x) => x.code);

    beforeAll(async () => {
      proof = await t.client.proof();
      l1 = await memL1(r).getSettled();
      expect((await mirror().check(proof, l1)).status).toBe("verified");
    });

    it("a changed balance with the old leaf: the leaf, the path and the L1 root all disagree", async () => {
      const p = { ...proof, account: edited(proof, (a) => (a.quote += 1n)) };
      const c = await mirror().check(p, l1);
      expect(c.status).toBe("mismatch");
      expect(c.problems.map((x) => x.code)).toEqual(["LEAF_MISMATCH", "PATH_MISMATCH", "ROOT_MISMATCH"]);
      expect(() => assertVerified(c)).toThrowError(expect.objectContaining({ code: "MIRROR_MISMATCH" }));
    });

    it("a consistent lie (preimage, leaf and root all recomputed) is caught by the L1 root alone", async () => {
      const account = edited(proof, (a) => (a.balances[0] = 10n ** 12n));
      const leaf = Account.parse(account, SIZES).hash();
      const root = rootFromPath(t.accountIndex, leaf, proof.siblings.map(BigInt));
      expect(await codes({ ...proof, account, leaf: leaf.toString(), root: root.toString() })).toEqual([
        "ROOT_MISMATCH",
      ]);
    });

    it("a changed sibling breaks the path", async () => {
      const siblings = [...proof.siblings];
      siblings[3] = (BigInt(siblings[3]!) + 1n).toString();
      expect(await codes({ ...proof, siblings })).toEqual(["PATH_MISMATCH", "ROOT_MISMATCH"]);
      expect(await codes({ ...proof, siblings: siblings.slice(1) })).toEqual(["BAD_SHAPE"]);
    });

    it("another key in the leaf, another account's path, a malformed preimage", async () => {
      const other = TraderKey.fromSeed(testKey(32)).publicKey;
      const account = edited(proof, (a) => {
        a.pubKeyX = other.x;
        a.pubKeyY = other.y;
      });
      const leaf = Account.parse(account, SIZES).hash();
      const root = rootFromPath(t.accountIndex, leaf, proof.siblings.map(BigInt));
      expect(await codes({ ...proof, account, leaf: leaf.toString(), root: root.toString() })).toEqual([
        "KEY_MISMATCH",
        "ROOT_MISMATCH",
      ]);
      expect(await codes({ ...proof, accountIndex: (t.accountIndex + 1n).toString() })).toEqual([
        "WRONG_ACCOUNT",
      ]);
      const broken = { ...(proof.account as SerializedAccount), quote: (1n << 100n).toString() };
      expect(await codes({ ...proof, account: broken })).toEqual(["BAD_PREIMAGE"]);
    });

    it("a different L1 root for the same batch is a mismatch", async () => {
      expect(await codes(proof, { ...l1, root: l1.root + 1n })).toEqual(["ROOT_MISMATCH"]);
    });

    it("an L1 that has not settled the proof's batch yet is unverifiable, and verifies with that batch's root", async () => {
      const behind = { batchNumber: l1.batchNumber - 1n, root: 12345n };
      const c = await mirror().check(proof, behind);
      expect(c.status).toBe("unverifiable");
      expect(c.problems.map((x) => x.code)).toEqual(["CHAIN_BEHIND"]);
      expect(() => assertVerified(c)).toThrowError(expect.objectContaining({ code: "MIRROR_UNVERIFIABLE" }));
      const later = { batchNumber: l1.batchNumber + 1n, root: 999n };
      const history = async (n: bigint) => (n === l1.batchNumber ? l1.root : null);
      expect((await mirror().check(proof, later, history)).status).toBe("verified");
      expect((await mirror().check(proof, later)).problems.map((x) => x.code)).toEqual(["BATCH_UNKNOWN"]);
    });
  });

  it("infers the parameter set from the proof's shape", async () => {
    const p = await t.client.proof();
    expect(inferSizes(p)?.name).toBe("test");
    expect(inferSizes({ ...p, siblings: p.siblings.slice(1) })).toBeNull();
  });
});
