// The sequencer service: the deterministic engine, its journal and the batch pipeline put together. It owns the
// one rule that makes acknowledgements safe: a command's answer (and every event it caused) is released only after
// the command is durable in the journal. On start it replays the journal into a fresh engine, checking the digest
// recorded after every entry, so a restart either rebuilds exactly the acknowledged state or refuses to run.
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { FIELD_MODULUS } from "../protocol/index.js";
import { Engine, type EngineEvent, type ExecResult } from "./engine/engine.js";
import type { Command } from "./engine/commands.js";
import { configFingerprint, type EngineConfig } from "./engine/config.js";
import { SequencerError, reject } from "./errors.js";
import type { SequencerMetrics } from "./metrics.js";
import { Journal } from "./store/journal.js";

export interface ServiceOptions {
  readonly engine: EngineConfig;
  readonly dbPath: string;
  readonly log: Logger;
  readonly metrics: SequencerMetrics;
  readonly clock?: () => number;
  /** Commands waiting for their journal commit; beyond it new commands are refused with QUEUE_FULL. */
  readonly maxInFlight?: number;
  /** Cut batches not yet settled on L1 beyond which new orders are refused with BACKPRESSURE. */
  readonly maxUnsettledBatches?: number;
}

export class Sequencer extends EventEmitter {
  readonly engine: Engine;
  readonly journal: Journal;
  readonly log: Logger;
  readonly metrics: SequencerMetrics;
  private readonly clock: () => number;
  private lastTs = 0;
  private inFlight = 0;
  private haltReason: string | null = null;
  readonly replayedEntries: number;
  readonly replayMs: number;

  constructor(readonly opts: ServiceOptions) {
    super();
    this.setMaxListeners(0);
    this.log = opts.log;
    this.metrics = opts.metrics;
    this.clock = opts.clock ?? Date.now;
    this.journal = new Journal(opts.dbPath);
    const fp = configFingerprint(opts.engine);
    const stored = this.journal.getMeta("config");
    if (stored !== undefined && stored !== fp) {
      this.journal.close();
      throw new SequencerError(
        "BAD_CONFIG",
        "the journal was written under another engine configuration; refusing to replay it",
      );
    }
    if (stored === undefined) this.journal.setMeta("config", fp);
    this.engine = new Engine(opts.engine);
    const t0 = performance.now();
    let n = 0;
    for (const e of this.journal.entries()) {
      const r = this.engine.execute(e.cmd, e.ts, { replay: true });
      const d = this.engine.digest();
      if (!r.mutated || d !== e.digest) {
        this.journal.close();
        throw new SequencerError(
          "INTERNAL",
          `journal entry ${e.seq} (${e.cmd.kind}) replays to another state: refusing to start`,
        );
      }
      this.lastTs = Math.max(this.lastTs, e.ts);
      n++;
    }
    this.engine.takeCutBatches();
    this.replayedEntries = n;
    this.replayMs = performance.now() - t0;
    this.journal.onCommit = (entries, ms) => {
      this.metrics.journalCommit.observe(ms / 1000);
      this.metrics.journalGroup.observe(entries);
    };
    this.log.info(
      { entries: n, ms: Math.round(this.replayMs), root: this.engine.committedState.root.toString() },
      "journal replayed",
    );
  }

  get halted(): string | null {
    return this.haltReason;
  }

  /** Stops accepting commands for good (until restart): the in-memory state can no longer be trusted to match the journal. */
  halt(reason: string): void {
    if (this.haltReason) return;
    this.haltReason = reason;
    this.metrics.halted.set(1);
    this.log.fatal({ reason }, "sequencer halted");
    this.emit("halt", reason);
  }

  now(): number {
    this.lastTs = Math.max(this.lastTs, this.clock());
    return this.lastTs;
  }

  /** Field element for a new leaf's salt (PROTOCOL §4.1): random, then journaled inside the command. */
  static randomSalt(): bigint {
    return BigInt(`0x${randomBytes(32).toString("hex")}`) % FIELD_MODULUS;
  }

  /**
   * Executes a command and resolves with its answer once it is durable; rejects with a SequencerError. Time-driven
   * housekeeping that is due runs first as its own journaled tick, so no command ever mutates before validating.
   */
  async exec(cmd: Command): Promise<unknown> {
    if (this.haltReason) reject("HALTED", `sequencer halted: ${this.haltReason}`);
    const max = this.opts.maxInFlight ?? 10_000;
    if (this.inFlight >= max) reject("QUEUE_FULL", "too many commands awaiting durability; retry later");
    if ((cmd.kind === "place" || cmd.kind === "batch" || cmd.kind === "withdraw") && this.overloaded()) {
      reject("BACKPRESSURE", "too many batches await proof or settlement; retry later");
    }
    const pending: Promise<void>[] = [];
    const ts = this.now();
    if (cmd.kind !== "tick" && this.engine.tickDue(ts)) pending.push(this.run({ kind: "tick" }, ts).durable);
    const { result, durable } = this.run(cmd, ts);
    pending.push(durable);
    this.inFlight++;
    try {
      await Promise.all(pending);
    } finally {
      this.inFlight--;
    }
    if (!result.ok) throw result.error!;
    return result.response;
  }

  /** Runs a tick if one is due (the service's timer calls this). */
  async tick(): Promise<void> {
    if (this.haltReason) return;
    const ts = this.now();
    if (this.engine.tickDue(ts)) await this.run({ kind: "tick" }, ts).durable;
  }

  private overloaded(): boolean {
    const max = this.opts.maxUnsettledBatches ?? 1_000;
    return this.engine.unsettledBatches().length > max;
  }

  private run(cmd: Command, ts: number): { result: ExecResult; durable: Promise<void> } {
    let result: ExecResult;
    try {
      result = this.engine.execute(cmd, ts);
    } catch (e) {
      // Not a rejection: a bug met mid-command. The engine may be half-way through a mutation.
      this.halt(`engine failure on ${cmd.kind}: ${(e as Error).message}`);
      throw new SequencerError("INTERNAL", "internal error");
    }
    this.metrics.commands.inc({ kind: cmd.kind, code: result.ok ? "ok" : result.error!.code });
    // An answer that changed nothing may still depend on commands not yet durable (an idempotent replay of an order
    // still being committed): it waits for them too.
    if (!result.mutated) return { result, durable: this.journal.flushed() };
    const digest = this.engine.digest();
    const cut = this.engine.takeCutBatches();
    const durable = this.journal.append(ts, cmd, digest).then(
      () => {
        this.metrics.openOrders.set(this.engine.liveOrderCount());
        for (const ev of result.events) this.emit("event", ev);
        if (cut.length > 0) this.emit("batches", cut);
      },
      (e: Error) => {
        this.halt(`journal write failed: ${e.message}`);
        throw new SequencerError("HALTED", "the command could not be made durable");
      },
    );
    return { result, durable };
  }

  /** Waits until everything executed so far is durable, so a read never shows state a crash could undo. */
  settledReads(): Promise<void> {
    return this.journal.flushed();
  }

  close(): void {
    this.journal.close();
  }
}

export type { EngineEvent };
