// One pool worker process: creates its backend once (the curve and its threads live as long as the process), then
// proves jobs one at a time and verifies each proof against its verification key before replying, so a proof that
// leaves a worker has already passed the self-check. Started by pool.ts with tsx as the loader.
import { pathToFileURL } from "node:url";
import { isAbsolute, resolve } from "node:path";
import { ProverError, isProverError, messageOf } from "../backend/errors.js";
import { createBackend } from "../backend/registry.js";
import type { ProverBackend } from "../backend/types.js";
import type { FromWorker, JobMessage, ToWorker } from "./messages.js";
import { assertVerifies, readVerificationKey, type VerificationKey } from "./selfCheck.js";

let backend: ProverBackend | undefined;
const vkeys = new Map<string, VerificationKey>();

function send(m: FromWorker): void {
  process.send?.(m);
}

function fail(id: number, e: unknown): void {
  const code = isProverError(e) ? e.code : "PROVE_FAILED";
  send({ type: "failed", id, code, message: messageOf(e) });
}

async function job(m: JobMessage): Promise<void> {
  if (!backend) throw new ProverError("BACKEND_CLOSED", "worker received a job before init");
  let vkey = vkeys.get(m.vkeyPath);
  if (!vkey) {
    vkey = await readVerificationKey(m.vkeyPath);
    vkeys.set(m.vkeyPath, vkey);
  }
  const t0 = performance.now();
  const result = await backend.prove(m.zkeyPath, m.witness);
  const t1 = performance.now();
  // The backend still holds the shared curve, so the check reuses its threads.
  await assertVerifies(vkey, result, `proof of job ${m.id}`);
  const t2 = performance.now();
  send({
    type: "done",
    id: m.id,
    result,
    proveMs: t1 - t0,
    verifyMs: t2 - t1,
    maxRssKiB: process.resourceUsage().maxRSS,
  });
}

process.on("message", (raw: unknown) => {
  const m = raw as ToWorker;
  void (async () => {
    try {
      if (m.type === "init") {
        for (const p of m.plugins) await import(pathToFileURL(isAbsolute(p) ? p : resolve(p)).href);
        backend = await createBackend(m.backend, { threads: m.threads });
        send({ type: "ready", backend: backend.name });
      } else if (m.type === "job") {
        await job(m);
      } else if (m.type === "shutdown") {
        await backend?.close();
        backend = undefined;
        process.disconnect?.();
      }
    } catch (e) {
      fail(m.type === "job" ? m.id : -1, e);
    }
  })();
});

// Losing the pool (its process died) leaves nothing to prove for.
process.on("disconnect", () => {
  void (backend?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
