// Where the queue keeps jobs and payloads. The queue never holds state of its own beyond this interface, so the
// sequencer can back it with its SQLite database (one row per job, `UPDATE ... WHERE id = ? AND version = ?` for
// replace) and a queue restarted on the same store carries on: leased jobs simply expire and are leased again.
// Every state change is a compare-and-set on `version`, which is what makes a completion count exactly once even
// when two requests race.
import type { JobRecord } from "./types.js";

export interface JobStore {
  /** Adds a new job; false when the id is taken. */
  insert(job: JobRecord): Promise<boolean>;
  get(id: string): Promise<JobRecord | undefined>;
  /**
   * The job with the lowest `seq` that is "queued", or "leased" with `lease.expiresAt <= now`, whose circuit key is
   * in `circuits` when given.
   */
  nextLeasable(now: number, circuits?: readonly string[]): Promise<JobRecord | undefined>;
  /** Writes `job` iff the stored version is `expectedVersion`; false otherwise (someone else changed it first). */
  replace(job: JobRecord, expectedVersion: number): Promise<boolean>;
  /** Jobs with one of these statuses, by seq. */
  list(statuses?: readonly JobRecord["status"][]): Promise<JobRecord[]>;
  putPayload(ref: string, data: Uint8Array): Promise<void>;
  getPayload(ref: string): Promise<Uint8Array | undefined>;
  deletePayload(ref: string): Promise<void>;
  /** Next value for `seq`. */
  nextSeq(): Promise<number>;
}

/** The development store: a Map. Not durable; a queue on it loses its jobs with the process. */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly payloads = new Map<string, Uint8Array>();
  private seq = 0;

  async insert(job: JobRecord): Promise<boolean> {
    if (this.jobs.has(job.id)) return false;
    this.jobs.set(job.id, job);
    return true;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.jobs.get(id);
  }

  async nextLeasable(now: number, circuits?: readonly string[]): Promise<JobRecord | undefined> {
    let best: JobRecord | undefined;
    for (const j of this.jobs.values()) {
      const leasable =
        j.status === "queued" || (j.status === "leased" && j.lease !== undefined && j.lease.expiresAt <= now);
      if (!leasable) continue;
      if (circuits && !circuits.includes(`${j.circuit.set}/${j.circuit.main}`)) continue;
      if (!best || j.seq < best.seq) best = j;
    }
    return best;
  }

  async replace(job: JobRecord, expectedVersion: number): Promise<boolean> {
    const cur = this.jobs.get(job.id);
    if (!cur || cur.version !== expectedVersion) return false;
    this.jobs.set(job.id, job);
    return true;
  }

  async list(statuses?: readonly JobRecord["status"][]): Promise<JobRecord[]> {
    return [...this.jobs.values()]
      .filter((j) => !statuses || statuses.includes(j.status))
      .sort((a, b) => a.seq - b.seq);
  }

  async putPayload(ref: string, data: Uint8Array): Promise<void> {
    this.payloads.set(ref, data);
  }

  async getPayload(ref: string): Promise<Uint8Array | undefined> {
    return this.payloads.get(ref);
  }

  async deletePayload(ref: string): Promise<void> {
    this.payloads.delete(ref);
  }

  async nextSeq(): Promise<number> {
    return ++this.seq;
  }
}
