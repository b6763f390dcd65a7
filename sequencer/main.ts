// Entry point: `startSequencer(options)` builds the engine from the journal, starts the batch pipeline and the API,
// and returns handles to all of them (the `zkmargin start` command and the tests call it). The chain and the prover
// are chosen here, never in the engine: the in-memory development adapters by default, or a deployed rollup over
// ethers (`chain: {kind: "ethers"}`) and the proof job queue served on the API's port, with optional local provers
// (`proving: {kind: "jobs"}`). Run directly with `tsx sequencer/main.ts <deployment.json>` it starts a sequencer
// from a deployment file (in-memory adapters unless the file names an RPC endpoint or the job prover).
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
import type { EthersL1Options } from "./adapters/ethersL1.js";
import type { JobProver, LocalWorkersOptions } from "./adapters/jobProver.js";
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
  /** A ready adapter; otherwise `chain` says which one to build. */
  readonly l1?: L1Port;
  readonly prover?: ProverPort;
  /** Default: the in-memory development chain. */
  readonly chain?: ChainOptions;
  /** Default: the model-replay development prover (no proof). */
  readonly proving?: ProvingOptions;
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

export type ChainOptions =
  | { readonly kind: "memory"; readonly persistPath?: string; readonly forcedGraceMs?: number }
  | ({ readonly kind: "ethers" } & Omit<EthersL1Options, "params" | "provider" | "signer" | "log"> &
      (
        | { readonly provider: EthersL1Options["provider"]; readonly signer: EthersL1Options["signer"] }
        | {
            /** JSON-RPC endpoint; the sequencer opens (and closes) its own provider. */
            readonly rpcUrl: string;
            /** The contract's sequencer key (0x hex). */
            readonly privateKey: string;
          }
      ));

export type ProvingOptions =
  | { readonly kind: "memory"; readonly delayMs?: number }
  | {
      readonly kind: "jobs";
      /** Bearer token of /prover/v1; remote `zkmargin prover` daemons send it. */
      readonly token?: string;
      /** Provers run by this process (`zkmargin start`); 0 or absent: only remote daemons prove. */
      readonly localWorkers?: number | LocalWorkersOptions;
      /** Default "dev": the batch circuit's INSECURE development keys, built and cached on first use. */
      readonly keys?:
        "dev" | { readonly vkeyPath: string; readonly wasmPath?: string; readonly zkeyPath?: string };
    };

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
  const closers: (() => Promise<void>)[] = [];
  let l1: L1Port;
  let prover: ProverPort;
  try {
    l1 = o.l1 ?? (await buildL1(o, cfg, clock, log, closers));
    prover = o.prover ?? (await buildProver(o, log));
  } catch (e) {
    seq.close();
    for (const c of closers) await c();
    throw e;
  }
  const jobs = servesJobs(prover) ? prover : null;
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
    ...(jobs ? { proverRoutes: (app) => jobs.mount(app) } : {}),
    ...o.api,
  });
  await pipeline.start();
  await api.app.listen({ port: o.port ?? 0, host: o.host ?? "127.0.0.1" });
  const addr = api.app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (o.port ?? 0);
  const host = o.host ?? "127.0.0.1";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  // Local provers lease over loopback like remote ones, so the server must be listening first.
  if (jobs) await jobs.startLocalWorkers(url);
  log.info({ port, replayed: seq.replayedEntries, l1: l1.name, prover: prover.name }, "sequencer listening");
  let closed = false;
  return {
    url,
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
      // Local provers hand their jobs back through the API, so they stop while it is still up.
      await jobs?.stopLocalWorkers();
      api.hub.close();
      await api.app.close();
      seq.close();
      await l1.close?.();
      await prover.close?.();
      for (const c of closers) await c();
    },
  };
}

function servesJobs(p: ProverPort): p is JobProver {
  const j = p as Partial<JobProver>;
  return typeof j.mount === "function" && typeof j.startLocalWorkers === "function";
}

async function buildL1(
  o: StartSequencerOptions,
  cfg: EngineConfig,
  clock: () => number,
  log: Logger,
  closers: (() => Promise<void>)[],
): Promise<L1Port> {
  const c = o.chain ?? { kind: "memory" };
  if (c.kind === "memory") {
    return new MemoryL1({
      params: o.params,
      genesisRoot: Engine.genesisState(cfg).root,
      clock,
      ...(c.persistPath !== undefined ? { persistPath: c.persistPath } : {}),
      ...(c.forcedGraceMs !== undefined ? { forcedGraceMs: c.forcedGraceMs } : {}),
    });
  }
  // ethers (and the contract ABI) load only when a real chain is asked for.
  const { EthersL1 } = await import("./adapters/ethersL1.js");
  let provider: EthersL1Options["provider"];
  let signer: EthersL1Options["signer"];
  if ("rpcUrl" in c) {
    const { JsonRpcProvider, Wallet } = await import("ethers");
    const p = new JsonRpcProvider(c.rpcUrl, undefined, { staticNetwork: true });
    closers.push(async () => p.destroy());
    provider = p;
    signer = new Wallet(c.privateKey, p);
  } else {
    provider = c.provider;
    signer = c.signer;
  }
  const tuning: Record<string, unknown> = { ...c };
  for (const k of ["kind", "rpcUrl", "privateKey", "provider", "signer"]) delete tuning[k];
  return EthersL1.connect({
    ...(tuning as Omit<EthersL1Options, "params" | "provider" | "signer">),
    params: o.params,
    provider,
    signer,
    log: (msg, fields) => log.info(fields ?? {}, msg),
  });
}

async function buildProver(o: StartSequencerOptions, log: Logger): Promise<ProverPort> {
  const p = o.proving ?? { kind: "memory" };
  if (p.kind === "memory") return new MemoryProver(p.delayMs !== undefined ? { delayMs: p.delayMs } : {});
  const { JobProver } = await import("./adapters/jobProver.js");
  const local =
    p.localWorkers === undefined || p.localWorkers === 0
      ? null
      : typeof p.localWorkers === "number"
        ? { workers: p.localWorkers }
        : p.localWorkers;
  const common = {
    ...(p.token !== undefined ? { token: p.token } : {}),
    local,
    log: (msg: string, fields?: Record<string, unknown>) => log.info(fields ?? {}, msg),
  };
  const keys = p.keys ?? "dev";
  if (keys === "dev") return JobProver.withDevKeys(o.params, common);
  const { readFile } = await import("node:fs/promises");
  const vkey = JSON.parse(await readFile(keys.vkeyPath, "utf8")) as ConstructorParameters<
    typeof JobProver
  >[0]["vkey"];
  return new JobProver({
    ...common,
    params: o.params,
    vkey,
    ...(keys.wasmPath && keys.zkeyPath
      ? { files: { wasmPath: keys.wasmPath, zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath } }
      : {}),
  });
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
  /** A deployed rollup; the sequencer key comes from the environment variable named here, never from the file. */
  l1?: {
    rpcUrl: string;
    privateKeyEnv: string;
    fromBlock?: number;
    confirmations?: number;
    finalityBlocks?: number;
  };
  /** The proof job queue on the API's port, with `localWorkers` provers in this process's care. */
  prover?: { kind: "jobs"; localWorkers?: number; tokenEnv?: string };
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
    ...(d.l1 ? { chain: ethersFromFile(d.l1, d.contract) } : {}),
    ...(d.prover
      ? {
          proving: {
            kind: "jobs" as const,
            localWorkers: d.prover.localWorkers ?? 0,
            ...(d.prover.tokenEnv ? { token: requireEnv(d.prover.tokenEnv) } : {}),
          },
        }
      : {}),
    onHalt: () => process.exit(2),
  });
  const stop = () => void running.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

function ethersFromFile(l1: NonNullable<DeploymentFile["l1"]>, contract: string): ChainOptions {
  return {
    kind: "ethers",
    rpcUrl: l1.rpcUrl,
    privateKey: requireEnv(l1.privateKeyEnv),
    address: contract,
    ...(l1.fromBlock !== undefined ? { fromBlock: l1.fromBlock } : {}),
    ...(l1.confirmations !== undefined ? { confirmations: l1.confirmations } : {}),
    ...(l1.finalityBlocks !== undefined ? { finalityBlocks: l1.finalityBlocks } : {}),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write(
      "usage: tsx sequencer/main.ts <deployment.json>  (in-memory L1 and model-replay prover unless it names l1 / prover)\n",
    );
    process.exit(64);
  }
  await mainFromFile(file);
}
