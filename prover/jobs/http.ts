// The prover API: the job queue over HTTP for stateless prover daemons (prover/daemon). A fastify plugin, so the
// sequencer mounts it on its own server (`registerProverApi(app, { queue, token })`) or a test on a bare one. Provers
// are trusted with the batch's private data (the payload is every touched account), so the API can demand a shared
// bearer token; a payload is served only to the job's current lease holder. Bodies are TypeBox-validated and never
// coerced; every error leaves as {code, message} with the queue's stable codes.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { JOB_ERROR_STATUS, JobQueueError, type JobErrorCode } from "./errors.js";
import type { JobQueue } from "./queue.js";
import type { JobRecord } from "./types.js";

export const PROVER_API_PREFIX = "/prover/v1";
/** Header carrying the lease id on GET /jobs/:id/payload. */
export const LEASE_HEADER = "x-zkm-lease";

export interface ProverApiOptions {
  queue: JobQueue;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Longest a lease request may wait for a job (long poll). */
  maxWaitMs?: number;
}

const Id = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$" });
const LeaseId = Type.String({ pattern: "^[0-9a-f-]{36}$" });
const Dec = Type.String({ pattern: "^(0|[1-9][0-9]{0,77})$" });
const Ttl = Type.Integer({ minimum: 1, maximum: 3_600_000 });

export const LeaseBody = Type.Object(
  {
    workerId: Type.String({ pattern: "^[\\x21-\\x7e]{1,128}$" }),
    ttlMs: Type.Optional(Ttl),
    /** Only jobs for these circuits ("<set>/<main>"): the ones this prover has keys for. */
    circuits: Type.Optional(Type.Array(Type.String({ maxLength: 129 }), { maxItems: 256 })),
    waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  },
  { additionalProperties: false },
);
export type LeaseBody = Static<typeof LeaseBody>;

export const LeasedJob = Type.Object({
  id: Type.String(),
  circuit: Type.Object({ main: Type.String(), set: Type.String() }),
  payloadKind: Type.Union([Type.Literal("input"), Type.Literal("wtns")]),
  /** Path (under this API) to GET the payload from, with the lease header. */
  payloadPath: Type.String(),
  leaseId: Type.String(),
  /** Lease length granted; heartbeat well within it (clocks of prover and server may differ, so no timestamp). */
  ttlMs: Type.Integer(),
  attempt: Type.Integer(),
});
export type LeasedJob = Static<typeof LeasedJob>;

export const LeaseReply = Type.Object({ job: Type.Union([LeasedJob, Type.Null()]) });
export type LeaseReply = Static<typeof LeaseReply>;

export const HeartbeatBody = Type.Object(
  { leaseId: LeaseId, ttlMs: Type.Optional(Ttl) },
  { additionalProperties: false },
);
export const HeartbeatReply = Type.Object({ leaseId: Type.String(), ttlMs: Type.Integer() });

const G1 = Type.Array(Dec, { minItems: 3, maxItems: 3 });
export const ProofSchema = Type.Object(
  {
    pi_a: G1,
    pi_b: Type.Array(Type.Array(Dec, { minItems: 2, maxItems: 2 }), { minItems: 3, maxItems: 3 }),
    pi_c: G1,
    protocol: Type.Literal("groth16"),
    curve: Type.Literal("bn128"),
  },
  { additionalProperties: false },
);
export const ResultBody = Type.Object(
  { leaseId: LeaseId, proof: ProofSchema, publicSignals: Type.Array(Dec, { maxItems: 4096 }) },
  { additionalProperties: false },
);
export type ResultBody = Static<typeof ResultBody>;
export const ResultReply = Type.Object({
  id: Type.String(),
  status: Type.String(),
  duplicate: Type.Boolean(),
});

export const FailBody = Type.Object(
  { leaseId: LeaseId, message: Type.String({ maxLength: 4000 }), retryable: Type.Boolean() },
  { additionalProperties: false },
);
export const ReleaseBody = Type.Object({ leaseId: LeaseId }, { additionalProperties: false });
export const StatusReply = Type.Object({
  id: Type.String(),
  circuit: Type.Object({ main: Type.String(), set: Type.String() }),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: Type.Optional(Type.String()),
});

const Params = Type.Object({ id: Id });

function sendError(reply: FastifyReply, code: JobErrorCode, message: string, status?: number): FastifyReply {
  return reply.status(status ?? JOB_ERROR_STATUS[code]).send({ code, message });
}

function statusView(j: JobRecord): Static<typeof StatusReply> {
  return {
    id: j.id,
    circuit: j.circuit,
    status: j.status,
    attempts: j.attempts,
    ...(j.lastError !== undefined ? { lastError: j.lastError } : {}),
  };
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/** The routes, relative to the prefix they are registered under (use registerProverApi for the standard one). */
export async function proverQueueRoutes(parent: FastifyInstance, opts: ProverApiOptions): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  const { queue } = opts;
  const maxWaitMs = opts.maxWaitMs ?? 30_000;
  const tokenDigest = opts.token === undefined ? undefined : digest(opts.token);
  let closing = false;
  const wakers = new Set<() => void>();
  const wakeAll = (): void => {
    for (const w of wakers) w();
  };
  const offs = [queue.on("enqueued", wakeAll), queue.on("released", wakeAll), queue.on("rejected", wakeAll)];
  app.addHook("preClose", async () => {
    closing = true;
    wakeAll();
  });
  app.addHook("onClose", async () => {
    for (const off of offs) off();
  });

  app.setErrorHandler(
    (err: FastifyError | JobQueueError | Error, req: FastifyRequest, reply: FastifyReply) => {
      if (err instanceof JobQueueError) return sendError(reply, err.code, err.message, err.status);
      const fe = err as FastifyError & { validation?: unknown };
      if (fe.validation) return sendError(reply, "VALIDATION_FAILED", fe.message, 400);
      const status = fe.statusCode ?? 500;
      if (status === 413) return sendError(reply, "BODY_TOO_LARGE", "request body too large", 413);
      if (status === 415) return sendError(reply, "UNSUPPORTED_MEDIA_TYPE", "send application/json", 415);
      if (status === 400 && /JSON/i.test(fe.code ?? ""))
        return sendError(reply, "INVALID_JSON", "body is not valid JSON", 400);
      if (status >= 400 && status < 500) return sendError(reply, "BAD_REQUEST", fe.message, status);
      req.log.error(
        { err: { message: err.message, stack: err.stack }, url: req.url },
        "prover api internal error",
      );
      return sendError(reply, "INTERNAL", "internal error", 500);
    },
  );
  app.setNotFoundHandler((_req, reply) => sendError(reply, "NOT_FOUND", "not found", 404));

  if (tokenDigest) {
    app.addHook("onRequest", async (req, reply) => {
      const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
      // Compared as digests so the comparison takes the same time whatever the token's length.
      if (!m || !timingSafeEqual(digest(m[1]!), tokenDigest)) {
        return sendError(reply, "UNAUTHORIZED", "a valid prover bearer token is required", 401);
      }
    });
  }

  app.post(
    "/lease",
    { schema: { body: LeaseBody, response: { 200: LeaseReply } } },
    async (req, reply): Promise<LeaseReply> => {
      const b = req.body;
      const deadline = Date.now() + Math.min(b.waitMs ?? 0, maxWaitMs);
      // The request stream itself ends once its body is read; a hang-up shows on the response and the socket.
      let hungUp = false;
      reply.raw.once("close", () => {
        if (!reply.raw.writableEnded) hungUp = true;
      });
      const gone = (): boolean => hungUp || req.socket.destroyed;
      for (;;) {
        // A prover that hung up must not be handed a job it will never see (its lease would only time out).
        if (gone() || closing) return { job: null };
        const grant = await queue.lease(b.workerId, { ttlMs: b.ttlMs, circuits: b.circuits });
        if (grant) {
          const { job, lease, ttlMs } = grant;
          return {
            job: {
              id: job.id,
              circuit: job.circuit,
              payloadKind: job.payloadKind,
              payloadPath: `jobs/${encodeURIComponent(job.id)}/payload`,
              leaseId: lease.id,
              ttlMs,
              attempt: job.attempts,
            },
          };
        }
        const left = deadline - Date.now();
        if (left <= 0) return { job: null };
        // Woken by new or returned jobs; expired leases have no event, hence the short poll.
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, Math.min(left, 200));
          function done(): void {
            clearTimeout(t);
            wakers.delete(done);
            resolve();
          }
          wakers.add(done);
        });
      }
    },
  );

  app.post(
    "/jobs/:id/heartbeat",
    { schema: { params: Params, body: HeartbeatBody, response: { 200: HeartbeatReply } } },
    async (req) => {
      const { lease, ttlMs } = await queue.heartbeat(req.params.id, req.body.leaseId, req.body.ttlMs);
      return { leaseId: lease.id, ttlMs };
    },
  );

  app.get("/jobs/:id/payload", { schema: { params: Params } }, async (req, reply) => {
    const leaseId = req.headers[LEASE_HEADER];
    if (typeof leaseId !== "string")
      throw new JobQueueError("BAD_REQUEST", `send the lease id in ${LEASE_HEADER}`);
    const p = await queue.payload(req.params.id, leaseId);
    return reply
      .type(p.kind === "input" ? "application/json" : "application/octet-stream")
      .send(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  });

  app.post(
    "/jobs/:id/result",
    { bodyLimit: 1 << 20, schema: { params: Params, body: ResultBody, response: { 200: ResultReply } } },
    async (req) => {
      const { job, duplicate } = await queue.complete(req.params.id, req.body.leaseId, {
        proof: req.body.proof,
        publicSignals: req.body.publicSignals,
      });
      return { id: job.id, status: job.status, duplicate };
    },
  );

  app.post(
    "/jobs/:id/fail",
    { schema: { params: Params, body: FailBody, response: { 200: StatusReply } } },
    async (req) => statusView(await queue.fail(req.params.id, req.body.leaseId, req.body)),
  );

  app.post(
    "/jobs/:id/release",
    { schema: { params: Params, body: ReleaseBody, response: { 200: StatusReply } } },
    async (req) => statusView(await queue.release(req.params.id, req.body.leaseId)),
  );

  app.get("/jobs/:id", { schema: { params: Params, response: { 200: StatusReply } } }, async (req) =>
    statusView(await queue.get(req.params.id)),
  );
}

/** Mounts the prover API at /prover/v1 on `app`. */
export async function registerProverApi(app: FastifyInstance, opts: ProverApiOptions): Promise<void> {
  await app.register(proverQueueRoutes, { ...opts, prefix: PROVER_API_PREFIX });
}
