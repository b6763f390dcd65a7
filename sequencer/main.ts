// Entry point: `startSequencer(options)` builds the engine from the journal, starts the batch pipeline and the API,
// and returns handles to all of them (the `zkmargin start` command and the tests call it). Run directly with
// `tsx sequencer/main.ts <deployment.json>` it starts a development sequencer on the in-memory adapters.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import pino, { type Logger } from "pino";
import {
  RiskConfig,
  makeDomain,
  makeParams,
  paramSet,
  type Prices,
  type ProtocolParams,
  type PublicKey,
  type SerializedRiskConfig,
} from "../protocol/index.js";
import { MemoryL1 } from "./adapters/memoryL1.js";
import { MemoryProver } from "./adapters/memoryProver.js";
import { createApi, type ApiOptions } from "./api/server.js";
import type { FeeSchedule } from "./engine/config.js";
import type { EngineConfig } from "./engine/config.js";
import { Engine } from "./engine/engine.js";
import type { FundingParams } from "./engine/funding.js";
import { SequencerMetrics } from "./metrics.js";
import type { OracleConfig } from "./oracle/aggregator.js";
import { BatchPipeline, type PipelineOptions } from "./pipeline.js";
import type { L1Port, ProverPort } from "./ports.js";
import { Sequencer } from "./service.js";
import { Journal } from "./store/journal.js";

export interface StartSequencerOptions {
  readonly params: ProtocolParams;
  /** SQLite file of the journal; created on first start. */
  readonly dbPath: string;
  readonly port?: number;
  readonly host?: string;
  readonly fundKey: PublicKey;
  readonly fundSalt?: bigint;
  readonly initialPrices: Prices;
  /** Funding time origin; fixed at the first start and read back from the journal afterwards. */
  readonly genesisMs?: number;
  /** Defaults to the in-memory development adapters. */
  readonly l1?: L1Port;
  readonly prover?: ProverPort;
  readonly oracle?: OracleConfig | null;
  readonly fees?: FeeSchedule;
  readonly funding?: Partial<FundingParams>;
  readonly engine?: Partial<
    Omit<
      EngineConfig,
      "params" | "fundKey" | "fundSalt" | "initialPrices" | "genesisMs" | "fees" | "funding" | "oracle"
    >
  >;
  readonly api?: Partial<ApiOptions>;
  readonly pipeline?: Partial<PipelineOptions>;
  readonly maxInFlight?: number;
  readonly maxUnsettledBatches?: number;
  readonly logger?: Logger | pino.Level | "silent";
  readonly clock?: () => number;
  /** Called once if the sequencer halts (the CLI exits; tests observe it). */
  readonly onHalt?: (reason: string) => void;
}

export interface RunningSequencer {
  readonly url: string;
  readonly port: number;
  readonly sequencer: Sequencer;
  readonly pipeline: BatchPipeline;
  readonly l1: L1Port;
  readonly prover: ProverPort;
  readonly app: Awaited<ReturnType<typeof createApi>>["app"];
  close(): Promise<void>;
}

export const DEFAULT_FEES: FeeSchedule = { makerPpm: 200n, takerPpm: 500n };

export function engineConfig(o: StartSequencerOptions, genesisMs: number): EngineConfig {
  return {
    params: o.params,
    fundKey: o.fundKey,
    fundSalt: o.fundSalt ?? 0n,
    initialPrices: o.initialPrices,
    genesisMs,
    fees: o.fees ?? DEFAULT_FEES,
    batchMaxAgeMs: 2_000,
    reopenEmptyAfterMs: 10_000,
    funding: { periodMs: 8 * 3_600_000, clampPpm: 5_000n, ...o.funding },
    oracle: o.oracle ?? null,
    reservationTtlMs: 24 * 3_600_000,
    maxPendingReservations: 1_000,
    maxFillsPerAccount: 1_000,
    maxOrderHistoryPerAccount: 200,
    maxRecentTrades: 500,
    forcedUrgentMs: 60_000,
    maxLiquidationRounds: 16,
    maxBatchItems: 128,
    ...o.engine,
  };
}

export async function startSequencer(o: StartSequencerOptions): Promise<RunningSequencer> {
  const log: Logger =
    typeof o.logger === "object"
      ? o.logger
      : pino({ level: o.logger ?? "info", base: { service: "zkmargin-sequencer" } });
  const clock = o.clock ?? Date.now;
  // The funding origin is part of the engine's configuration: the first start fixes it in the journal.
  const peek = new Journal(o.dbPath);
  const stored = peek.getMeta("genesisMs");
  const genesisMs = o.genesisMs ?? (stored !== undefined ? Number(stored) : clock());
  if (stored === undefined) peek.setMeta("genesisMs", String(genesisMs));
  peek.close();
  const cfg = engineConfig(o, genesisMs);
  const metrics = new SequencerMetrics();
  const seq = new Sequencer({
    engine: cfg,
    dbPath: o.dbPath,
    log,
    metrics,
    clock,
    ...(o.maxInFlight !== undefined ? { maxInFlight: o.maxInFlight } : {}),
    ...(o.maxUnsettledBatches !== undefined ? { maxUnsettledBatches: o.maxUnsettledBatches } : {}),
  });
  if (o.onHalt) seq.once("halt", o.onHalt);
  const l1: L1Port =
    o.l1 ?? new MemoryL1({ params: o.params, genesisRoot: Engine.genesisState(cfg).root, clock });
  const prover: ProverPort = o.prover ?? new MemoryProver();
  const pipeline = new BatchPipeline(seq, l1, prover, {
    pollMs: 200,
    retryMs: 1_000,
    maxL1ItemsPerPoll: 100,
    ...o.pipeline,
  });
  seq.on("batches", (recs) => pipeline.onBatches(recs));
  const api = await createApi(seq, pipeline, {
    bodyLimit: 64 * 1024,
    rateLimit: { max: 1_000, timeWindowMs: 1_000 },
    authWindowMs: 30_000,
    ws: { maxBufferedBytes: 1 << 20, bookDepth: 20, maxErrors: 20, maxPayload: 16 * 1024 },
    ...o.api,
  });
  await pipeline.start();
  await api.app.listen({ port: o.port ?? 0, host: o.host ?? "127.0.0.1" });
  const addr = api.app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (o.port ?? 0);
  const host = o.host ?? "127.0.0.1";
  log.info({ port, replayed: seq.replayedEntries, l1: l1.name, prover: prover.name }, "sequencer listening");
  let closed = false;
  return {
    url: `http://${host}:${port}`,
    port,
    sequencer: seq,
    pipeline,
    l1,
    prover,
    app: api.app,
    async close() {
      if (closed) return;
      closed = true;
      await pipeline.stop();
      api.hub.close();
      await api.app.close();
      seq.close();
      await l1.close?.();
      await prover.close?.();
    },
  };
}

// ---------------------------------------------------------------- standalone development run

interface DeploymentFile {
  set: string;
  chainId: string;
  contract: string;
  config: SerializedRiskConfig;
  fundKey: { x: string; y: string };
  initialPrices: { markets: string[]; collaterals: string[] };
  dbPath: string;
  port?: number;
}

async function mainFromFile(path: string): Promise<void> {
  const d = JSON.parse(readFileSync(path, "utf8")) as DeploymentFile;
  const params = makeParams(
    paramSet(d.set),
    makeDomain(BigInt(d.chainId), d.contract),
    RiskConfig.parse(d.config),
  );
  const running = await startSequencer({
    params,
    dbPath: d.dbPath,
    port: d.port ?? 8080,
    fundKey: { x: BigInt(d.fundKey.x), y: BigInt(d.fundKey.y) },
    initialPrices: {
      markets: d.initialPrices.markets.map(BigInt),
      collaterals: d.initialPrices.collaterals.map(BigInt),
    },
    onHalt: () => process.exit(2),
  });
  const stop = () => void running.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write(
      "usage: tsx sequencer/main.ts <deployment.json>  (development adapters: in-memory L1 and model-replay prover)\n",
    );
    process.exit(64);
  }
  await mainFromFile(file);
}
