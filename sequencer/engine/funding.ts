// Funding: premium sampling and the per-batch index step (PROTOCOL §7.7). The premium of a market is the last trade
// price against the oracle price, in ppm, clamped; the rate over a funding period is the mean of the samples since the
// last step. Each batch moves the index by rate·P·elapsed/period, but never by more than the per-batch bound
// P·maxFundingStep/1e6: the part that does not fit is carried to the next batches (capped at one batch's bound, so
// a long stall cannot pile up an unbounded debt). All arithmetic is integer; the carry is kept at 1e-6 Price units
// so no funding is lost to rounding between batches.
import { FUNDING_INDEX_BITS, RATE_SCALE, abs, type Prices, type RiskConfig } from "../../protocol/index.js";

export interface FundingParams {
  /** Length of the period a funding rate is quoted for (8 h is usual). */
  readonly periodMs: number;
  /** Premium samples are clamped to ±clampPpm. */
  readonly clampPpm: bigint;
}

export interface FundingState {
  lastStepMs: number;
  /** Not yet applied index movement per market, in 1e-6 Price units (signed). */
  carry: bigint[];
  sampleSum: bigint[];
  sampleCount: number[];
  /** Rate used when no sample arrived since the last step. */
  lastRatePpm: bigint[];
}

export function initialFunding(markets: number, nowMs: number): FundingState {
  return {
    lastStepMs: nowMs,
    carry: Array<bigint>(markets).fill(0n),
    sampleSum: Array<bigint>(markets).fill(0n),
    sampleCount: Array<number>(markets).fill(0),
    lastRatePpm: Array<bigint>(markets).fill(0n),
  };
}

export function cloneFunding(f: FundingState): FundingState {
  return {
    lastStepMs: f.lastStepMs,
    carry: [...f.carry],
    sampleSum: [...f.sampleSum],
    sampleCount: [...f.sampleCount],
    lastRatePpm: [...f.lastRatePpm],
  };
}

/** premium = (lastTrade − oracle)/oracle in ppm (rounded toward zero), clamped; 0 without a trade. */
export function premiumPpm(lastTrade: bigint | null, oracle: bigint, clampPpm: bigint): bigint {
  if (lastTrade === null) return 0n;
  const p = ((lastTrade - oracle) * RATE_SCALE) / oracle;
  return p > clampPpm ? clampPpm : p < -clampPpm ? -clampPpm : p;
}

export function addSamples(f: FundingState, samples: readonly bigint[]): void {
  samples.forEach((s, m) => {
    f.sampleSum[m] = f.sampleSum[m]! + s;
    f.sampleCount[m] = f.sampleCount[m]! + 1;
  });
}

export function currentRatePpm(f: FundingState, m: number): bigint {
  const n = f.sampleCount[m]!;
  return n > 0 ? f.sampleSum[m]! / BigInt(n) : f.lastRatePpm[m]!;
}

const INDEX_MAX = (1n << BigInt(FUNDING_INDEX_BITS - 1)) - 1n;

/**
 * The next batch's indices and the funding state to keep if that batch is cut. Pure: an open batch that is
 * discarded (an empty batch re-opened later) leaves the committed state untouched.
 */
export function fundingStep(
  f: FundingState,
  indices: readonly bigint[],
  prices: Prices,
  cfg: RiskConfig,
  params: FundingParams,
  nowMs: number,
): { indices: bigint[]; next: FundingState } {
  const next = cloneFunding(f);
  const elapsed = BigInt(Math.max(0, nowMs - f.lastStepMs));
  const out = indices.map((idx, m) => {
    const P = prices.markets[m]!;
    const rate = currentRatePpm(f, m);
    next.lastRatePpm[m] = rate;
    next.sampleSum[m] = 0n;
    next.sampleCount[m] = 0;
    // rate (ppm) · P · elapsed / period, kept in 1e-6 Price units.
    const accrued = f.carry[m]! + (rate * P * elapsed) / BigInt(params.periodMs);
    const bound = (P * cfg.markets[m]!.maxFundingStep) / RATE_SCALE;
    let step = accrued / RATE_SCALE;
    if (step > bound) step = bound;
    if (step < -bound) step = -bound;
    let nextIdx = idx + step;
    if (nextIdx > INDEX_MAX || nextIdx < -INDEX_MAX) {
      nextIdx = idx;
      step = 0n;
    }
    let carry = accrued - step * RATE_SCALE;
    const carryCap = bound * RATE_SCALE;
    if (abs(carry) > carryCap) carry = carry > 0n ? carryCap : -carryCap;
    next.carry[m] = carry;
    return nextIdx;
  });
  next.lastStepMs = nowMs;
  return { indices: out, next };
}
