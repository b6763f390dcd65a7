// Margin templates (circuits/lib/account_margin, settle_funding, health_ratio_non_decreasing) against
// protocol/margin.ts and protocol/ops/common.ts: PROTOCOL §5.2 (figures, flags, health ratio) and §7 (funding
// settlement). Expected values come from the model, or from the spec's own worked examples (§5.3, §7.4).
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Account } from "../../protocol/account.js";
import { RiskConfig, UNUSED_TIER_START } from "../../protocol/config.js";
import { MARGIN_VALUE_BITS, PARAM_SETS, QUOTE_BITS, RATE_SCALE } from "../../protocol/constants.js";
import { ceilDiv, isInt } from "../../protocol/field.js";
import { isProtocolError } from "../../protocol/errors.js";
import {
  computeMargin,
  healthRatioNonDecreasing,
  type Margin,
  type MarginInputs,
  type Prices,
} from "../../protocol/margin.js";
import { settleFunding } from "../../protocol/ops/common.js";
import {
  fe,
  fes,
  marginAccountInputs,
  marginConfigInputs,
  priceInputs,
} from "../../circuits/tooling/inputs.js";
import {
  circuit,
  expectAllPinned,
  expectViolated,
  expectWitnessFails,
  honest,
  mod,
  type Circuit,
} from "./harness/index.js";
import { pow2, randomAccount, randomConfig, randomPrices, Rng, seeds } from "./harness/gen.js";

const TEST = PARAM_SETS.test;
const PROD = PARAM_SETS.prod;
const USD = 10n ** 16n; // Value units per USD
const PRICE_USD = 10n ** 8n; // Price units per USD
const LOT = 10n ** 8n; // Amount units per whole contract

function marginInputs(
  a: MarginInputs,
  cfg: RiskConfig,
  prices: Prices,
): Record<string, string | string[] | string[][]> {
  return { ...marginAccountInputs(a), ...priceInputs(prices), ...marginConfigInputs(cfg) };
}

/** Circuit outputs of AccountMargin as signed integers. */
function outputs(c: Circuit, w: readonly bigint[], M: number): Record<string, bigint | bigint[]> {
  const names = ["tvS", "mmS", "imS", "tv", "mm", "im", "healthy", "liquidatable", "bankrupt"];
  const o: Record<string, bigint | bigint[]> = Object.fromEntries(names.map((n) => [n, c.signed(w, n)]));
  o.tier = Array.from({ length: M }, (_, m) => c.value(w, `tier[${m}]`));
  return o;
}

function expected(m: Margin): Record<string, bigint | bigint[]> {
  const b = (x: boolean): bigint => (x ? 1n : 0n);
  return {
    tvS: m.tvS,
    mmS: m.mmS,
    imS: m.imS,
    tv: m.tv,
    mm: m.mm,
    im: m.im,
    healthy: b(m.healthy),
    liquidatable: b(m.liquidatable),
    bankrupt: b(m.bankrupt),
    tier: m.perMarket.map((p) => BigInt(p.tier)),
  };
}

/**
 * The circuit agrees with computeMargin: same outputs when the model computes a margin, no witness when the model
 * rejects the account as OUT_OF_RANGE (the model's Int160 checks; unreachable for in-range inputs, see
 * account_margin.circom). Returns the witness when there is one.
 */
async function matchesModel(
  c: Circuit,
  a: MarginInputs,
  cfg: RiskConfig,
  prices: Prices,
): Promise<bigint[] | undefined> {
  let model: Margin;
  try {
    model = computeMargin(a, cfg, prices);
  } catch (e) {
    if (!isProtocolError(e) || e.code !== "OUT_OF_RANGE") throw e;
    await expectWitnessFails(c, marginInputs(a, cfg, prices));
    return undefined;
  }
  const w = await honest(c, marginInputs(a, cfg, prices));
  expect(outputs(c, w, a.sizes.length)).toEqual(expected(model));
  return w;
}

/**
 * Random account, prices, and a config whose tier starts crowd around the account's notionals. With `nearMM` the
 * quote is then moved so that TV lands within a few Value units of MM, where healthy and liquidatable meet.
 */
function randomCase(
  seed: number,
  M: number,
  C: number,
  T: number,
  realistic: boolean,
  allOpen = false,
  nearMM = false,
) {
  const rng = new Rng(seed);
  const a = randomAccount(rng, { markets: M, collaterals: C, orderDepth: 2 }, realistic, allOpen);
  const prices = randomPrices(rng, M, C, realistic);
  const notionals = a.sizes.map((s, m) => (s < 0n ? -s : s) * prices.markets[m]!);
  const cfg = randomConfig(
    rng,
    M,
    C,
    T,
    notionals.map((n) => [n]),
  );
  if (nearMM) {
    const m = computeMargin(a, cfg, prices);
    const quote = a.quote + ceilDiv(m.mmS - m.tvS, RATE_SCALE) + rng.pick(-3n, 3n);
    if (isInt(quote, QUOTE_BITS)) a.quote = quote;
  }
  return { a, prices, cfg };
}

/** §5.3 / §7.4 markets: BTC imr 10 % / mmr 5 %, from 1,000,000 USD imr 20 % / mmr 10 %; a second flat market. */
function exampleConfig(): RiskConfig {
  return new RiskConfig(
    [
      {
        symbol: "BTC",
        tiers: [
          { start: 0n, imr: 100_000n, mmr: 50_000n },
          { start: 1_000_000n * USD, imr: 200_000n, mmr: 100_000n },
        ],
        liquidationFee: 10_000n,
        maxFundingStep: 1_000n,
      },
      {
        symbol: "ETH-PERP",
        tiers: [{ start: 0n, imr: 100_000n, mmr: 50_000n }],
        liquidationFee: 10_000n,
        maxFundingStep: 1_000n,
      },
    ],
    [
      { symbol: "USDC", haircut: 1_000_000n },
      { symbol: "ETH", haircut: 800_000n },
    ],
  ).withTierCount(TEST.tiers);
}

describe(`AccountMargin(${TEST.markets}, ${TEST.collaterals}, ${TEST.tiers})`, () => {
  const [M, C, T] = [TEST.markets, TEST.collaterals, TEST.tiers];
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("account_margin", "AccountMargin", [M, C, T]);
  });

  it("equals computeMargin on realistic accounts with tier starts at, below and above the notional", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), fc.boolean(), async (seed, nearMM) => {
        const { a, prices, cfg } = randomCase(seed, M, C, T, true, false, nearMM);
        await matchesModel(c, a, cfg, prices);
      }),
      { numRuns: 30 },
    );
  });

  it("equals computeMargin, or rejects exactly when the model does, over the full input ranges", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const { a, prices, cfg } = randomCase(seed, M, C, T, false);
        await matchesModel(c, a, cfg, prices);
      }),
      { numRuns: 30 },
    );
  });

  it("all markets open", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const { a, prices, cfg } = randomCase(seed, M, C, T, true, true);
        expect(a.sizes.every((s) => s !== 0n)).toBe(true);
        await matchesModel(c, a, cfg, prices);
      }),
      { numRuns: 10 },
    );
  });

  it("the §5.3 worked example: TV 4,600, MM 1,500, IM 3,000 USD; IM 60,000 at 10 BTC and 140,000 at 20 BTC", async () => {
    const cfg = exampleConfig();
    const prices = {
      markets: [60_000n * PRICE_USD, 3_000n * PRICE_USD],
      collaterals: [1n * PRICE_USD, 3_000n * PRICE_USD],
    };
    const a = {
      quote: -30_000n * USD,
      balances: [1_000n * LOT, (15n * LOT) / 10n],
      sizes: [LOT / 2n, 0n],
      fundingIndices: [0n, 0n],
    };
    const w = (await matchesModel(c, a, cfg, prices))!;
    expect([c.signed(w, "tv"), c.signed(w, "mm"), c.signed(w, "im")]).toEqual([
      4_600n * USD,
      1_500n * USD,
      3_000n * USD,
    ]);
    expect([c.value(w, "healthy"), c.value(w, "liquidatable"), c.value(w, "tier[0]")]).toEqual([1n, 0n, 0n]);
    const w10 = (await matchesModel(c, { ...a, sizes: [10n * LOT, 0n] }, cfg, prices))!;
    expect(c.signed(w10, "im")).toBe(60_000n * USD);
    const w20 = (await matchesModel(c, { ...a, sizes: [20n * LOT, 0n] }, cfg, prices))!;
    expect(c.signed(w20, "im")).toBe(140_000n * USD);
    expect(c.value(w20, "tier[0]")).toBe(1n);
  });

  it("equity exactly at MM is healthy; one Value unit less is liquidatable (§7.4: long 1 BTC at 60,000, MM 3,000)", async () => {
    const cfg = exampleConfig();
    const prices = { markets: [60_000n * PRICE_USD, 1n], collaterals: [1n, 1n] };
    // TV = quote + 60,000 USD = 3,000 USD = MM = 60,000 · 5 %.
    const atMM = { quote: -57_000n * USD, balances: [0n, 0n], sizes: [LOT, 0n], fundingIndices: [0n, 0n] };
    const w = (await matchesModel(c, atMM, cfg, prices))!;
    expect([c.signed(w, "tv"), c.signed(w, "mm")]).toEqual([3_000n * USD, 3_000n * USD]);
    expect([c.value(w, "healthy"), c.value(w, "liquidatable"), c.value(w, "bankrupt")]).toEqual([1n, 0n, 0n]);
    const below = (await matchesModel(c, { ...atMM, quote: atMM.quote - 1n }, cfg, prices))!;
    expect([c.value(below, "healthy"), c.value(below, "liquidatable")]).toEqual([0n, 1n]);
  });

  it("a notional exactly at a tier start selects that tier; one unit below does not", async () => {
    const cfg = exampleConfig();
    const start = 1_000_000n * USD;
    // N = size · P with P = 10^8 (1 USD): size = start / 10^8 lands exactly on the start.
    const prices = { markets: [PRICE_USD, 1n], collaterals: [1n, 1n] };
    const at = { quote: 0n, balances: [0n, 0n], sizes: [start / PRICE_USD, 0n], fundingIndices: [0n, 0n] };
    expect((await matchesModel(c, at, cfg, prices))![c.signalIndex("tier[0]")]).toBe(1n);
    const justBelow = { ...at, sizes: [start / PRICE_USD - 1n, 0n] };
    expect((await matchesModel(c, justBelow, cfg, prices))![c.signalIndex("tier[0]")]).toBe(0n);
  });

  it("zero sizes: no requirement, tier 0, TV from quote and collateral only", async () => {
    const cfg = exampleConfig();
    const prices = { markets: [1n, 1n], collaterals: [PRICE_USD, 3_000n * PRICE_USD] };
    const a = { quote: 5n, balances: [3n, 7n], sizes: [0n, 0n], fundingIndices: [0n, 0n] };
    const w = (await matchesModel(c, a, cfg, prices))!;
    expect([c.signed(w, "mmS"), c.signed(w, "imS"), c.value(w, "tier[0]")]).toEqual([0n, 0n, 0n]);
  });

  it("rounding at the sign boundary: TVs = −200,000 shows tv = −1 and is bankrupt; TVs = 0 is not", async () => {
    const cfg = exampleConfig();
    const prices = { markets: [1n, 1n], collaterals: [1n, 1n] };
    // quote −1 Value unit = −10^6 Scaled; 1 unit of ETH collateral at price 1 with haircut 0.8 = +800,000 Scaled.
    const w = (await matchesModel(
      c,
      { quote: -1n, balances: [0n, 1n], sizes: [0n, 0n], fundingIndices: [0n, 0n] },
      cfg,
      prices,
    ))!;
    expect([c.signed(w, "tvS"), c.signed(w, "tv"), c.value(w, "bankrupt")]).toEqual([-200_000n, -1n, 1n]);
    // quote −1 Value unit against 1 unit of USDC collateral (haircut 1): exactly 0, neither negative nor bankrupt.
    const z = (await matchesModel(
      c,
      { quote: -1n, balances: [1n, 0n], sizes: [0n, 0n], fundingIndices: [0n, 0n] },
      cfg,
      prices,
    ))!;
    expect([c.signed(z, "tvS"), c.signed(z, "tv"), c.value(z, "bankrupt"), c.value(z, "healthy")]).toEqual([
      0n,
      0n,
      0n,
      1n,
    ]);
  });

  it("maximum size, price, quote and collateral together: exact, with no wrap (|TVs| ≈ 2^142)", async () => {
    const cfg = exampleConfig();
    const maxP = pow2(56) - 1n;
    const maxBal = pow2(64) - 1n;
    const full = { markets: [maxP, maxP], collaterals: [maxP, maxP] };
    for (const quote of [pow2(95) - 1n, -pow2(95)]) {
      for (const sizes of [
        [pow2(63) - 1n, pow2(63) - 1n],
        [-pow2(63), -pow2(63)],
        [pow2(63) - 1n, -pow2(63)],
      ]) {
        const w = (await matchesModel(
          c,
          { quote, balances: [maxBal, maxBal], sizes, fundingIndices: [0n, 0n] },
          cfg,
          full,
        ))!;
        expect(w).toBeDefined();
        // Both markets beyond the 1,000,000 USD tier start.
        expect([c.value(w, "tier[0]"), c.value(w, "tier[1]")]).toEqual([1n, 0n]);
      }
    }
    // The extreme price at size ±1 (notional below every tier start).
    const zero = { quote: 0n, balances: [0n, 0n], fundingIndices: [0n, 0n] };
    expect(
      await matchesModel(c, { ...zero, sizes: [1n, -1n] }, cfg, {
        markets: [maxP, maxP],
        collaterals: [1n, 1n],
      }),
    ).toBeDefined();
  });

  it("rejects sizes beyond Int64 (range-checked in the template by Abs) [I11]", async () => {
    const { a, prices, cfg } = randomCase(5, M, C, T, true);
    const inputs = marginInputs(a, cfg, prices);
    await expectWitnessFails(c, { ...inputs, sizes: [fe(pow2(63)), fe(0n)] });
    await expectWitnessFails(c, { ...inputs, sizes: [fe(0n), fe(-pow2(63) - 1n)] });
  });

  it("rejects tampered figures, flags, tier selectors, notional and division hints; every wire is pinned", async () => {
    // Two open markets, market 0 in its second tier, healthy: a rich witness to attack.
    const cfg = exampleConfig();
    const prices = {
      markets: [60_000n * PRICE_USD, 3_000n * PRICE_USD],
      collaterals: [PRICE_USD, 3_000n * PRICE_USD],
    };
    const a = {
      quote: 10_000n * USD,
      balances: [5n * LOT, 2n * LOT],
      sizes: [20n * LOT, -3n * LOT],
      fundingIndices: [0n, 0n],
    };
    const w = (await matchesModel(c, a, cfg, prices))!;
    expect(c.value(w, "tier[0]")).toBe(1n);
    const flip = (n: string): bigint[] => c.tamper(w, n, 1n - c.value(w, n));
    const bump = (n: string, d = 1n): bigint[] => c.tamper(w, n, c.value(w, n) + d);
    for (const n of ["healthy", "liquidatable", "bankrupt"]) await expectViolated(c, flip(n));
    for (const n of ["tvS", "mmS", "imS", "tv", "mm", "im", "tier[0]", "tier[1]"]) {
      await expectViolated(c, bump(n));
      await expectViolated(c, bump(n, -1n));
    }
    for (const n of ["notional[0]", "excess[0][0]", "absSize[1].neg"]) await expectViolated(c, bump(n));
    // Division remainders are substituted away by --O2 (r = TVs − 10^6·tv), so claiming tv + 1 above already is the
    // "remainder driven negative through the field" attack; their range bits are wires and are pinned.
    for (const n of ["tvDiv.rRange.bits[0]", "mmDiv.rRange.bits[0]", "imDiv.rRange.bits[0]"])
      await expectViolated(c, flip(n));
    // The tier comparator's bits: flip a low bit of LessThan(120)'s difference decomposition.
    const bit = "below[0][0].n2b.out[0]";
    await expectViolated(c, flip(bit));
    await expectAllPinned(c, w);
  });
});

describe("AccountMargin(2, 1, 3): three tiers, unused tiers padded at 2^120 − 1", () => {
  it("equals computeMargin", async () => {
    const c = await circuit("account_margin", "AccountMargin", [2, 1, 3]);
    await fc.assert(
      fc.asyncProperty(seeds(), fc.boolean(), async (seed, realistic) => {
        const { a, prices, cfg } = randomCase(seed, 2, 1, 3, realistic, false, realistic);
        await matchesModel(c, a, cfg, prices);
      }),
      { numRuns: 30 },
    );
    // A notional just under an unused tier's start still sits in the last used tier.
    const cfg = new RiskConfig(
      [0, 1].map((m) => ({
        symbol: `M${m}`,
        tiers: [
          { start: 0n, imr: 100_000n, mmr: 50_000n },
          { start: 10n, imr: 200_000n, mmr: 60_000n },
        ],
        liquidationFee: 0n,
        maxFundingStep: 0n,
      })),
      [{ symbol: "C", haircut: 0n }],
    ).withTierCount(3);
    expect(cfg.markets[0]!.tiers[2]!.start).toBe(UNUSED_TIER_START);
    const w = (await matchesModel(
      c,
      { quote: 0n, balances: [0n], sizes: [pow2(63) - 1n, 0n], fundingIndices: [0n, 0n] },
      cfg,
      { markets: [pow2(40), 1n], collaterals: [1n] },
    ))!;
    expect(c.value(w, "tier[0]")).toBe(1n);
  });
});

describe(`AccountMargin(${PROD.markets}, ${PROD.collaterals}, ${PROD.tiers}) at prod dims`, () => {
  it("equals computeMargin", async () => {
    const c = await circuit("account_margin", "AccountMargin", [PROD.markets, PROD.collaterals, PROD.tiers]);
    for (const seed of [1, 2, 3, 4]) {
      const { a, prices, cfg } = randomCase(
        seed,
        PROD.markets,
        PROD.collaterals,
        PROD.tiers,
        seed % 2 === 0,
        true,
        seed % 2 === 0,
      );
      await matchesModel(c, a, cfg, prices);
    }
  });
});

describe(`SettleFunding(${TEST.markets})`, () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("settle_funding", "SettleFunding", [TEST.markets]);
  });

  const settle = (a: Account, indices: bigint[]) => {
    const s = a.clone();
    settleFunding(s, indices);
    return s;
  };
  const inputs = (a: Account, indices: bigint[]) => ({
    quote: fe(a.quote),
    sizes: fes(a.sizes),
    fundingIndices: fes(a.fundingIndices),
    indices: fes(indices),
  });

  it("equals protocol settleFunding (longs pay when the index rises) [I4]", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const rng = new Rng(seed);
        const a = randomAccount(rng, TEST, rng.bool());
        const indices = a.fundingIndices.map(() => rng.pick(-pow2(63), pow2(63) - 1n));
        const s = settle(a, indices);
        const w = await honest(c, inputs(a, indices));
        expect(c.signed(w, "newQuote")).toBe(s.quote);
        expect([0, 1].map((m) => c.signed(w, `newFundingIndices[${m}]`))).toEqual(s.fundingIndices);
      }),
      { numRuns: 20 },
    );
  });

  it("is exact at the extremes (|payment| ≈ 2^127, no field wrap), where the result leaves Int96", async () => {
    const a = Account.empty(TEST);
    a.quote = pow2(95) - 1n;
    a.sizes = [-pow2(63), pow2(63) - 1n];
    a.fundingIndices = [pow2(63) - 1n, -pow2(63)];
    const indices = [-pow2(63), pow2(63) - 1n];
    const s = settle(a, indices);
    // By hand: −(−2^63)·(−2^64 + 1) − (2^63 − 1)·(2^64 − 1) subtracted from 2^95 − 1.
    const byHand = pow2(95) - 1n - (-pow2(63) * (-pow2(64) + 1n) + (pow2(63) - 1n) * (pow2(64) - 1n));
    expect(s.quote).toBe(byHand);
    const w = await honest(c, inputs(a, indices));
    expect(c.signed(w, "newQuote")).toBe(byHand);
  });

  it("settled in-circuit and fed to AccountMargin, gives computeMargin with unsettled funding", async () => {
    const m = await circuit("account_margin", "AccountMargin", [TEST.markets, TEST.collaterals, TEST.tiers]);
    const cfg = exampleConfig();
    for (const seed of [11, 12, 13]) {
      const rng = new Rng(seed);
      const a = randomAccount(rng, TEST, true);
      const prices = randomPrices(rng, TEST.markets, TEST.collaterals, true);
      const indices = a.fundingIndices.map((f) => f + rng.pick(-pow2(30), pow2(30)));
      const w = await honest(c, inputs(a, indices));
      const settled = {
        quote: c.signed(w, "newQuote"),
        balances: a.balances,
        sizes: a.sizes,
        fundingIndices: indices,
      };
      const wm = await honest(m, marginInputs(settled, cfg, prices));
      const model = computeMargin(a, cfg, prices, indices);
      expect(model.unsettledFunding).not.toBe(0n);
      expect(m.signed(wm, "tvS")).toBe(model.tvS);
      expect(m.signed(wm, "mmS")).toBe(model.mmS);
    }
  });

  it("rejects a tampered payment, settled quote or new index; every wire is pinned", async () => {
    const a = randomAccount(new Rng(9), TEST, true);
    a.sizes = [5n, -7n];
    const indices = a.fundingIndices.map((f) => f + 3n);
    const w = await honest(c, inputs(a, indices));
    await expectViolated(c, c.tamper(w, "payment[0]", c.value(w, "payment[0]") + 1n));
    await expectViolated(c, c.tamper(w, "newQuote", c.value(w, "newQuote") - 1n));
    await expectViolated(c, c.tamper(w, "newFundingIndices[1]", c.value(w, "newFundingIndices[1]") + 1n));
    await expectAllPinned(c, w);
  });
});

describe("HealthRatioNonDecreasing", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("health_ratio_non_decreasing", "HealthRatioNonDecreasing");
  });
  const run = async (tvB: bigint, mmB: bigint, tvA: bigint, mmA: bigint): Promise<bigint[]> =>
    honest(c, { tvBefore: mod(tvB), mmBefore: mmB, tvAfter: mod(tvA), mmAfter: mmA });

  it("equals protocol healthRatioNonDecreasing on margins of random accounts [I6][I7]", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const { a, prices, cfg } = randomCase(seed, TEST.markets, TEST.collaterals, TEST.tiers, true);
        const before = computeMargin(a, cfg, prices);
        const rng = new Rng(seed + 1);
        const b = { ...a, quote: a.quote + rng.pick(-pow2(70), pow2(70)), sizes: a.sizes.map((s) => s / 2n) };
        const after = computeMargin(b, cfg, prices);
        const w = await run(before.tv, before.mm, after.tv, after.mm);
        expect(c.value(w, "out")).toBe(healthRatioNonDecreasing(before, after) ? 1n : 0n);
      }),
      { numRuns: 20 },
    );
  });

  it(`TV'·MM ≥ TV·MM' at the Int${MARGIN_VALUE_BITS} extremes and at equality (hand-computed)`, async () => {
    const hi = pow2(MARGIN_VALUE_BITS - 1) - 1n;
    const lo = -pow2(MARGIN_VALUE_BITS - 1);
    const cases: [bigint, bigint, bigint, bigint][] = [
      [lo, hi, hi, hi], // −2^125·(2^125−1) ≤ (2^125−1)^2
      [hi, hi, hi, lo], // lhs = (2^125−1)^2 ≥ rhs = (2^125−1)·(−2^125)
      [lo, lo, lo, lo], // products of 2^250 on both sides: the widest the comparison must handle
      [hi, hi, lo, hi],
      [lo, hi, lo, hi], // equal: ratio unchanged
      [5n, 6n, 5n, 6n],
      [2_500n, 3_000n, 1_250n, 1_500n], // §7.4: 5/6 before and after
      [2_500n, 3_000n, 1_249n, 1_500n],
      [-1n, 0n, -1n, 0n], // MM = 0 on both sides: 0 ≥ 0
    ];
    for (const [tvB, mmB, tvA, mmA] of cases) {
      const w = await run(tvB, mmB, tvA, mmA);
      expect(c.value(w, "out")).toBe(tvA * mmB >= tvB * mmA ? 1n : 0n);
    }
  });

  it(`has no witness where a product wraps the field (inputs far outside Int${MARGIN_VALUE_BITS})`, async () => {
    const x = pow2(127);
    // lhs = −2^254, rhs = 2^254 (mod r): the shifted difference lhs − rhs + 2^252 reduced mod r is not below
    // 2^253, so SignedLessThan(252)'s decomposition has no witness.
    expect(mod(mod(-x * x) - mod(x * x) + pow2(252)) >= pow2(253)).toBe(true);
    await expectWitnessFails(c, { tvBefore: x, mmBefore: x, tvAfter: mod(-x), mmAfter: x });
  });

  it("rejects a flipped result and tampered products; every wire is pinned", async () => {
    const w = await run(2_500n, 3_000n, 1_250n, 1_500n);
    await expectViolated(c, c.tamper(w, "out", 0n));
    await expectViolated(c, c.tamper(w, "lhs", c.value(w, "lhs") + 1n));
    await expectViolated(c, c.tamper(w, "rhs", c.value(w, "rhs") - 1n));
    await expectAllPinned(c, w);
  });
});
