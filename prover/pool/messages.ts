// The IPC protocol between the pool (pool.ts) and its worker processes (worker.ts). Messages travel with node's
// "advanced" serialization (structured clone), so witness bytes cross as a Uint8Array without base64.
import type { ProverErrorCode } from "../backend/errors.js";
import type { ProofResult, WitnessSource } from "../backend/types.js";

export interface InitMessage {
  readonly type: "init";
  readonly backend: string;
  readonly threads: number;
  /** Modules imported before the backend is created (they call registerBackend). */
  readonly plugins: readonly string[];
}

export interface JobMessage {
  readonly type: "job";
  readonly id: number;
  readonly zkeyPath: string;
  readonly vkeyPath: string;
  readonly witness: WitnessSource;
}

export interface ShutdownMessage {
  readonly type: "shutdown";
}

export type ToWorker = InitMessage | JobMessage | ShutdownMessage;

export interface ReadyMessage {
  readonly type: "ready";
  readonly backend: string;
}

export interface DoneMessage {
  readonly type: "done";
  readonly id: number;
  readonly result: ProofResult;
  readonly proveMs: number;
  readonly verifyMs: number;
  /** The worker process's peak resident memory so far (KiB, process.resourceUsage().maxRSS). */
  readonly maxRssKiB: number;
}

export interface FailedMessage {
  readonly type: "failed";
  /** Job id, or -1 when init failed. */
  readonly id: number;
  readonly code: ProverErrorCode;
  readonly message: string;
}

export type FromWorker = ReadyMessage | DoneMessage | FailedMessage;
