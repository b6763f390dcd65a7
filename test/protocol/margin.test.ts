// Risk config and margin math (PROTOCOL §5): RiskConfig validation, tier padding, deductions and configHash;
// the §5.3 worked example, rounding of shown figures, the fill rule R, and properties checked against an
// independent "tax bracket" derivation (fixtures.naiveMargin), including tier continuity. A config the circuits
// cannot represent must be refused before it is committed.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Account,
  checkPrices,
  computeMargin,
  DOMAIN_CONFIG,
  fillMarginRule,
  hashTagged,
  healthRatioNonDecreasing,
  isRiskIncreasing,
  leafFieldCount,
  makeDomain,
  makeParams,
  type Margin,
  type MarketConfig,
  MAX_FUNDING_RATE_PPM_CAP,
  MAX_LIQUIDATION_FEE_PPM,
  PARAM_SETS,
  paramSet,
  parseRate,
  type Prices,
  RATE_SCALE,
  RiskConfig,
  type Tier,
  tierOf,
  UNUSED_TIER_START,
} from "../../protocol/index.js";
import {
  arbRiskConfig,
  arbTiers,
  BTC,
  codeOf,
  CONFIG,
  DOMAIN,
  ETHP,
  lots,
  naiveMargin,
  PARAMS,
  ppm,
  PRICES,
  px,
  shown,
  SIZES,
  usd,
} from "./fixtures.js";

const t = (start: bigint, imr: string, mmr: string): Tier => ({ start, imr: ppm(imr), mmr: ppm(mmr) });
const market = (tiers: Tier[], over: Partial<MarketConfig> = {}): MarketConfig => ({
  symbol: "BTC",
  tiers,
  liquidationFee: ppm("0.01"),
  maxFundingStep: ppm("0.001"),
  ...over,
});
const build = (m: MarketConfig, haircut = ppm("1")) =>
  codeOf(() => new RiskConfig([m], [{ symbol: "USDC", haircut }]));

describe("RiskConfig validation (PROTOCOL §5.1)", () => {
  it("accepts the §5.3 config", () => {
    expect(build(market([t(0n, "0.1", "0.05"), t(usd("1000000"), "0.2", "0.1")]))).toBe("NO_ERROR");
  });

  const bad: [string, MarketConfig, string][] = [
    ["no tier", market([]), "BAD_CONFIG"],
    ["first tier not at 0", market([t(1n, "0.1", "0.05")]), "BAD_CONFIG"],
    ["equal tier starts", market([t(0n, "0.1", "0.05"), t(0n, "0.2", "0.1")]), "BAD_CONFIG"],
    [
      "decreasing tier starts",
      market([t(0n, "0.1", "0.05"), t(10n, "0.2", "0.1"), t(5n, "0.3", "0.2")]),
      "BAD_CONFIG",
    ],
    ["mmr 0", market([t(0n, "0.1", "0")]), "BAD_CONFIG"],
    ["mmr above imr", market([t(0n, "0.05", "0.1")]), "BAD_CONFIG"],
    ["imr above 1", market([{ start: 0n, imr: 1_000_001n, mmr: ppm("0.1") }]), "BAD_CONFIG"],
    ["imr decreasing", market([t(0n, "0.2", "0.05"), t(10n, "0.1", "0.05")]), "BAD_CONFIG"],
    ["mmr decreasing", market([t(0n, "0.2", "0.1"), t(10n, "0.2", "0.05")]), "BAD_CONFIG"],
    [
      "a used tier after an unused one",
      market([t(0n, "0.1", "0.05"), t(UNUSED_TIER_START, "0.1", "0.05"), t(10n, "0.2", "0.1")]),
      "BAD_CONFIG",
    ],
    [
      "liquidation fee above cap",
      market([t(0n, "0.1", "0.05")], { liquidationFee: MAX_LIQUIDATION_FEE_PPM + 1n }),
      "BAD_CONFIG",
    ],
    [
      "funding step above cap",
      market([t(0n, "0.1", "0.05")], { maxFundingStep: MAX_FUNDING_RATE_PPM_CAP + 1n }),
      "BAD_CONFIG",
    ],
    [
      "tier start beyond Uint120",
      market([t(0n, "0.1", "0.05"), t(1n << 120n, "0.2", "0.1")]),
      "OUT_OF_RANGE",
    ],
    ["negative tier start", market([t(0n, "0.1", "0.05"), t(-5n, "0.2", "0.1")]), "OUT_OF_RANGE"],
    ["rate beyond Uint20", market([{ start: 0n, imr: 1n << 20n, mmr: 1n }]), "OUT_OF_RANGE"],
    ["negative liquidation fee", market([t(0n, "0.1", "0.05")], { liquidationFee: -1n }), "OUT_OF_RANGE"],
    ["negative funding step", market([t(0n, "0.1", "0.05")], { maxFundingStep: -1n }), "OUT_OF_RANGE"],
  ];
  for (const [what, m, code] of bad) {
    it(`refuses ${what} (${code})`, () => expect(build(m)).toBe(code));
  }

  it("accepts the caps themselves, rates of exactly 1, and unused tiers after used ones", () => {
    const m = market([t(0n, "1", "1"), t(UNUSED_TIER_START, "1", "1"), t(UNUSED_TIER_START, "1", "1")], {
      liquidationFee: MAX_LIQUIDATION_FEE_PPM,
      maxFundingStep: MAX_FUNDING_RATE_PPM_CAP,
    });
    expect(build(m)).toBe("NO_ERROR");
  });

  it("haircuts lie in [0, 1]; symbols are unique across markets and collaterals", () => {
    const m = market([t(0n, "0.1", "0.05")]);
    expect(build(m, 0n)).toBe("NO_ERROR");
    expect(build(m, 1_000_001n)).toBe("BAD_CONFIG");
    expect(build(m, -1n)).toBe("OUT_OF_RANGE");
    expect(codeOf(() => new RiskConfig([m], [{ symbol: "BTC", haircut: 0n }]))).toBe("BAD_CONFIG");
    expect(codeOf(() => new RiskConfig([m, m], []))).toBe("BAD_CONFIG");
  });

  it("parseRate reads decimal fractions into ppm and refuses values outside [0, 1] or finer than 1e-6", () => {
    expect(parseRate("0.05", "r")).toBe(50_000n);
    expect(parseRate("1", "r")).toBe(1_000_000n);
    expect(codeOf(() => parseRate("1.000001", "r"))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => parseRate("-0.1", "r"))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => parseRate("0.0000001", "r"))).toBe("BAD_DECIMAL");
  });

  it("marketIndex / collateralIndex name unknown symbols with their own codes", () => {
    expect(CONFIG.marketIndex("ETH-PERP")).toBe(1);
    expect(CONFIG.collateralIndex("ETH")).toBe(1);
    expect(codeOf(() => CONFIG.marketIndex("DOGE"))).toBe("UNKNOWN_MARKET");
    expect(codeOf(() => CONFIG.collateralIndex("DOGE"))).toBe("UNKNOWN_ASSET");
  });
});

describe("tiers, deductions and the commitment", () => {
  it("withTierCount pads with never-reached tiers at the last rates, and refuses too many tiers", () => {
    const padded = CONFIG.withTierCount(3);
    const eth = padded.markets[1]!;
    expect(eth.tiers.map((x) => x.start)).toEqual([0n, UNUSED_TIER_START, UNUSED_TIER_START]);
    expect(eth.tiers.every((x) => x.imr === ppm("0.1") && x.mmr === ppm("0.05"))).toBe(true);
    expect(codeOf(() => CONFIG.withTierCount(1))).toBe("BAD_CONFIG");
  });

  it("deductions follow ded[k] = ded[k−1] + start[k]·(rate[k] − rate[k−1]) (§5.3: 1e6 USD · 0.1 for IM)", () => {
    const d = CONFIG.deductions[0]!;
    expect(d.im).toEqual([0n, usd("1000000") * (ppm("0.2") - ppm("0.1"))]);
    expect(d.mm).toEqual([0n, usd("1000000") * (ppm("0.1") - ppm("0.05"))]);
  });

  it("configHash = H(DOMAIN_CONFIG, per market (start, imr, mmr)·T, liquidationFee, maxFundingStep; per collateral haircut)", () => {
    const c = CONFIG.withTierCount(2);
    const fields = [
      0n, ppm("0.1"), ppm("0.05"), usd("1000000"), ppm("0.2"), ppm("0.1"), ppm("0.01"), ppm("0.001"),
      0n, ppm("0.1"), ppm("0.05"), UNUSED_TIER_START, ppm("0.1"), ppm("0.05"), ppm("0.02"), ppm("0.002"),
      ppm("1"), ppm("0.8"),
    ]; // prettier-ignore
    expect(c.fields()).toEqual(fields);
    expect(c.hash()).toBe(hashTagged(DOMAIN_CONFIG, fields));
    // Changing any committed number changes the hash.
    const other = new RiskConfig(c.markets, [c.collaterals[0]!, { symbol: "ETH", haircut: ppm("0.79") }]);
    expect(other.hash()).not.toBe(c.hash());
  });

  it("serialize → parse keeps the config and its hash (random valid configs)", () => {
    fc.assert(
      fc.property(arbRiskConfig(2, 2, 3), (c) => {
        const json = JSON.parse(JSON.stringify(c.serialize())) as ReturnType<RiskConfig["serialize"]>;
        const back = RiskConfig.parse(json);
        expect(back.fields()).toEqual(c.fields());
        expect(back.hash()).toBe(c.hash());
        expect(back.markets.map((m) => m.symbol)).toEqual(c.markets.map((m) => m.symbol));
      }),
      { numRuns: 40 },
    );
  });

  it("describe() shows rates as fractions and hides unused tiers", () => {
    const d = CONFIG.withTierCount(2).describe() as { markets: { tiers: { from: string; imr: string }[] }[] };
    expect(d.markets[0]!.tiers).toEqual([
      { from: "0", imr: "0.1", mmr: "0.05" },
      { from: "1000000", imr: "0.2", mmr: "0.1" },
    ]);
    expect(d.markets[1]!.tiers).toHaveLength(1);
  });
});

describe("parameter sets and domains (PROTOCOL §10, §6)", () => {
  it("the test set is depth 6, 2 order levels, 2 markets, 2 collaterals, 2 tiers, 4 slots, 12 leaf fields", () => {
    expect(paramSet("test")).toEqual({ name: "test", ...PARAM_SETS.test });
    expect(SIZES).toMatchObject({
      accountDepth: 6,
      orderDepth: 2,
      markets: 2,
      collaterals: 2,
      tiers: 2,
      opSlots: 4,
    });
    expect(leafFieldCount(PARAM_SETS.test)).toBe(12);
    expect(leafFieldCount(PARAM_SETS.dev)).toBe(16);
    expect(leafFieldCount(PARAM_SETS.prod)).toBe(26);
    expect(codeOf(() => paramSet("huge"))).toBe("BAD_CONFIG");
  });

  it("makeParams refuses a config of the wrong shape and pads tiers to the set's count", () => {
    const one = new RiskConfig([CONFIG.markets[0]!], CONFIG.collaterals);
    expect(codeOf(() => makeParams(SIZES, DOMAIN, one))).toBe("BAD_CONFIG");
    const noColl = new RiskConfig(CONFIG.markets, [CONFIG.collaterals[0]!]);
    expect(codeOf(() => makeParams(SIZES, DOMAIN, noColl))).toBe("BAD_CONFIG");
    expect(makeParams(SIZES, DOMAIN, CONFIG).config.markets.every((m) => m.tiers.length === 2)).toBe(true);
  });

  it("makeDomain range-checks the chain id (Uint64) and contract address (Uint160)", () => {
    expect(makeDomain(1, "0x00000000000000000000000000000000000000ff")).toEqual({
      chainId: 1n,
      contract: 255n,
    });
    expect(codeOf(() => makeDomain(1n << 64n, 1n))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => makeDomain(1n, 1n << 160n))).toBe("OUT_OF_RANGE");
  });
});

const cfg = PARAMS.config;

function margin(
  spec: { quote?: bigint; balances?: bigint[]; sizes?: bigint[]; fi?: bigint[] },
  prices = PRICES,
) {
  const a = Account.empty(SIZES);
  a.quote = spec.quote ?? 0n;
  if (spec.balances) a.balances = spec.balances;
  if (spec.sizes) a.sizes = spec.sizes;
  if (spec.fi) a.fundingIndices = spec.fi;
  return { a, m: computeMargin(a, cfg, prices) };
}

describe("PROTOCOL §5.3 worked example", () => {
  // 1,000 USDC (haircut 1, price 1) and 1.5 ETH at 3,000 (haircut 0.8), quote −30,000, long 0.5 BTC at 60,000.
  const ex = { quote: usd("-30000"), balances: [lots("1000"), lots("1.5")], sizes: [lots("0.5"), 0n] };

  it("TV = 1000 + 1.5·3000·0.8 − 30000 + 0.5·60000 = 4,600; MM = 30,000·0.05 = 1,500; IM = 30,000·0.1 = 3,000", () => {
    const { m } = margin(ex);
    expect(m.tv).toBe(usd("4600"));
    expect(m.mm).toBe(usd("1500"));
    expect(m.im).toBe(usd("3000"));
    expect(m.tvS).toBe(usd("4600") * RATE_SCALE);
    expect(m.perMarket[BTC]!.tier).toBe(0);
    expect(m.perMarket[BTC]!.notional).toBe(usd("30000"));
    expect(m.healthy).toBe(true);
    expect(m.liquidatable).toBe(false);
    expect(m.bankrupt).toBe(false);
  });

  it("at 10 BTC (600,000 notional, still tier 0) IM = 60,000", () => {
    const { m } = margin({ ...ex, sizes: [lots("10"), 0n] });
    expect(m.perMarket[BTC]!.tier).toBe(0);
    expect(m.im).toBe(usd("60000"));
    expect(m.mm).toBe(usd("30000"));
  });

  it("at 20 BTC (1,200,000) IM = 1,200,000·0.2 − 1,000,000·0.1 = 140,000 = 100,000 + 200,000·0.2 (bracket sum)", () => {
    const { a, m } = margin({ ...ex, sizes: [lots("20"), 0n] });
    expect(m.perMarket[BTC]!.tier).toBe(1);
    expect(m.im).toBe(usd("140000"));
    // MM the same way: 1,200,000·0.1 − 1,000,000·0.05 = 70,000 = 50,000 + 200,000·0.1.
    expect(m.mm).toBe(usd("70000"));
    const n = naiveMargin(a, cfg, PRICES);
    expect(m.imS).toBe(n.imS);
    expect(m.mmS).toBe(n.mmS);
  });

  it("a short position needs the same margin as a long of the same |size|", () => {
    const long = margin({ sizes: [lots("20"), lots("3")] }).m;
    const short = margin({ sizes: [-lots("20"), -lots("3")] }).m;
    expect(short.mmS).toBe(long.mmS);
    expect(short.imS).toBe(long.imS);
    expect(short.tvS).toBe(-long.tvS);
  });
});

describe("computeMargin details", () => {
  it("unsettled funding counts against TV exactly as settling would (longs pay when the index rises)", () => {
    // Long 1 BTC last settled at index 0; the index is now +10 USD per BTC: funding owed = 1·10 = 10 USD.
    const a = Account.empty(SIZES);
    a.quote = usd("1000");
    a.sizes = [lots("1"), 0n];
    const m = computeMargin(a, cfg, PRICES, [px("10"), 0n]);
    expect(m.unsettledFunding).toBe(usd("10"));
    expect(m.tv).toBe(usd("1000") + usd("60000") - usd("10"));
    expect(computeMargin(a, cfg, PRICES).tv).toBe(usd("61000"));
  });

  it("shown TV rounds down and shown requirements round up, also below zero", () => {
    // All prices 1 (1e-8 USD): one unit of ETH collateral at haircut 0.8 is worth 800,000 Scaled units (0.8 Value).
    const prices: Prices = { markets: [1n, 1n], collaterals: [1n, 1n] };
    const pos = margin({ balances: [0n, 1n] }, prices).m;
    expect(pos.tvS).toBe(800_000n);
    expect(pos.tv).toBe(0n); // floor(0.8)
    // quote −1 Value unit: TVs = −1,000,000 + 800,000 = −200,000 → floor(−0.2) = −1.
    const neg = margin({ quote: -1n, balances: [0n, 1n] }, prices).m;
    expect(neg.tvS).toBe(-200_000n);
    expect(neg.tv).toBe(-1n);
    // Notional 1·1 = 1 Value unit: MMs = 1·50,000 → ceil(0.05) = 1; IMs = 100,000 → ceil(0.1) = 1.
    const req = margin({ sizes: [1n, 0n] }, prices).m;
    expect([req.mmS, req.imS]).toEqual([50_000n, 100_000n]);
    expect([req.mm, req.im]).toEqual([1n, 1n]);
  });

  it("healthy ⇔ TVs ≥ MMs (boundary healthy), bankrupt ⇔ TVs < 0", () => {
    // Long 1 BTC at 60,000 needs MM 3,000: quote −57,000 gives TV exactly 3,000.
    const edge = margin({ quote: usd("-57000"), sizes: [lots("1"), 0n] }).m;
    expect(edge.tvS).toBe(edge.mmS);
    expect([edge.healthy, edge.liquidatable, edge.bankrupt]).toEqual([true, false, false]);
    const below = margin({ quote: usd("-57000") - 1n, sizes: [lots("1"), 0n] }).m;
    expect([below.healthy, below.liquidatable, below.bankrupt]).toEqual([false, true, false]);
    const broke = margin({ quote: usd("-60000") - 1n, sizes: [lots("1"), 0n] }).m;
    expect([broke.healthy, broke.liquidatable, broke.bankrupt]).toEqual([false, true, true]);
    const zero = margin({ quote: usd("-60000"), sizes: [lots("1"), 0n] }).m;
    expect(zero.bankrupt).toBe(false);
  });

  it("the §5.2 budget: any in-range settled account has TV < 2^125 and MM < 2^124, so the ratio rule never overflows", () => {
    // Every stored field at its extreme, every price at 2^56 − 1, haircut 1 on USDC: the largest figures possible.
    const pmax = (1n << 56n) - 1n;
    const big = { markets: [pmax, pmax], collaterals: [pmax, pmax] };
    const top = margin(
      {
        quote: (1n << 95n) - 1n,
        balances: [(1n << 64n) - 1n, (1n << 64n) - 1n],
        sizes: [(1n << 63n) - 1n, (1n << 63n) - 1n],
      },
      big,
    ).m;
    const bottom = margin({ quote: -(1n << 95n), sizes: [-(1n << 63n), -(1n << 63n)] }, big).m;
    for (const m of [top, bottom]) {
      expect(m.tv < 1n << 125n && m.tv >= -(1n << 125n)).toBe(true);
      expect(m.mm < 1n << 124n).toBe(true);
      expect(codeOf(() => healthRatioNonDecreasing(top, m))).toBe("NO_ERROR");
    }
  });

  it("the ratio rule refuses figures outside Int126 (its stated precondition) rather than compare them [I11]", () => {
    const ok = { tv: 1n, mm: 1n } as Margin;
    expect(codeOf(() => healthRatioNonDecreasing(ok, { tv: 1n << 125n, mm: 1n } as Margin))).toBe(
      "OUT_OF_RANGE",
    );
    expect(codeOf(() => healthRatioNonDecreasing({ tv: 1n, mm: 1n << 125n } as Margin, ok))).toBe(
      "OUT_OF_RANGE",
    );
    expect(codeOf(() => healthRatioNonDecreasing(ok, { tv: -(1n << 125n), mm: 1n } as Margin))).toBe(
      "NO_ERROR",
    );
  });

  it("tierOf picks the largest tier whose start the notional has reached (a start itself belongs to its tier)", () => {
    const starts = [0n, 100n, 200n];
    expect([0n, 99n, 100n, 199n, 200n, 10n ** 30n].map((n) => tierOf(n, starts))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it("checkPrices: one price per market and collateral, each in (0, 2^56)", () => {
    const ok = (p: Prices) => codeOf(() => checkPrices(p, cfg));
    expect(ok(PRICES)).toBe("NO_ERROR");
    expect(ok({ markets: [(1n << 56n) - 1n, 1n], collaterals: [1n, 1n] })).toBe("NO_ERROR");
    expect(ok({ markets: [0n, 1n], collaterals: [1n, 1n] })).toBe("BAD_PRICE");
    expect(ok({ markets: [1n, 1n], collaterals: [1n, 1n << 56n] })).toBe("BAD_PRICE");
    expect(ok({ markets: [1n, -1n], collaterals: [1n, 1n] })).toBe("BAD_PRICE");
    expect(ok({ markets: [1n], collaterals: [1n, 1n] })).toBe("BAD_PRICE");
    expect(ok({ markets: [1n, 1n], collaterals: [1n, 1n, 1n] })).toBe("BAD_PRICE");
  });
});

describe("the fill rule R (PROTOCOL §7)", () => {
  it("risk-increasing: |size| grows or the sign flips; closing to 0 never is", () => {
    const cases: [bigint, bigint, boolean][] = [
      [0n, 1n, true],
      [0n, -1n, true],
      [1n, 2n, true],
      [-1n, -2n, true],
      [2n, 1n, false],
      [-2n, -1n, false],
      [1n, 0n, false],
      [-1n, 0n, false],
      [0n, 0n, false],
      [2n, -1n, true],
      [-2n, 1n, true],
      [5n, 5n, false],
    ];
    for (const [b, a, want] of cases) expect(isRiskIncreasing(b, a), `${b} → ${a}`).toBe(want);
  });

  const fake = (tv: bigint, mm: bigint, im = mm * 2n): Margin =>
    ({ tvS: tv * RATE_SCALE, mmS: mm * RATE_SCALE, imS: im * RATE_SCALE, tv, mm, im }) as Margin;

  it("health ratio non-decreasing ⇔ TV'·MM ≥ TV·MM' on shown figures", () => {
    expect(healthRatioNonDecreasing(fake(2500n, 3000n), fake(1250n, 1500n))).toBe(true); // equal ratio
    expect(healthRatioNonDecreasing(fake(2500n, 3000n), fake(1249n, 1500n))).toBe(false);
    expect(healthRatioNonDecreasing(fake(2500n, 3000n), fake(0n, 0n))).toBe(true); // closed out at TV' = 0
    expect(healthRatioNonDecreasing(fake(2500n, 3000n), fake(-1n, 0n))).toBe(false);
  });

  it("risk-increasing fills need TVs' ≥ IMs' exactly; others TVs' ≥ MMs' or a non-decreasing ratio", () => {
    const before = fake(100n, 100n, 200n);
    expect(fillMarginRule(before, fake(200n, 100n, 200n), true)).toBeNull();
    expect(fillMarginRule(before, fake(199n, 100n, 200n), true)).not.toBeNull();
    expect(fillMarginRule(before, fake(50n, 50n, 500n), false)).toBeNull(); // at MM
    expect(fillMarginRule(fake(50n, 100n), fake(25n, 50n), false)).toBeNull(); // below MM, same ratio
    expect(fillMarginRule(fake(50n, 100n), fake(24n, 50n), false)).not.toBeNull();
  });
});

describe("margin properties", () => {
  const arbAccountFor = (cfg2: RiskConfig) =>
    fc.record({
      quote: fc.bigInt({ min: -(1n << 95n), max: (1n << 95n) - 1n }),
      balances: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), {
        minLength: cfg2.collaterals.length,
        maxLength: cfg2.collaterals.length,
      }),
      sizes: fc.array(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), {
        minLength: cfg2.markets.length,
        maxLength: cfg2.markets.length,
      }),
      prices: fc.array(fc.bigInt({ min: 1n, max: (1n << 56n) - 1n }), {
        minLength: cfg2.markets.length + cfg2.collaterals.length,
        maxLength: cfg2.markets.length + cfg2.collaterals.length,
      }),
    });

  it("computeMargin agrees with the bracket-sum derivation, and shown figures round against the trader", () => {
    fc.assert(
      fc.property(
        arbRiskConfig(3, 2, 3).chain((c) => fc.tuple(fc.constant(c), arbAccountFor(c))),
        ([c, r]) => {
          const prices = { markets: r.prices.slice(0, 3), collaterals: r.prices.slice(3) };
          const a = { quote: r.quote, balances: r.balances, sizes: r.sizes, fundingIndices: [0n, 0n, 0n] };
          const m = computeMargin(a, c, prices);
          const n = naiveMargin(a, c, prices);
          expect([m.tvS, m.mmS, m.imS]).toEqual([n.tvS, n.mmS, n.imS]);
          expect({ tv: m.tv, mm: m.mm, im: m.im }).toEqual(shown(n));
          expect(m.tv * RATE_SCALE <= m.tvS && m.mm * RATE_SCALE >= m.mmS && m.im * RATE_SCALE >= m.imS).toBe(
            true,
          );
          expect(m.mmS <= m.imS).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("tier continuity: MM and IM are continuous and non-decreasing in |size| across every tier start", () => {
    fc.assert(
      fc.property(
        arbTiers(3),
        fc.array(fc.bigInt({ min: 0n, max: 1n << 92n }), { minLength: 2, maxLength: 6 }),
        (tiers, ns) => {
          const c = new RiskConfig([{ symbol: "X", tiers, liquidationFee: 0n, maxFundingStep: 0n }], []);
          // Price 1 makes the notional equal |size|, so "in |size|" and "in notional" coincide.
          const at = (s: bigint) =>
            computeMargin({ quote: 0n, balances: [], sizes: [s], fundingIndices: [0n] }, c, {
              markets: [1n],
              collaterals: [],
            });
          for (const [k, t] of tiers.entries()) {
            if (k === 0) continue;
            const prev = tiers[k - 1]!;
            const lo = at(t.start - 1n);
            const hi = at(t.start);
            expect(hi.perMarket[0]!.tier).toBe(k);
            expect(lo.perMarket[0]!.tier).toBe(k - 1);
            // One more unit of notional below the start costs exactly the lower tier's rate: no jump at the start.
            expect(hi.mmS - lo.mmS).toBe(prev.mmr);
            expect(hi.imS - lo.imS).toBe(prev.imr);
            // The requirement at the start is the same whether written with tier k or tier k−1.
            expect(hi.mmS).toBe(t.start * prev.mmr - c.deductions[0]!.mm[k - 1]!);
            expect(hi.imS).toBe(t.start * prev.imr - c.deductions[0]!.im[k - 1]!);
          }
          const sorted = [...ns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          for (let i = 1; i < sorted.length; i++) {
            for (const sgn of [1n, -1n]) {
              const a = at(sgn * sorted[i - 1]!);
              const b = at(sgn * sorted[i]!);
              expect(a.mmS <= b.mmS && a.imS <= b.imS).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the test config's tiers are continuous at 1,000,000 USD for BTC and ETH-PERP's padding is never reached", () => {
    const start = CONFIG.markets[BTC]!.tiers[1]!.start;
    const price = px("60000");
    // |size| so that notional straddles the start: just below and at/above it.
    const sz = start / price;
    const below = computeMargin(
      { quote: 0n, balances: [0n, 0n], sizes: [sz, 0n], fundingIndices: [0n, 0n] },
      cfg,
      PRICES,
    );
    const above = computeMargin(
      { quote: 0n, balances: [0n, 0n], sizes: [sz + 1n, 0n], fundingIndices: [0n, 0n] },
      cfg,
      PRICES,
    );
    expect(below.perMarket[BTC]!.tier).toBe(0);
    expect(above.perMarket[BTC]!.tier).toBe(1);
    expect(above.mmS - below.mmS > 0n && above.mmS - below.mmS <= price * 100_000n).toBe(true);
    // The padded tier starts above the largest notional a Size times a Price can reach (2^63 · 2^56 < 2^120 − 1).
    const pad = cfg.markets[ETHP]!.tiers[1]!;
    expect(pad.start).toBe(UNUSED_TIER_START);
    expect((1n << 63n) * ((1n << 56n) - 1n) < pad.start).toBe(true);
    expect(
      tierOf(
        (1n << 63n) * ((1n << 56n) - 1n),
        cfg.markets[ETHP]!.tiers.map((t) => t.start),
      ),
    ).toBe(0);
  });
});
