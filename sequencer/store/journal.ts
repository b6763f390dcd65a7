// Durable storage: an append-only journal of executed commands (with their timestamps and the engine's digest after
// each), plus the batch pipeline's status table. SQLite in WAL mode with synchronous=FULL: a commit returns only
// after the WAL is fsynced, and the service answers a request only after the commit holding its command — so what
// was acknowledged survives a crash or power loss. Appends made in one event-loop turn share one commit (group
// commit), which keeps fsyncs per second bounded under load without weakening that rule.
import Database from "better-sqlite3";
import type { Command } from "../engine/commands.js";

export interface JournalEntry {
  readonly seq: number;
  readonly ts: number;
  readonly cmd: Command;
  readonly digest: string;
}

export type BatchStage = "built" | "proving" | "proven" | "submitted" | "settled" | "failed";

export interface BatchStatusRow {
  readonly number: bigint;
  readonly stage: BatchStage;
  readonly publicInputHash: string;
  readonly proof: string | null;
  readonly txHash: string | null;
  readonly error: string | null;
  readonly updatedMs: number;
}

interface Pending {
  readonly seq: number;
  readonly ts: number;
  readonly kind: string;
  readonly body: string;
  readonly digest: string;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

export class Journal {
  private readonly db: Database.Database;
  private pending: Pending[] = [];
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private scheduled = false;
  private seq: number;
  private closed = false;
  private readonly insert: Database.Statement;
  /** Called after each group commit with its size and duration (for metrics). */
  onCommit: ((entries: number, ms: number) => void) | null = null;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS journal (
        seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, digest TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS batches (
        number TEXT PRIMARY KEY, stage TEXT NOT NULL, public_input_hash TEXT NOT NULL, proof TEXT, tx_hash TEXT,
        error TEXT, updated_ms INTEGER NOT NULL);
    `);
    this.insert = this.db.prepare("INSERT INTO journal (seq, ts, kind, body, digest) VALUES (?, ?, ?, ?, ?)");
    const row = this.db.prepare("SELECT MAX(seq) AS s FROM journal").get() as { s: number | null };
    this.seq = row.s ?? 0;
  }

  get lastSeq(): number {
    return this.seq;
  }

  getMeta(key: string): string | undefined {
    const r = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      { value: string } | undefined;
    return r?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }

  *entries(): Generator<JournalEntry> {
    const it = this.db
      .prepare("SELECT seq, ts, body, digest FROM journal ORDER BY seq")
      .iterate() as IterableIterator<{
      seq: number;
      ts: number;
      body: string;
      digest: string;
    }>;
    for (const r of it) yield { seq: r.seq, ts: r.ts, cmd: JSON.parse(r.body) as Command, digest: r.digest };
  }

  /** Queues a command for the next group commit; resolves once it is durable. */
  append(ts: number, cmd: Command, digest: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("journal closed"));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({
        seq: ++this.seq,
        ts,
        kind: cmd.kind,
        body: JSON.stringify(cmd),
        digest,
        resolve,
        reject,
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when everything appended so far is durable (reads wait on it so they never show unjournaled state). */
  flushed(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    const waiters = this.waiters;
    if (batch.length === 0) return;
    this.pending = [];
    this.waiters = [];
    const t0 = performance.now();
    try {
      this.db.transaction(() => {
        for (const p of batch) this.insert.run(p.seq, p.ts, p.kind, p.body, p.digest);
      })();
    } catch (e) {
      for (const p of [...batch, ...waiters]) p.reject(e as Error);
      return;
    }
    this.onCommit?.(batch.length, performance.now() - t0);
    for (const p of [...batch, ...waiters]) p.resolve();
  }

  // ---------------------------------------------------------------- batch pipeline status

  putBatch(r: BatchStatusRow): void {
    this.db
      .prepare(
        `INSERT INTO batches (number, stage, public_input_hash, proof, tx_hash, error, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(number) DO UPDATE SET stage = excluded.stage, public_input_hash = excluded.public_input_hash,
         proof = excluded.proof, tx_hash = excluded.tx_hash, error = excluded.error, updated_ms = excluded.updated_ms`,
      )
      .run(r.number.toString(), r.stage, r.publicInputHash, r.proof, r.txHash, r.error, r.updatedMs);
  }

  getBatch(n: bigint): BatchStatusRow | null {
    const r = this.db.prepare("SELECT * FROM batches WHERE number = ?").get(n.toString()) as
      RawBatch | undefined;
    return r ? toRow(r) : null;
  }

  listBatches(limit: number): BatchStatusRow[] {
    const rows = this.db
      .prepare("SELECT * FROM batches ORDER BY CAST(number AS INTEGER) DESC LIMIT ?")
      .all(limit) as RawBatch[];
    return rows.map(toRow);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}

interface RawBatch {
  number: string;
  stage: BatchStage;
  public_input_hash: string;
  proof: string | null;
  tx_hash: string | null;
  error: string | null;
  updated_ms: number;
}

function toRow(r: RawBatch): BatchStatusRow {
  return {
    number: BigInt(r.number),
    stage: r.stage,
    publicInputHash: r.public_input_hash,
    proof: r.proof,
    txHash: r.tx_hash,
    error: r.error,
    updatedMs: r.updated_ms,
  };
}
