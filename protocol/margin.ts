// Cross-margin figures (PROTOCOL §5.2), exact at the Scaled scale (1e-22 USD) so that every decision is taken
// without rounding; the shown Value-unit figures round values down and requirements up.
import { RATE_SCALE, MARGIN_SCALED_BITS, MARGIN_VALUE_BITS } from "./constants.js";
import type { RiskConfig } from "./config.js";
import { abs, ceilDiv, floorDiv, checkInt } from "./field.js";
import { fail } from "./errors.js";

export interface Prices {
  /** Mark price per market (Price units). */
  readonly markets: readonly bigint[];
  /** Oracle price per collateral asset (Price units). */
  readonly collaterals: readonly bigint[];
}

export interface MarginInputs {
  readonly quote: bigint;
  readonly balances: readonly bigint[];
  readonly sizes: readonly bigint[];
  readonly fundingIndices: readonly bigint[];
}

export interface MarketRisk {
  readonly notional: bigint;
  readonly tier: number;
  readonly mmS: bigint;
  readonly imS: bigint;
}

export interface Margin {
  /** Exact TV·1e6 (Scaled units). */
  readonly tvS: bigint;
  readonly mmS: bigint;
  readonly imS: bigint;
  /** Shown figures in Value units: TV rounded down, requirements rounded up. */
  readonly tv: bigint;
  readonly mm: bigint;
  readonly im: bigint;
  readonly unsettledFunding: bigint;
  readonly perMarket: readonly MarketRisk[];
  readonly healthy: boolean;
  readonly liquidatable: boolean;
  readonly bankrupt: boolean;
}

/** k(m): the largest tier whose start the notional has reached. */
export function tierOf(notional: bigint, starts: readonly bigint[]): number {
  let k = 0;
  for (let i = 1; i < starts.length; i++) if (starts[i]! <= notional) k = i;
  return k;
}

export function checkPrices(p: Prices, cfg: RiskConfig): void {
  if (p.markets.length !== cfg.markets.length || p.collaterals.length !== cfg.collaterals.length) {
    fail("BAD_PRICE", "one price per market and per collateral asset is required");
  }
  for (const x of [...p.markets, ...p.collaterals]) {
    if (x <= 0n || x >= 1n << 56n) fail("BAD_PRICE", `price ${x} must lie in (0, 2^56)`);
  }
}

/**
 * Margin of an account at the given prices. `fundingIndices` are the current global indices; funding not yet
 * settled into the leaf counts against TV exactly as settling it would.
 */
export function computeMargin(
  a: MarginInputs,
  cfg: RiskConfig,
  prices: Prices,
  fundingIndices?: readonly bigint[],
): Margin {
  let unsettled = 0n;
  if (fundingIndices) {
    a.sizes.forEach((s, m) => {
      unsettled += s * (fundingIndices[m]! - a.fundingIndices[m]!);
    });
  }
  let tvS = (a.quote - unsettled) * RATE_SCALE;
  a.balances.forEach((b, c) => {
    tvS += b * prices.collaterals[c]! * cfg.collaterals[c]!.haircut;
  });
  let mmS = 0n;
  let imS = 0n;
  const perMarket: MarketRisk[] = [];
  a.sizes.forEach((s, m) => {
    const p = prices.markets[m]!;
    tvS += s * p * RATE_SCALE;
    const notional = abs(s) * p;
    const mc = cfg.markets[m]!;
    const k = tierOf(
      notional,
      mc.tiers.map((t) => t.start),
    );
    const tier = mc.tiers[k]!;
    const ded = cfg.deductions[m]!;
    const mmM = s === 0n ? 0n : notional * tier.mmr - ded.mm[k]!;
    const imM = s === 0n ? 0n : notional * tier.imr - ded.im[k]!;
    mmS += mmM;
    imS += imM;
    perMarket.push({ notional, tier: k, mmS: mmM, imS: imM });
  });
  checkInt(tvS, MARGIN_SCALED_BITS, "total value");
  checkInt(mmS, MARGIN_SCALED_BITS, "maintenance requirement");
  checkInt(imS, MARGIN_SCALED_BITS, "initial requirement");
  const tv = floorDiv(tvS, RATE_SCALE);
  const mm = ceilDiv(mmS, RATE_SCALE);
  const im = ceilDiv(imS, RATE_SCALE);
  return {
    tvS,
    mmS,
    imS,
    tv,
    mm,
    im,
    unsettledFunding: unsettled,
    perMarket,
    healthy: tvS >= mmS,
    liquidatable: tvS < mmS,
    bankrupt: tvS < 0n,
  };
}

/** PROTOCOL §5.2: TV'·MM ≥ TV·MM' on the shown Value-unit figures. */
export function healthRatioNonDecreasing(before: Margin, after: Margin): boolean {
  // Only settled accounts reach this rule, whose shown figures are < 2^124.1 by the §5.2 budget; the check makes
  // the circuit's Int126 range check and its < 2^250 products a stated precondition rather than a hope.
  for (const [x, what] of [
    [before.tv, "total value"],
    [after.tv, "total value"],
    [before.mm, "maintenance requirement"],
    [after.mm, "maintenance requirement"],
  ] as const) {
    checkInt(x, MARGIN_VALUE_BITS, what);
  }
  return after.tv * before.mm >= before.tv * after.mm;
}

/** A fill is risk-increasing when |size| grows or the sign flips (PROTOCOL §7). */
export function isRiskIncreasing(before: bigint, after: bigint): boolean {
  if (after === 0n) return false;
  if (before === 0n) return true;
  if (before > 0n !== after > 0n) return true;
  return abs(after) > abs(before);
}

/** R(acct) of PROTOCOL §7; returns null when it holds, else the reason. */
export function fillMarginRule(before: Margin, after: Margin, riskIncreasing: boolean): string | null {
  if (riskIncreasing) {
    return after.tvS >= after.imS
      ? null
      : "risk-increasing fill leaves total value below the initial requirement";
  }
  if (after.tvS >= after.mmS || healthRatioNonDecreasing(before, after)) return null;
  return "fill leaves the account below maintenance margin with a lower health ratio";
}
