// Engine configuration: everything that changes the engine's decisions. It is fingerprinted into the journal's
// first entry, because replaying a journal under other settings (fees, funding period, oracle rules) would rebuild a
// different state from the same commands.
import { createHash } from "node:crypto";
import type { Prices, ProtocolParams, PublicKey } from "../../protocol/index.js";
import type { OracleConfig } from "../oracle/aggregator.js";
import type { FundingParams } from "./funding.js";

export interface FeeSchedule {
  /** ppm of the fill's notional, charged to the resting order's account. */
  readonly makerPpm: bigint;
  readonly takerPpm: bigint;
}

export interface EngineConfig {
  readonly params: ProtocolParams;
  readonly fundKey: PublicKey;
  readonly fundSalt: bigint;
  /** Prices the first batch opens with (a deployment without them waits for an oracle quorum). */
  readonly initialPrices: Prices;
  /** Funding time origin. */
  readonly genesisMs: number;
  readonly fees: FeeSchedule;
  /** A non-empty batch is cut when it is this old (the time half of the size-or-time trigger). */
  readonly batchMaxAgeMs: number;
  /** An empty open batch older than this is re-opened so its batch time and funding step stay current. */
  readonly reopenEmptyAfterMs: number;
  readonly funding: FundingParams;
  readonly oracle: OracleConfig | null;
  /** A reserved account index without a consumed deposit is released after this. */
  readonly reservationTtlMs: number;
  readonly maxPendingReservations: number;
  readonly maxFillsPerAccount: number;
  readonly maxOrderHistoryPerAccount: number;
  readonly maxRecentTrades: number;
  /** A batch holding a forced request is cut at once when its deadline is closer than this. */
  readonly forcedUrgentMs: number;
  /** Liquidation ops tried per account per scan. */
  readonly maxLiquidationRounds: number;
  readonly maxBatchItems: number;
}

export function configFingerprint(c: EngineConfig): string {
  const j = JSON.stringify(
    {
      set: c.params.sizes,
      domain: c.params.domain,
      config: c.params.config.serialize(),
      fundKey: c.fundKey,
      fundSalt: c.fundSalt,
      initialPrices: c.initialPrices,
      genesisMs: c.genesisMs,
      fees: c.fees,
      batchMaxAgeMs: c.batchMaxAgeMs,
      reopenEmptyAfterMs: c.reopenEmptyAfterMs,
      funding: c.funding,
      oracle: c.oracle,
      reservationTtlMs: c.reservationTtlMs,
      maxPendingReservations: c.maxPendingReservations,
      forcedUrgentMs: c.forcedUrgentMs,
      maxLiquidationRounds: c.maxLiquidationRounds,
    },
    (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
  );
  return createHash("sha256").update(j).digest("hex");
}
