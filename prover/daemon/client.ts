// The prover daemon's side of the prover API (prover/jobs/http.ts): plain fetch, the bearer token on every call,
// and the server's {code, message} errors surfaced as ProverApiError with the same code, so the daemon can tell
// "the lease is gone, drop the job" from "the network blinked, try again".
import type { LeaseReply, LeasedJob } from "../jobs/http.js";
import { LEASE_HEADER, PROVER_API_PREFIX } from "../jobs/http.js";
import type { ProofOutput } from "../jobs/types.js";

export class ProverApiError extends Error {
  override readonly name = "ProverApiError";
  constructor(
    /** The server's code, or UNREACHABLE / BAD_RESPONSE when there was no usable answer. */
    readonly code: string,
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** Codes after which the job is no longer this prover's: stop working on it, post nothing. */
export const LEASE_GONE = new Set([
  "LEASE_EXPIRED",
  "LEASE_NOT_HELD",
  "ALREADY_COMPLETED",
  "JOB_FAILED",
  "JOB_NOT_FOUND",
]);

export interface ProverApiClientOptions {
  /** Base URL of the sequencer (the API is under /prover/v1). */
  baseUrl: string;
  token?: string;
  /** Per-request timeout (the lease long poll adds its wait to it). */
  timeoutMs?: number;
}

export class ProverApiClient {
  private readonly base: URL;

  constructor(private readonly o: ProverApiClientOptions) {
    let u: URL;
    try {
      u = new URL(o.baseUrl);
    } catch {
      throw new ProverApiError("BAD_USAGE", `not a URL: ${o.baseUrl}`, undefined);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      throw new ProverApiError("BAD_USAGE", `the sequencer URL must be http(s): ${o.baseUrl}`, undefined);
    }
    const path = u.pathname.replace(/\/+$/, "");
    u.pathname = `${path}${PROVER_API_PREFIX}/`;
    this.base = u;
  }

  private async call(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    opts: { signal?: AbortSignal; extraTimeoutMs?: number; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.o.token !== undefined) headers.authorization = `Bearer ${this.o.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const timeout = AbortSignal.timeout((this.o.timeoutMs ?? 30_000) + (opts.extraTimeoutMs ?? 0));
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (e) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? e;
      throw new ProverApiError("UNREACHABLE", `${method} ${path}: ${(e as Error).message}`, undefined);
    }
    if (res.ok) return res;
    let code = "BAD_RESPONSE";
    let message = `${method} ${path}: HTTP ${res.status}`;
    try {
      const j = (await res.json()) as { code?: unknown; message?: unknown };
      if (typeof j.code === "string") code = j.code;
      if (typeof j.message === "string") message = j.message;
    } catch {
      // not a JSON error body: keep the HTTP status
    }
    throw new ProverApiError(code, message, res.status);
  }

  private async json<T>(res: Response): Promise<T> {
    try {
      return (await res.json()) as T;
    } catch {
      throw new ProverApiError("BAD_RESPONSE", "the server's answer is not JSON", res.status);
    }
  }

  /** A job for this worker, or null when none came within `waitMs`. */
  async lease(
    req: { workerId: string; ttlMs: number; circuits: readonly string[]; waitMs: number },
    signal?: AbortSignal,
  ): Promise<LeasedJob | null> {
    const res = await this.call("POST", "lease", req, { signal, extraTimeoutMs: req.waitMs });
    return (await this.json<LeaseReply>(res)).job;
  }

  /** The input JSON text or the .wtns bytes. */
  async payload(job: LeasedJob, signal?: AbortSignal): Promise<Uint8Array> {
    const res = await this.call("GET", job.payloadPath, undefined, {
      signal,
      headers: { [LEASE_HEADER]: job.leaseId },
    });
    return new Uint8Array(await res.arrayBuffer());
  }

  async heartbeat(job: LeasedJob, ttlMs: number): Promise<void> {
    await this.call("POST", `jobs/${encodeURIComponent(job.id)}/heartbeat`, { leaseId: job.leaseId, ttlMs });
  }

  async result(job: LeasedJob, out: ProofOutput): Promise<{ duplicate: boolean }> {
    const res = await this.call("POST", `jobs/${encodeURIComponent(job.id)}/result`, {
      leaseId: job.leaseId,
      proof: out.proof,
      publicSignals: out.publicSignals,
    });
    return this.json<{ duplicate: boolean }>(res);
  }

  async fail(job: LeasedJob, message: string, retryable: boolean): Promise<void> {
    await this.call("POST", `jobs/${encodeURIComponent(job.id)}/fail`, {
      leaseId: job.leaseId,
      message: message.slice(0, 4000),
      retryable,
    });
  }

  async release(job: LeasedJob): Promise<void> {
    await this.call("POST", `jobs/${encodeURIComponent(job.id)}/release`, { leaseId: job.leaseId });
  }
}
