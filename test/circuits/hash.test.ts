// Hashing templates (circuits/lib/hash_tagged, account_leaf, order_slot_leaf, config_hash) against the TypeScript
// twin: H(tag, …) of PROTOCOL §3, the account leaf of §4.1, the order-slot leaf of §4.2, configHash of §5.1.
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Account, orderSlotHash } from "../../protocol/account.js";
import { DOMAIN_ORDER, PARAM_SETS } from "../../protocol/constants.js";
import { hashTagged } from "../../protocol/poseidon.js";
import { toField } from "../../protocol/field.js";
import { configInputs } from "../../circuits/tooling/inputs.js";
import {
  circuit,
  expectAllPinned,
  expectViolated,
  expectWitnessFails,
  honest,
  mod,
  P,
  type Circuit,
} from "./harness/index.js";
import { pow2, randomAccount, randomConfig, Rng, seeds } from "./harness/gen.js";

const RUNS = { numRuns: 10 };
const TEST = PARAM_SETS.test;
const PROD = PARAM_SETS.prod;

describe("HashTagged(TAG, K) equals protocol hashTagged at every chunking", () => {
  // K = 15 is exactly one Poseidon(16), K = 31 is 15 + 15 + 1 (a full second chunk and a one-field third). The
  // other templates cover more shapes: 2 (order slot), 12 (account leaf), 15 + 3 (test config), 15 + 11 (prod
  // leaf), 6·15 + 2 (prod config). Each Poseidon-bearing compile costs seconds, so the list stays short.
  for (const K of [15, 31]) {
    it(`K = ${K}`, async () => {
      const c = await circuit("hash_tagged", "HashTagged", [DOMAIN_ORDER, K]);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.bigInt(0n, P - 1n), { minLength: K, maxLength: K }), async (xs) => {
          const w = await honest(c, { in: xs });
          expect(c.value(w, "out")).toBe(hashTagged(DOMAIN_ORDER, xs));
        }),
        { numRuns: 4 },
      );
      const w = await honest(c, { in: Array<bigint>(K).fill(7n) });
      await expectViolated(c, c.tamper(w, "out", c.value(w, "out") + 1n));
      await expectAllPinned(c, w);
    });
  }

  it("the tag is bound: the same fields under another tag hash differently", async () => {
    const c = await circuit("hash_tagged", "HashTagged", [DOMAIN_ORDER, 15]);
    const xs = Array.from({ length: 15 }, (_, i) => BigInt(i));
    const w = await honest(c, { in: xs });
    expect(c.value(w, "out")).not.toBe(hashTagged(DOMAIN_ORDER + 1n, xs));
  });
});

describe(`AccountLeaf(${TEST.markets}, ${TEST.collaterals})`, () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("account_leaf", "AccountLeaf", [TEST.markets, TEST.collaterals]);
  });

  it("equals Account.hash() on random accounts, taking Account.toCircuitInputs() as is [I14]", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), fc.boolean(), async (seed, realistic) => {
        const a = randomAccount(new Rng(seed), TEST, realistic);
        const w = await honest(c, a.toCircuitInputs());
        expect(c.value(w, "out")).toBe(a.hash());
      }),
      RUNS,
    );
    const empty = Account.empty(TEST);
    const w = await honest(c, empty.toCircuitInputs());
    expect(c.value(w, "out")).toBe(empty.hash());
  });

  it("accepts every field at the ends of its type", async () => {
    const a = Account.empty(TEST);
    a.nonce = pow2(32) - 1n;
    a.quote = -pow2(95);
    a.balances = [pow2(64) - 1n, 0n];
    a.sizes = [-pow2(63), pow2(63) - 1n];
    a.fundingIndices = [pow2(63) - 1n, -pow2(63)];
    const w = await honest(c, a.toCircuitInputs());
    expect(c.value(w, "out")).toBe(a.hash());
  });

  it("rejects each field just beyond its type, and 'negative' unsigned fields [I11]", async () => {
    const base = Account.empty(TEST).toCircuitInputs();
    const bad: Record<string, unknown>[] = [
      { nonce: pow2(32) },
      { nonce: P - 1n },
      { quote: pow2(95) },
      { quote: mod(-pow2(95) - 1n) },
      { balances: [pow2(64), 0n] },
      { balances: [0n, P - 1n] },
      { sizes: [pow2(63), 0n] },
      { sizes: [0n, mod(-pow2(63) - 1n)] },
      { fundingIndices: [pow2(63), 0n] },
      { fundingIndices: [0n, mod(-pow2(63) - 1n)] },
    ];
    for (const patch of bad)
      await expectWitnessFails(c, { ...base, ...(patch as Record<string, bigint | bigint[]>) });
  });

  it("rejects a tampered leaf and tampered range-check bits; every wire is pinned", async () => {
    const a = randomAccount(new Rng(7), TEST, true);
    const w = await honest(c, a.toCircuitInputs());
    await expectViolated(c, c.tamper(w, "out", c.value(w, "out") + 1n));
    await expectViolated(c, c.tamper(w, "nonceRange.bits[0]", 1n - c.value(w, "nonceRange.bits[0]")));
    await expectViolated(c, c.tamper(w, "sizeRange[1].r.bits[5]", 1n - c.value(w, "sizeRange[1].r.bits[5]")));
    // A negative size moved to its positive field twin: the leaf's hash input no longer matches.
    await expectViolated(c, c.tamper(w, "sizes[0]", -c.signed(w, "sizes[0]")));
    await expectAllPinned(c, w);
  });
});

describe(`AccountLeaf(${PROD.markets}, ${PROD.collaterals}) at prod dims (two Poseidon chunks)`, () => {
  it("equals Account.hash()", async () => {
    const c = await circuit("account_leaf", "AccountLeaf", [PROD.markets, PROD.collaterals]);
    for (const seed of [1, 2]) {
      const a = randomAccount(new Rng(seed), PROD, seed === 1);
      expect(a.fields().length).toBe(26);
      const w = await honest(c, a.toCircuitInputs());
      expect(c.value(w, "out")).toBe(a.hash());
    }
  });
});

describe("OrderSlotLeaf", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("order_slot_leaf", "OrderSlotLeaf");
  });

  it("equals orderSlotHash, including the empty slot (0, 0) and the type bounds", async () => {
    const cases = [
      { nonce: 0n, filled: 0n },
      { nonce: pow2(32) - 1n, filled: pow2(63) - 1n },
    ];
    for (const s of cases) {
      const w = await honest(c, s);
      expect(c.value(w, "out")).toBe(orderSlotHash(s));
    }
    await fc.assert(
      fc.asyncProperty(fc.bigInt(0n, pow2(32) - 1n), fc.bigInt(0n, pow2(63) - 1n), async (nonce, filled) => {
        const w = await honest(c, { nonce, filled });
        expect(c.value(w, "out")).toBe(orderSlotHash({ nonce, filled }));
      }),
      RUNS,
    );
  });

  it("rejects a nonce beyond Uint32 and a fill beyond Uint63 or 'negative' [I9][I11]", async () => {
    await expectWitnessFails(c, { nonce: pow2(32), filled: 0n });
    await expectWitnessFails(c, { nonce: 1n, filled: pow2(63) });
    await expectWitnessFails(c, { nonce: 1n, filled: P - 1n });
  });

  it("rejects a tampered leaf and a tampered fill bit", async () => {
    const w = await honest(c, { nonce: 3n, filled: 1000n });
    await expectViolated(c, c.tamper(w, "out", 0n));
    await expectViolated(c, c.tamper(w, "filledRange.bits[3]", 1n - c.value(w, "filledRange.bits[3]")));
    await expectAllPinned(c, w);
  });
});

describe("ConfigHash equals RiskConfig.hash()", () => {
  for (const [M, C, T] of [
    [TEST.markets, TEST.collaterals, TEST.tiers],
    [PROD.markets, PROD.collaterals, PROD.tiers],
  ] as const) {
    it(`ConfigHash(${M}, ${C}, ${T})`, async () => {
      const c = await circuit("config_hash", "ConfigHash", [M, C, T]);
      await fc.assert(
        fc.asyncProperty(seeds(), async (seed) => {
          const cfg = randomConfig(new Rng(seed), M, C, T);
          const w = await honest(c, configInputs(cfg));
          expect(c.value(w, "out")).toBe(cfg.hash());
        }),
        { numRuns: 5 },
      );
      const cfg = randomConfig(new Rng(3), M, C, T);
      const w = await honest(c, configInputs(cfg));
      await expectViolated(c, c.tamper(w, "out", toField(-1n)));
      await expectAllPinned(c, w);
    });
  }
});
