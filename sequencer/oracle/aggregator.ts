// Oracle intake: keeps each configured signer's latest report and publishes a price vector when a quorum of fresh,
// mutually consistent reports exists. Every rule is a pure function of the reports and the command time, so a
// replayed journal publishes exactly the same prices at the same commands.
//
// Rules (all integer): a report is accepted only from a configured signer, not older than maxAgeMs nor more than
// maxFutureMs ahead, and strictly newer than that signer's previous report. Per feed the lower median of the fresh
// reports is taken; reports deviating from it by more than maxDeviationPpm are dropped as outliers and the median
// of the rest is used, provided `quorum` signers remain. A vector is published when it is the first, when any feed
// moved by at least minChangePpm, or when heartbeatMs passed since the last publication.
import { RATE_SCALE, abs, type Prices } from "../../protocol/index.js";
import { reject } from "../errors.js";
import { checkReportShape, type PriceReport, type SignedPriceReport } from "./report.js";

export interface OracleConfig {
  /** Lower-case 0x addresses allowed to sign reports. */
  readonly signers: readonly string[];
  readonly quorum: number;
  readonly maxAgeMs: number;
  readonly maxFutureMs: number;
  readonly maxDeviationPpm: bigint;
  readonly minChangePpm: bigint;
  readonly heartbeatMs: number;
}

interface Held {
  readonly signer: string;
  readonly signed: SignedPriceReport;
}

export interface Publication {
  readonly prices: Prices;
  readonly publishedMs: number;
  /** The fresh reports the medians were taken over: what an on-chain verifier would be given. */
  readonly reports: readonly SignedPriceReport[];
}

export class OracleAggregator {
  private readonly latest = new Map<string, Held>();
  private current: Publication | null = null;

  constructor(
    readonly cfg: OracleConfig,
    private readonly markets: number,
    private readonly collaterals: number,
  ) {
    if (cfg.quorum < 1 || cfg.quorum > cfg.signers.length)
      throw new RangeError("oracle quorum must lie in 1..signers");
    if (new Set(cfg.signers.map((s) => s.toLowerCase())).size !== cfg.signers.length)
      throw new RangeError("duplicate oracle signer");
  }

  get publication(): Publication | null {
    return this.current;
  }

  /** Validates a report whose signer was already recovered; throws a rejection and changes nothing if it fails. */
  validate(signer: string, s: SignedPriceReport, nowMs: number): void {
    const who = signer.toLowerCase();
    if (!this.cfg.signers.some((x) => x.toLowerCase() === who))
      reject("ORACLE_UNKNOWN_SIGNER", `${who} is not a configured oracle signer`);
    checkReportShape(s.report, this.markets, this.collaterals);
    const tsMs = Number(s.report.timestamp) * 1000;
    if (nowMs - tsMs > this.cfg.maxAgeMs)
      reject("ORACLE_STALE", `report is older than ${this.cfg.maxAgeMs} ms`);
    if (tsMs - nowMs > this.cfg.maxFutureMs) reject("ORACLE_FUTURE", "report timestamp lies in the future");
    const prev = this.latest.get(who);
    if (prev && prev.signed.report.timestamp >= s.report.timestamp) {
      reject("ORACLE_NOT_NEWER", "a signer's reports must have strictly increasing timestamps");
    }
  }

  /** Stores a validated report; returns the new publication if this report triggered one. */
  accept(signer: string, s: SignedPriceReport, nowMs: number): Publication | null {
    this.validate(signer, s, nowMs);
    this.latest.set(signer.toLowerCase(), { signer: signer.toLowerCase(), signed: s });
    const next = this.aggregate(nowMs);
    if (!next) return null;
    const cur = this.current;
    const moved =
      !cur ||
      nowMs - cur.publishedMs >= this.cfg.heartbeatMs ||
      [
        ...zip(next.prices.markets, cur.prices.markets),
        ...zip(next.prices.collaterals, cur.prices.collaterals),
      ].some(([n, c]) => abs(n - c) * RATE_SCALE >= c * this.cfg.minChangePpm);
    if (!moved) return null;
    this.current = next;
    return next;
  }

  /** Sets the genesis prices (no reports): used when a deployment starts from configured prices. */
  seed(prices: Prices, nowMs: number): void {
    this.current = { prices, publishedMs: nowMs, reports: [] };
  }

  /**
   * The contract (OracleLib.medianPrices) takes the lower median of EVERY report a batch carries, per feed. So the
   * outlier rule works on whole reports: a report deviating beyond maxDeviation from the median of any feed is left
   * out of the publication altogether, and the prices are the lower medians over the reports that remain — exactly
   * what the contract recomputes from `reports`. (Filtering per feed instead would publish a price the contract
   * cannot reproduce, and the batch would fail its proof check on chain.)
   */
  private aggregate(nowMs: number): Publication | null {
    const fresh = [...this.latest.values()]
      .filter((h) => nowMs - Number(h.signed.report.timestamp) * 1000 <= this.cfg.maxAgeMs)
      .sort((a, b) => (a.signer < b.signer ? -1 : 1));
    if (fresh.length < this.cfg.quorum) return null;
    const feeds: ((r: PriceReport) => bigint)[] = [
      ...Array.from({ length: this.markets }, (_, m) => (r: PriceReport) => r.markets[m]!),
      ...Array.from({ length: this.collaterals }, (_, c) => (r: PriceReport) => r.collaterals[c]!),
    ];
    const medians = feeds.map((pick) => lowerMedian(fresh.map((h) => pick(h.signed.report))));
    const kept = fresh.filter((h) =>
      feeds.every((pick, i) => {
        const med = medians[i]!;
        return abs(pick(h.signed.report) - med) * RATE_SCALE <= med * this.cfg.maxDeviationPpm;
      }),
    );
    if (kept.length < this.cfg.quorum) return null;
    const prices = feeds.map((pick) => lowerMedian(kept.map((h) => pick(h.signed.report))));
    return {
      prices: { markets: prices.slice(0, this.markets), collaterals: prices.slice(this.markets) },
      publishedMs: nowMs,
      reports: kept.map((h) => h.signed),
    };
  }
}

/** The lower median: element ⌊(n−1)/2⌋ of the sorted values (an integer, as an on-chain verifier would compute). */
export function lowerMedian(xs: readonly bigint[]): bigint {
  if (xs.length === 0) throw new RangeError("median of nothing");
  const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return s[Math.floor((s.length - 1) / 2)]!;
}

function zip(a: readonly bigint[], b: readonly bigint[]): [bigint, bigint][] {
  return a.map((x, i) => [x, b[i]!]);
}
