// The margin proof's building blocks (circuits/margin/account_health, margin_leaf, subtree_root, chunk_path,
// flag_words) against protocol/margin.ts computeMargin and protocol/marginProof.ts: per template, the model's answer
// on random and extreme inputs, no witness for what the template range-checks, and single-signal tampering judged by
// our R1CS checker. The whole chunk (MarginChunk) is margin-chunk.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Account } from "../../protocol/account.js";
import { RiskConfig } from "../../protocol/config.js";
import { PARAM_SETS, QUOTE_BITS, RATE_SCALE } from "../../protocol/constants.js";
import { ceilDiv, isInt } from "../../protocol/field.js";
import { computeMargin, type Prices } from "../../protocol/margin.js";
import { emptyHashes, rootFromPath, SparseMerkleTree } from "../../protocol/merkle.js";
import {
  flagWords,
  flagsFromWords,
  isFlagged,
  rightOfPathEmpty,
  subtreeRoot,
  type MarginEpoch,
} from "../../protocol/marginProof.js";
import { emptyAccountHash } from "../../protocol/state.js";
import { accountInput } from "../../circuits/tooling/batchWitness.js";
import { fe, fes, marginConfigInputs, priceInputs } from "../../circuits/tooling/inputs.js";
import {
  Circuit,
  expectAllPinned,
  expectSatisfied,
  expectViolated,
  expectWitnessFails,
  honest,
  P,
  TEST_OUT_ROOT,
} from "./harness/index.js";
import { pow2, randomAccount, randomConfig, randomPrices, Rng, seeds } from "./harness/gen.js";

const TEST = PARAM_SETS.test;
const [M, C, T] = [TEST.markets, TEST.collaterals, TEST.tiers];
const DIMS = { markets: M, collaterals: C, orderDepth: TEST.orderDepth };
const EMPTY_LEAF = emptyAccountHash(TEST);

function marginCircuit(
  file: string,
  template: string,
  params: readonly (number | bigint)[],
  publics?: string[],
): Promise<Circuit> {
  return Circuit.compile(
    { file: `circuits/margin/${file}.circom`, template, params, ...(publics ? { publics } : {}) },
    { outRoot: TEST_OUT_ROOT },
  );
}

/** The first of `names` that survives --O2 as a wire (aliases of one value keep one name). */
function wire(c: Circuit, names: readonly string[]): string {
  const n = names.find((x) => c.signals.isWire(x));
  if (!n) throw new Error(`none of ${names.join(", ")} is a wire`);
  return n;
}

/** IsZero inverses whose input is 0 in `w`: pinned in effect (the output is fixed by in·out = 0), free as a wire. */
function zeroInputInverses(c: Circuit, w: readonly bigint[]): string[] {
  const out: string[] = [];
  for (const [name, wireIndex] of c.signals.entries()) {
    if (wireIndex >= 0 && name.endsWith(".inv") && w[wireIndex] === 0n) out.push(name);
  }
  return out;
}

const flip = (v: bigint): bigint => 1n - v;

/** A margin epoch around a config, prices and indices (the chain fields do not reach isFlagged). */
function epochOf(cfg: RiskConfig, prices: Prices, fundingIndices: readonly bigint[]): MarginEpoch {
  return {
    chainId: 1n,
    contract: 2n,
    batchNumber: 3n,
    accountRoot: 4n,
    config: cfg,
    configHash: cfg.hash(),
    prices,
    fundingIndices,
  };
}

/**
 * A random account, prices, config (tier starts crowding the notionals) and epoch funding indices. `nearMM` moves the
 * leaf quote so that the settled TVs lands within a few Value units of MMs, where liquidatable flips.
 */
function randomCase(seed: number, realistic: boolean, nearMM: boolean) {
  const rng = new Rng(seed);
  const a = randomAccount(rng, DIMS, realistic);
  const prices = randomPrices(rng, M, C, realistic);
  const cfg = randomConfig(
    rng,
    M,
    C,
    T,
    a.sizes.map((s, m) => [(s < 0n ? -s : s) * prices.markets[m]!]),
  );
  const indices = a.fundingIndices.map((f) =>
    realistic ? f + rng.pick(-pow2(20), pow2(20)) : rng.pick(-pow2(63), pow2(63) - 1n),
  );
  const fits = indices.every((i) => isInt(i, 64));
  const funding = fits ? indices : a.fundingIndices;
  if (nearMM) {
    const m = computeMargin(a, cfg, prices, funding);
    const quote = a.quote + ceilDiv(m.mmS - m.tvS, RATE_SCALE) + rng.pick(-3n, 3n);
    if (isInt(quote, QUOTE_BITS)) a.quote = quote;
  }
  return { a, prices, cfg, funding };
}

describe(`AccountHealth(${M}, ${C}, ${T})`, () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await marginCircuit("account_health", "AccountHealth", [M, C, T], ["sizes"]);
  });
  const inputs = (a: Account, cfg: RiskConfig, prices: Prices, funding: readonly bigint[]) => {
    const m = computeMargin(a, cfg, prices, funding);
    const { tierStart, mmr, haircut } = marginConfigInputs(cfg);
    return {
      quote: fe(a.quote - m.unsettledFunding),
      balances: fes(a.balances),
      sizes: fes(a.sizes),
      ...priceInputs(prices),
      tierStart,
      mmr,
      haircut,
    };
  };
  const matches = async (a: Account, cfg: RiskConfig, prices: Prices, funding: readonly bigint[]) => {
    const m = computeMargin(a, cfg, prices, funding);
    const w = await honest(c, inputs(a, cfg, prices, funding));
    expect({
      tvS: c.signed(w, "tvS"),
      mmS: c.signed(w, "mmS"),
      liquidatable: c.value(w, "liquidatable"),
      open: c.value(w, "open"),
    }).toEqual({
      tvS: m.tvS,
      mmS: m.mmS,
      liquidatable: m.liquidatable ? 1n : 0n,
      open: a.sizes.some((s) => s !== 0n) ? 1n : 0n,
    });
    return w;
  };

  it("equals computeMargin (funding settled at the epoch's indices) on realistic accounts near MM", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), fc.boolean(), async (seed, nearMM) => {
        const { a, prices, cfg, funding } = randomCase(seed, true, nearMM);
        await matches(a, cfg, prices, funding);
      }),
      { numRuns: 25 },
    );
  });

  it("equals computeMargin over the full ranges, where unsettled funding takes the quote far beyond Int96", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const { a, prices, cfg, funding } = randomCase(seed, false, false);
        await matches(a, cfg, prices, funding);
      }),
      { numRuns: 25 },
    );
  });

  it("the largest settled quote a leaf can reach has a witness (AccountMargin's Int126 figures would refuse it)", async () => {
    const rng = new Rng(1);
    const cfg = randomConfig(rng, M, C, T);
    const prices = { markets: [pow2(56) - 1n, pow2(56) - 1n], collaterals: [pow2(56) - 1n, pow2(56) - 1n] };
    for (const sign of [1n, -1n]) {
      const a = Account.empty(DIMS);
      a.quote = sign > 0n ? pow2(95) - 1n : -pow2(95);
      a.balances = [pow2(64) - 1n, pow2(64) - 1n];
      // Long at index −2^63 while the epoch is at 2^63 − 1 pays (2^63 − 1)·(2^64 − 1) per market; short receives it.
      a.sizes = sign > 0n ? [-pow2(63), -pow2(63)] : [pow2(63) - 1n, pow2(63) - 1n];
      a.fundingIndices = [-pow2(63), -pow2(63)];
      const funding = [pow2(63) - 1n, pow2(63) - 1n];
      const m = computeMargin(a, cfg, prices, funding);
      expect(m.tv >= pow2(125) || m.tv < -pow2(125)).toBe(true);
      await matches(a, cfg, prices, funding);
    }
  });

  it("TVs exactly at MMs is healthy, one Value unit of quote less is liquidatable (hand calculation)", async () => {
    // One market, flat mmr 5 %, price 60,000 USD, long 1 contract: MMs = 10^8 · 6·10^12 · 50,000 = 3·10^25;
    // TVs = quote·10^6 + 10^8 · 6·10^12 · 10^6 = quote·10^6 + 6·10^26, so quote = −5.7·10^20 puts TVs at MMs.
    // The leaf's funding index is 10 below the epoch's: settling moves the quote by −10^8·10 = −10^9 first.
    const rng = new Rng(2);
    const base = randomConfig(rng, M, C, T);
    const flat = {
      symbol: "BTC",
      tiers: [{ start: 0n, imr: 100_000n, mmr: 50_000n }],
      liquidationFee: 0n,
      maxFundingStep: 0n,
    };
    const cfg = new RiskConfig([flat, { ...flat, symbol: "ETH" }], base.collaterals).withTierCount(T);
    const prices = { markets: [6n * 10n ** 12n, 1n], collaterals: [1n, 1n] };
    const a = Account.empty(DIMS);
    a.sizes = [10n ** 8n, 0n];
    a.fundingIndices = [0n, 0n];
    a.quote = -57n * 10n ** 19n + 10n ** 9n;
    const funding = [10n, 0n];
    const w = await matches(a, cfg, prices, funding);
    expect([c.signed(w, "tvS"), c.signed(w, "mmS"), c.value(w, "liquidatable")]).toEqual([
      3n * 10n ** 25n,
      3n * 10n ** 25n,
      0n,
    ]);
    a.quote -= 1n;
    const below = await matches(a, cfg, prices, funding);
    expect(c.value(below, "liquidatable")).toBe(1n);
  });

  it("sizes outside Int64 have no witness (Abs range-checks them)", async () => {
    const { a, prices, cfg, funding } = randomCase(3, true, false);
    for (const s of [pow2(63), -pow2(63) - 1n, P - 1n - pow2(63)]) {
      const i = inputs(a, cfg, prices, funding);
      i.sizes[0] = (((s % P) + P) % P).toString();
      await expectWitnessFails(c, i);
    }
  });

  it("tampering: the decision (the comparison's top bit, aliased by --O2), a bit of the comparison, a size's sign, a tier comparator, open, the figures", async () => {
    // Two open positions, the first one into its second tier (start below its notional), so every part is live.
    const { a, prices, cfg, funding } = randomCase(5, true, true);
    a.sizes = [12_345n, -67_890n];
    const w = await matches(a, cfg, prices, funding);
    const t = (changes: Record<string, (v: bigint) => bigint>): bigint[] =>
      c.tamperMany(w, Object.fromEntries(Object.entries(changes).map(([n, f]) => [n, f(c.value(w, n))])));
    await expectViolated(c, t({ liquidatable: flip }));
    await expectViolated(c, t({ [wire(c, ["lt.d.bits[100]", "lt.d.n2b.out[100]"])]: flip }));
    await expectViolated(c, t({ [wire(c, ["absSize[0].neg", "absSize[0].range.neg"])]: flip }));
    await expectViolated(c, t({ [wire(c, ["below[0][0].out", "below[0][0].n2b.out[120]"])]: flip }));
    await expectViolated(c, t({ open: flip }));
    await expectViolated(c, t({ "flat.inv": (v) => v + 1n }));
    await expectViolated(c, t({ tvS: (v) => v + 1n }));
    await expectViolated(c, t({ mmS: (v) => v - 1n }));
  });

  it("no free wire on honest witnesses, open or flat (a flat account's IsZero inverse is the one exception)", async () => {
    for (const seed of [7, 8]) {
      const { a, prices, cfg, funding } = randomCase(seed, true, true);
      if (seed === 8) a.sizes = [0n, 0n];
      const w = await matches(a, cfg, prices, funding);
      await expectAllPinned(c, w, zeroInputInverses(c, w));
    }
  });
});

describe("AccountHealth at the asserted limits M = C = 64: the Int154 budget holds at every extreme", () => {
  it("maximal quote, unsettled funding, collateral and positions of either sign match the model", async () => {
    const c = await marginCircuit("account_health", "AccountHealth", [64, 64, 2]);
    const rng = new Rng(9);
    const cfg = randomConfig(rng, 64, 64, 2);
    const prices = {
      markets: Array<bigint>(64).fill(pow2(56) - 1n),
      collaterals: Array<bigint>(64).fill(pow2(56) - 1n),
    };
    for (const sign of [1n, -1n]) {
      const a = Account.empty({ markets: 64, collaterals: 64, orderDepth: 2 });
      a.quote = sign > 0n ? pow2(95) - 1n : -pow2(95);
      a.balances = a.balances.map(() => (sign > 0n ? pow2(64) - 1n : 0n));
      a.sizes = a.sizes.map(() => (sign > 0n ? -pow2(63) : pow2(63) - 1n));
      a.fundingIndices = a.fundingIndices.map(() => -pow2(63));
      const funding = Array<bigint>(64).fill(pow2(63) - 1n);
      const m = computeMargin(a, cfg, prices, funding);
      const { tierStart, mmr, haircut } = marginConfigInputs(cfg);
      const w = await honest(c, {
        quote: fe(a.quote - m.unsettledFunding),
        balances: fes(a.balances),
        sizes: fes(a.sizes),
        ...priceInputs(prices),
        tierStart,
        mmr,
        haircut,
      });
      expect([c.signed(w, "tvS"), c.signed(w, "mmS"), c.value(w, "liquidatable")]).toEqual([
        m.tvS,
        m.mmS,
        m.liquidatable ? 1n : 0n,
      ]);
    }
  });
});

describe(`MarginLeaf(${M}, ${C}, ${T})`, () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await marginCircuit("margin_leaf", "MarginLeaf", [M, C, T], ["eligible"]);
  });
  const inputs = (
    a: Account,
    cfg: RiskConfig,
    prices: Prices,
    funding: readonly bigint[],
    eligible: boolean,
  ) => {
    const { tierStart, mmr, haircut } = marginConfigInputs(cfg);
    return {
      acct: accountInput(a),
      ...priceInputs(prices),
      fundingIndices: fes(funding),
      tierStart,
      mmr,
      haircut,
      eligible: eligible ? "1" : "0",
    };
  };

  it("leaf = Account.hash(); flagged = isFlagged (eligible: any index but 0; not eligible: the fund)", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), fc.boolean(), fc.boolean(), async (seed, realistic, nearMM) => {
        const { a, prices, cfg, funding } = randomCase(seed, realistic, nearMM);
        const e = epochOf(cfg, prices, funding);
        for (const [eligible, index] of [
          [true, 5n],
          [false, 0n],
        ] as const) {
          const w = await honest(c, inputs(a, cfg, prices, funding, eligible));
          expect([c.value(w, "leaf"), c.value(w, "flagged")]).toEqual([
            a.hash(),
            isFlagged(e, index, a) ? 1n : 0n,
          ]);
        }
      }),
      { numRuns: 20 },
    );
  });

  it("an account with no position is never flagged, even bankrupt; the fund is never flagged", async () => {
    const { a, prices, cfg, funding } = randomCase(11, true, false);
    a.sizes = [0n, 0n];
    a.balances = [0n, 0n];
    a.quote = -1n;
    const e = epochOf(cfg, prices, funding);
    expect(computeMargin(a, cfg, prices, funding).liquidatable).toBe(true);
    expect(isFlagged(e, 5n, a)).toBe(false);
    const w = await honest(c, inputs(a, cfg, prices, funding, true));
    expect(c.value(w, "flagged")).toBe(0n);
    // Liquidatable with a position: flagged unless it is the fund.
    a.sizes = [1n, 0n];
    a.quote = -pow2(90);
    expect(isFlagged(e, 5n, a)).toBe(true);
    expect(c.value(await honest(c, inputs(a, cfg, prices, funding, true)), "flagged")).toBe(1n);
    expect(c.value(await honest(c, inputs(a, cfg, prices, funding, false)), "flagged")).toBe(0n);
  });

  it("a leaf size outside Int64 has no witness", async () => {
    const { a, prices, cfg, funding } = randomCase(12, true, false);
    const i = inputs(a, cfg, prices, funding, true);
    i.acct.sizes[1] = pow2(63).toString();
    await expectWitnessFails(c, i);
  });

  it("tampering: the flag, the liquidatable-and-open product, the leaf hash, the settled quote", async () => {
    const { a, prices, cfg, funding } = randomCase(13, true, false);
    a.sizes = [1n, 0n];
    a.quote = -pow2(90);
    const w = await honest(c, inputs(a, cfg, prices, funding, true));
    expect(c.value(w, "flagged")).toBe(1n);
    const t = (name: string, f: (v: bigint) => bigint): bigint[] => c.tamper(w, name, f(c.value(w, name)));
    await expectViolated(c, t("flagged", flip));
    await expectViolated(c, t("liquidatableOpen", flip));
    await expectViolated(c, t("health.liquidatable", flip));
    await expectViolated(
      c,
      t("leaf", (v) => v + 1n),
    );
    await expectViolated(
      c,
      t(wire(c, ["settle.newQuote", "health.quote"]), (v) => v + 1n),
    );
    await expectViolated(
      c,
      t("acct.quote", (v) => v + 1n),
    );
    await expectAllPinned(c, w, zeroInputInverses(c, w));
  });
});

describe("SubtreeRoot(3)", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await marginCircuit("subtree_root", "SubtreeRoot", [3]);
  });

  it("equals the model's subtreeRoot and the sparse tree's node over the same leaves, for any field elements", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const rng = new Rng(seed);
        const leaves = Array.from({ length: 8 }, () => [0n, P - 1n, EMPTY_LEAF, rng.field()][rng.int(4)]!);
        // Independently: the same 8 leaves as a depth-3 tree.
        const t = new SparseMerkleTree(3, EMPTY_LEAF);
        leaves.forEach((l, i) => t.set(BigInt(i), l));
        expect(subtreeRoot(leaves)).toBe(t.root);
        const w = await honest(c, { leaves: leaves.map(String) });
        expect(c.value(w, "root")).toBe(t.root);
      }),
      { numRuns: 8 },
    );
  });

  it("tampering: an inner node, the root; no free wire", async () => {
    const rng = new Rng(14);
    const w = await honest(c, { leaves: Array.from({ length: 8 }, () => rng.field().toString()) });
    await expectViolated(c, c.tamper(w, "node[1]", c.value(w, "node[1]") + 1n));
    await expectViolated(c, c.tamper(w, "root", c.value(w, "root") + 1n));
    await expectAllPinned(c, w);
  });
});

describe(`ChunkPath(${TEST.accountDepth}, 3, EMPTY_LEAF)`, () => {
  const depth = TEST.accountDepth;
  const k = 3;
  const empties = emptyHashes(EMPTY_LEAF, depth);
  let c: Circuit;
  beforeAll(async () => {
    c = await marginCircuit("chunk_path", "ChunkPath", [depth, k, EMPTY_LEAF], ["chunkIndex"]);
  });
  /** A depth-6 tree with a few leaves; the path of chunk s (leaves 8s .. 8s + 7) read from it. */
  const chunkOfTree = (rng: Rng, s: bigint) => {
    const t = new SparseMerkleTree(depth, EMPTY_LEAF);
    for (let i = rng.int(6); i > 0; i--) t.set(BigInt(rng.int(1 << depth)), rng.field());
    const first = s << BigInt(k);
    const leaves = Array.from({ length: 1 << k }, (_, i) => t.leaf(first + BigInt(i)));
    return { t, sub: subtreeRoot(leaves), siblings: t.proof(first).siblings.slice(k) };
  };

  it("root = the tree's root; rightEmpty ⇔ every leaf right of the chunk is empty (checked leaf by leaf)", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const rng = new Rng(seed);
        const s = BigInt(rng.int(8));
        const { t, sub, siblings } = chunkOfTree(rng, s);
        const w = await honest(c, { subtreeRoot: sub, chunkIndex: s, siblings });
        expect(c.value(w, "root")).toBe(t.root);
        expect(rootFromPath(s, sub, siblings)).toBe(t.root);
        const lastLeaf = ((s + 1n) << BigInt(k)) - 1n;
        const rightEmpty = t.indices().every((i) => i <= lastLeaf);
        expect(rightOfPathEmpty(s, k, siblings, empties)).toBe(rightEmpty);
        expect(c.value(w, "rightEmpty")).toBe(rightEmpty ? 1n : 0n);
      }),
      { numRuns: 20 },
    );
  });

  it("a chunk index of 2^(depth − k) or more has no witness", async () => {
    const { sub, siblings } = chunkOfTree(new Rng(15), 7n);
    for (const s of [8n, 15n, P - 1n])
      await expectWitnessFails(c, { subtreeRoot: sub, chunkIndex: s, siblings });
  });

  it("tampering: a path bit of 2 with the index sum kept, rightEmpty, an emptiness test, the root; no free wire", async () => {
    const rng = new Rng(16);
    const t = new SparseMerkleTree(depth, EMPTY_LEAF);
    t.set(17n, rng.field());
    // Chunk 2 = 0b010 holds leaf 17; everything right of it is empty, so rightEmpty = 1.
    const leaves = Array.from({ length: 8 }, (_, i) => t.leaf(16n + BigInt(i)));
    const siblings = t.proof(16n).siblings.slice(k);
    const w = await honest(c, { subtreeRoot: subtreeRoot(leaves), chunkIndex: 2n, siblings });
    expect(c.value(w, "rightEmpty")).toBe(1n);
    const bit = (j: number): string => wire(c, [`idx.bits[${j}]`, `idx.n2b.out[${j}]`]);
    // Σ b·2^j = 2 with b = (2, 0, 0): a non-boolean bit picks a different pair and claims a right child nowhere.
    await expectViolated(c, c.tamperMany(w, { [bit(0)]: 2n, [bit(1)]: 0n }));
    await expectViolated(c, c.tamper(w, "rightEmpty", 0n));
    const e0 = wire(c, ["isEmpty[0].out", "isEmpty[0].isz.out"]);
    await expectViolated(c, c.tamper(w, e0, flip(c.value(w, e0))));
    await expectViolated(c, c.tamper(w, "root", c.value(w, "root") + 1n));
    await expectAllPinned(c, w, zeroInputInverses(c, w));
  });

  it("a non-empty subtree right of the chunk makes rightEmpty 0, and the witness cannot claim 1", async () => {
    const t = new SparseMerkleTree(depth, EMPTY_LEAF);
    t.set(17n, 1n);
    t.set(40n, 2n);
    const leaves = Array.from({ length: 8 }, (_, i) => t.leaf(16n + BigInt(i)));
    const w = await honest(c, {
      subtreeRoot: subtreeRoot(leaves),
      chunkIndex: 2n,
      siblings: t.proof(16n).siblings.slice(k),
    });
    expect(c.value(w, "rightEmpty")).toBe(0n);
    await expectViolated(c, c.tamper(w, "rightEmpty", 1n));
    await expectSatisfied(c, w);
  });
});

describe("FlagWords(600): three words, the last one partial", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await marginCircuit("flag_words", "FlagWords", [600], ["flags"]);
  });

  it("equals the model's flagWords; flagsFromWords reads the flags back", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 600, maxLength: 600 }), async (flags) => {
        const w = await honest(c, { flags: flags.map((f) => (f ? "1" : "0")) });
        const words = [0, 1, 2].map((i) => c.value(w, `words[${i}]`));
        expect(words).toEqual(flagWords(flags));
        expect(flagsFromWords(words, 600)).toEqual(flags);
      }),
      { numRuns: 10 },
    );
  });

  it("tampering: a word moved by one bit, a flag changed alone", async () => {
    const flags = Array.from({ length: 600 }, (_, i) => i % 7 === 0);
    const w = await honest(c, { flags: flags.map((f) => (f ? "1" : "0")) });
    for (const i of [0, 1, 2])
      await expectViolated(c, c.tamper(w, `words[${i}]`, c.value(w, `words[${i}]`) ^ 1n));
    await expectViolated(c, c.tamper(w, "flags[300]", 1n));
    await expectAllPinned(c, w);
  });
});
