// Typed front end to the wasmWorker.cjs threads: the development setup spends
// nearly all of its time multiplying the two generators by known scalars, and
// spreading that over every core is what makes it fast on small machines.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

export type Group = 1 | 2;

/** Bytes of an affine point in snarkjs's LEM layout (Montgomery x || y). */
export function pointSize(group: Group): number {
  return group === 1 ? 64 : 128;
}

export const FR_BYTES = 32;

export interface WasmCurveCode {
  /** ffjavascript's bn128 wasm binary. */
  code: Uint8Array;
  g1: Uint8Array;
  g2: Uint8Array;
}

interface FixedBaseOut {
  lem: Uint8Array;
  u?: Uint8Array;
  c?: Uint8Array;
}

export interface LinCombOut {
  a: Uint8Array;
  b: Uint8Array;
  ic: Uint8Array;
  c: Uint8Array;
  cDelta: Uint8Array;
}

export interface LinCombInput {
  constraints: Uint8Array;
  nConstraints: number;
  nVars: number;
  nPublic: number;
  lagrange: Uint8Array;
  alpha: Uint8Array;
  beta: Uint8Array;
  invDelta: Uint8Array;
}

export interface FixedBaseResult {
  lem: Uint8Array;
  u: Uint8Array | undefined;
  c: Uint8Array | undefined;
}

interface Reply {
  id: number;
  ok: boolean;
  out?: Record<string, Uint8Array>;
  error?: string;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

interface Job {
  msg: Record<string, unknown>;
  transfer: ArrayBuffer[];
  resolve: (out: Record<string, Uint8Array>) => void;
  reject: (e: Error) => void;
}

/** Scalars per worker message: small enough for steady progress reports. */
const CHUNK = 4096;

export class WasmPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly pending = new Map<number, Job & { slot: Slot }>();
  private nextId = 1;
  private failed: Error | undefined;
  /** Window widths chosen for the expected amount of work per group. */
  private readonly windows: Record<Group, number> = { 1: 8, 2: 8 };
  /** Window widths whose tables the workers already hold. */
  private readonly built: Record<Group, Set<number>> = { 1: new Set(), 2: new Set() };

  /** `wasm`: ffjavascript's bn128 wasm binary and the generators (affine LEM). */
  constructor(wasm: WasmCurveCode, threads = availableParallelism()) {
    const url = new URL("./wasmWorker.cjs", import.meta.url);
    for (let i = 0; i < Math.max(1, threads); i++) {
      const slot: Slot = { worker: new Worker(url, { workerData: wasm }), busy: false };
      slot.worker.on("message", (r: Reply) => this.onReply(slot, r));
      slot.worker.on("error", (e: Error) => this.fail(e));
      this.slots.push(slot);
    }
  }

  get threads(): number {
    return this.slots.length;
  }

  /**
   * Picks the signed-window width minimising (points per thread x windows +
   * table size) for the number of points about to be computed; each worker
   * builds its table once and keeps it for the whole run. G1 stops at 15:
   * measured here, a 16-bit G1 table (34 MB) doubles the cost of each
   * addition through cache misses, while G2's heavier additions hide them.
   */
  planWork(group: Group, expectedPoints: number): void {
    const perThread = expectedPoints / this.slots.length;
    const maxW = group === 1 ? 15 : 16;
    let best = 4;
    let bestCost = Infinity;
    for (let w = 4; w <= maxW; w++) {
      const nw = Math.ceil(255 / w);
      // a table entry costs about two affine additions to build
      const cost = perThread * nw + (this.built[group].has(w) ? 0 : 2 * nw * 2 ** (w - 1));
      if (cost < bestCost) {
        bestCost = cost;
        best = w;
      }
    }
    this.windows[group] = best;
  }

  /** Fixes the window width (tests and benchmarks); 4..16. */
  setWindow(group: Group, w: number): void {
    if (!Number.isInteger(w) || w < 4 || w > 16) throw new Error(`window ${w} out of range`);
    this.windows[group] = w;
  }

  /**
   * scalars[i]*G for the group's standard generator; scalars are 32-byte
   * little-endian normal-form values. All chunks are queued at once (so
   * later calls queue behind earlier ones and the threads never idle while
   * the caller writes results); onChunk gets the points each chunk finished.
   */
  async fixedBase(
    group: Group,
    scalars: Uint8Array,
    opts: { wantU?: boolean; wantC?: boolean; onChunk?: (points: number) => void } = {},
  ): Promise<FixedBaseResult> {
    const n = scalars.byteLength / FR_BYTES;
    const sG = pointSize(group);
    const lem = new Uint8Array(n * sG);
    const u = opts.wantU ? new Uint8Array(n * sG) : undefined;
    const c = opts.wantC ? new Uint8Array((n * sG) / 2) : undefined;
    this.built[group].add(this.windows[group]);
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < n; i += CHUNK) {
      const m = Math.min(CHUNK, n - i);
      const chunk = scalars.slice(i * FR_BYTES, (i + m) * FR_BYTES);
      const msg = { op: "fixedBase", group, w: this.windows[group], scalars: chunk, wantU: !!u, wantC: !!c };
      jobs.push(
        this.submit(msg, [chunk.buffer]).then((raw) => {
          const out = raw as unknown as FixedBaseOut;
          lem.set(out.lem, i * sG);
          if (u && out.u) u.set(out.u, i * sG);
          if (c && out.c) c.set(out.c, (i * sG) / 2);
          opts.onChunk?.(m);
        }),
      );
    }
    await Promise.all(jobs);
    return { lem, u, c };
  }

  /** Uncompressed encodings of (p1[i] - p2[i]) for affine LEM G1 points. */
  async subToU(p1: Uint8Array, p2: Uint8Array): Promise<Uint8Array> {
    const n = p1.byteLength / 64;
    const out = new Uint8Array(n * 64);
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < n; i += CHUNK) {
      const m = Math.min(CHUNK, n - i);
      const a = p1.slice(i * 64, (i + m) * 64);
      const b = p2.slice(i * 64, (i + m) * 64);
      jobs.push(
        this.submit({ op: "subToU", p1: a, p2: b }, [a.buffer, b.buffer]).then((r) => {
          out.set(need(r, "u"), i * 64);
        }),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  /** Batch LEM to uncompressed ("U") or compressed ("C") encodings. */
  async convert(group: Group, points: Uint8Array, to: "U" | "C"): Promise<Uint8Array> {
    const sG = pointSize(group);
    const sOut = to === "U" ? sG : sG / 2;
    const n = points.byteLength / sG;
    const out = new Uint8Array(n * sOut);
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < n; i += CHUNK * 4) {
      const m = Math.min(CHUNK * 4, n - i);
      const part = points.slice(i * sG, (i + m) * sG);
      jobs.push(
        this.submit({ op: "convert", group, to, points: part }, [part.buffer]).then((r) => {
          out.set(need(r, "data"), i * sOut);
        }),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  async r1csLinComb(input: LinCombInput): Promise<LinCombOut> {
    const r = await this.submit({ op: "r1csLinComb", ...input }, []);
    return {
      a: need(r, "a"),
      b: need(r, "b"),
      ic: need(r, "ic"),
      c: need(r, "c"),
      cDelta: need(r, "cDelta"),
    };
  }

  async terminate(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private submit(msg: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<Record<string, Uint8Array>> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ msg, transfer, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const job = this.queue.shift();
      if (!job) return;
      const id = this.nextId++;
      slot.busy = true;
      this.pending.set(id, { ...job, slot });
      slot.worker.postMessage({ ...job.msg, id }, job.transfer);
    }
  }

  private onReply(slot: Slot, r: Reply): void {
    const job = this.pending.get(r.id);
    this.pending.delete(r.id);
    slot.busy = false;
    if (job) {
      if (r.ok && r.out) job.resolve(r.out);
      else job.reject(new Error(`dev setup worker: ${r.error ?? "no result"}`));
    }
    this.pump();
  }

  private fail(e: Error): void {
    this.failed = e;
    for (const job of this.pending.values()) job.reject(e);
    this.pending.clear();
    for (const job of this.queue.splice(0)) job.reject(e);
  }
}

function need(r: Record<string, Uint8Array>, key: string): Uint8Array {
  const v = r[key];
  if (!v) throw new Error(`dev setup worker: reply lacks ${key}`);
  return v;
}
