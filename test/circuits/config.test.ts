// ConfigCheck (circuits/lib/config_check): the validity rules of PROTOCOL §5.1, which AccountMargin's bit budgets
// and tier logic assume. Every invalid config below is first shown invalid to the model (RiskConfig's constructor
// throws), then shown to have no witness; valid ones at the edges of each rule are accepted by both.
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  RiskConfig,
  UNUSED_TIER_START,
  type CollateralConfig,
  type MarketConfig,
} from "../../protocol/config.js";
import {
  MAX_FUNDING_RATE_PPM_CAP,
  MAX_LIQUIDATION_FEE_PPM,
  PARAM_SETS,
  RATE_SCALE,
} from "../../protocol/constants.js";
import { isProtocolError } from "../../protocol/errors.js";
import { configInputs } from "../../circuits/tooling/inputs.js";
import {
  circuit,
  expectAllPinned,
  expectViolated,
  expectWitnessFails,
  honest,
  P,
  type Circuit,
} from "./harness/index.js";
import { pow2, randomConfig, Rng, seeds } from "./harness/gen.js";

const PUBLIC = ["tierStart", "imr", "mmr", "liquidationFee", "maxFundingStep", "haircut"];

function market(
  tiers: [bigint, bigint, bigint][],
  liquidationFee = 10_000n,
  maxFundingStep = 1_000n,
): Mutable<MarketConfig> {
  return {
    symbol: "",
    tiers: tiers.map(([start, imr, mmr]) => ({ start, imr, mmr })),
    liquidationFee,
    maxFundingStep,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
interface Raw {
  markets: Mutable<MarketConfig>[];
  collaterals: CollateralConfig[];
}

/** Inputs for a config the model may refuse (RiskConfig would throw, so encode the raw parts). */
const rawInputs = (r: Raw) => configInputs(r);

function expectModelRejects(r: Raw): void {
  const named = {
    markets: r.markets.map((m, i) => ({ ...m, symbol: `M${i}` })),
    collaterals: r.collaterals.map((c, i) => ({ ...c, symbol: `C${i}` })),
  };
  let err: unknown;
  try {
    new RiskConfig(named.markets, named.collaterals);
  } catch (e) {
    err = e;
  }
  expect(
    isProtocolError(err) && ["BAD_CONFIG", "OUT_OF_RANGE"].includes(err.code),
    "the model accepts this config",
  ).toBe(true);
}

const U = UNUSED_TIER_START;
const good3 = (): Raw => ({
  markets: [
    market([
      [0n, 100_000n, 50_000n],
      [1_000n, 200_000n, 100_000n],
      [U, 200_000n, 100_000n],
    ]),
    market([
      [0n, 1_000_000n, 1n],
      [U, 1_000_000n, 1n],
      [U, 1_000_000n, 1n],
    ]),
  ],
  collaterals: [
    { symbol: "", haircut: 800_000n },
    { symbol: "", haircut: RATE_SCALE },
  ],
});

describe("ConfigCheck(2, 2, 3)", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("config_check", "ConfigCheck", [2, 2, 3], PUBLIC);
  });

  it("accepts random valid configs (RiskConfig-validated, padded to T tiers)", async () => {
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        await honest(c, configInputs(randomConfig(new Rng(seed), 2, 2, 3)));
      }),
      { numRuns: 20 },
    );
  });

  it("accepts each rule's edge: rates at 1, fee and step at their caps, haircuts 0 and 1, the largest used start", async () => {
    const edge: Raw = {
      markets: [
        market(
          [
            [0n, RATE_SCALE, RATE_SCALE],
            [U - 1n, RATE_SCALE, RATE_SCALE],
            [U, RATE_SCALE, RATE_SCALE],
          ],
          MAX_LIQUIDATION_FEE_PPM,
          MAX_FUNDING_RATE_PPM_CAP,
        ),
        market(
          [
            [0n, 1n, 1n],
            [1n, 1n, 1n],
            [2n, 1n, 1n],
          ],
          0n,
          0n,
        ),
      ],
      collaterals: [
        { symbol: "", haircut: 0n },
        { symbol: "", haircut: RATE_SCALE },
      ],
    };
    new RiskConfig(
      edge.markets.map((m, i) => ({ ...m, symbol: `M${i}` })),
      edge.collaterals.map((x, i) => ({ ...x, symbol: `C${i}` })),
    );
    await honest(c, rawInputs(edge));
    await honest(c, rawInputs(good3()));
  });

  // Each mutation breaks one §5.1 rule of good3().
  const mutations: [string, (r: Raw) => void][] = [
    [
      "first tier starts above 0",
      (r) =>
        void (r.markets[0]!.tiers = [
          { start: 1n, imr: 100_000n, mmr: 50_000n },
          ...r.markets[0]!.tiers.slice(1),
        ]),
    ],
    [
      "a used start not above its predecessor",
      (r) =>
        void (r.markets[0] = market([
          [0n, 100_000n, 50_000n],
          [0n, 200_000n, 100_000n],
          [U, 200_000n, 100_000n],
        ])),
    ],
    [
      "starts decreasing",
      (r) =>
        void (r.markets[0] = market([
          [0n, 1n, 1n],
          [10n, 1n, 1n],
          [9n, 1n, 1n],
        ])),
    ],
    [
      "a used tier after an unused one",
      (r) =>
        void (r.markets[0] = market([
          [0n, 1n, 1n],
          [U, 1n, 1n],
          [5n, 1n, 1n],
        ])),
    ],
    [
      "a start of 2^120",
      (r) =>
        void (r.markets[0] = market([
          [0n, 1n, 1n],
          [pow2(120), 1n, 1n],
          [U, 1n, 1n],
        ])),
    ],
    [
      "a 'negative' start (r − 1)",
      (r) =>
        void (r.markets[0] = market([
          [0n, 1n, 1n],
          [P - 1n, 1n, 1n],
          [U, 1n, 1n],
        ])),
    ],
    [
      "mmr = 0",
      (r) =>
        void (r.markets[1] = market([
          [0n, 10n, 0n],
          [U, 10n, 0n],
          [U, 10n, 0n],
        ])),
    ],
    [
      "mmr > imr",
      (r) =>
        void (r.markets[1] = market([
          [0n, 10n, 11n],
          [U, 10n, 11n],
          [U, 10n, 11n],
        ])),
    ],
    [
      "imr > 1",
      (r) =>
        void (r.markets[1] = market([
          [0n, RATE_SCALE + 1n, 1n],
          [U, RATE_SCALE + 1n, 1n],
          [U, RATE_SCALE + 1n, 1n],
        ])),
    ],
    [
      "imr = 2^20",
      (r) =>
        void (r.markets[1] = market([
          [0n, pow2(20), 1n],
          [U, pow2(20), 1n],
          [U, pow2(20), 1n],
        ])),
    ],
    [
      "imr decreasing",
      (r) =>
        void (r.markets[0] = market([
          [0n, 200_000n, 50_000n],
          [1_000n, 150_000n, 100_000n],
          [U, 150_000n, 100_000n],
        ])),
    ],
    [
      "mmr decreasing",
      (r) =>
        void (r.markets[0] = market([
          [0n, 200_000n, 60_000n],
          [1_000n, 200_000n, 50_000n],
          [U, 200_000n, 50_000n],
        ])),
    ],
    [
      "a 'negative' mmr (r − 1)",
      (r) =>
        void (r.markets[1] = market([
          [0n, 10n, P - 1n],
          [U, 10n, P - 1n],
          [U, 10n, P - 1n],
        ])),
    ],
    [
      "liquidation fee above its cap",
      (r) => void (r.markets[0]!.liquidationFee = MAX_LIQUIDATION_FEE_PPM + 1n),
    ],
    ["a 'negative' liquidation fee", (r) => void (r.markets[0]!.liquidationFee = -1n)],
    [
      "funding step above its cap",
      (r) => void (r.markets[1]!.maxFundingStep = MAX_FUNDING_RATE_PPM_CAP + 1n),
    ],
    ["haircut above 1", (r) => void (r.collaterals[0] = { symbol: "", haircut: RATE_SCALE + 1n })],
    ["a 'negative' haircut (r − 1)", (r) => void (r.collaterals[1] = { symbol: "", haircut: P - 1n })],
  ];
  for (const [name, mutate] of mutations) {
    it(`rejects ${name}, as the model does`, async () => {
      const r = good3();
      r.markets = r.markets.map((m) => ({ ...m, tiers: [...m.tiers] }));
      mutate(r);
      // The model sees the raw integer (−1); the circuit sees it mod r (r − 1).
      expectModelRejects(r);
      await expectWitnessFails(c, rawInputs(r));
    });
  }

  it("rejects each input moved out of its rule in an honest witness; every wire is pinned but unused tiers' IsZero inverse", async () => {
    const w = await honest(c, rawInputs(good3()));
    await expectViolated(c, c.tamper(w, "tierStart[0][0]", 1n));
    await expectViolated(c, c.tamper(w, "tierStart[0][1]", 0n));
    await expectViolated(c, c.tamper(w, "mmr[1][0]", 0n));
    await expectViolated(c, c.tamper(w, "imr[0][0]", RATE_SCALE + 1n));
    await expectViolated(c, c.tamper(w, "haircut[1]", RATE_SCALE + 1n));
    await expectViolated(c, c.tamper(w, "isUnused[0][0].isz.inv", c.value(w, "isUnused[0][0].isz.inv") + 1n));
    // IsZero's inverse hint is free exactly when its input is 0, i.e. for an unused tier (start = 2^120 − 1): its
    // output is then pinned to 1 by in·out = 0 regardless, so the free hint cannot change any rule's outcome.
    const freeInverse = [
      "main.isUnused[0][1].isz.inv",
      "main.isUnused[1][0].isz.inv",
      "main.isUnused[1][1].isz.inv",
    ];
    await expectAllPinned(c, w, freeInverse);
  });
});

describe(`ConfigCheck(${PARAM_SETS.test.markets}, ${PARAM_SETS.test.collaterals}, ${PARAM_SETS.test.tiers})`, () => {
  it("accepts random valid configs and rejects a tier start at its predecessor", async () => {
    const t = PARAM_SETS.test;
    const c = await circuit("config_check", "ConfigCheck", [t.markets, t.collaterals, t.tiers], PUBLIC);
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        await honest(c, configInputs(randomConfig(new Rng(seed), t.markets, t.collaterals, t.tiers)));
      }),
      { numRuns: 10 },
    );
    const r: Raw = {
      markets: [
        market([
          [0n, 2n, 1n],
          [0n, 2n, 1n],
        ]),
        market([
          [0n, 2n, 1n],
          [U, 2n, 1n],
        ]),
      ],
      collaterals: [
        { symbol: "", haircut: 0n },
        { symbol: "", haircut: 0n },
      ],
    };
    expectModelRejects(r);
    await expectWitnessFails(c, rawInputs(r));
  });
});
