// The HTTP + WebSocket API (fastify 5, TypeBox schemas). Handlers stay thin: they authenticate, turn the request into
// an engine command and map the answer; the service makes it durable first. Every error leaves as
// {code, message} with a stable code and never a stack trace; bodies, rates and queues are bounded.
import fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import rateLimit from "@fastify/rate-limit";
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import swagger from "@fastify/swagger";
import websocket from "@fastify/websocket";
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Logger } from "pino";
import { SequencerError, reject, statusOf } from "../errors.js";
import type { CancelCmd, Command, PlaceCmd } from "../engine/commands.js";
import type { BatchPipeline } from "../pipeline.js";
import type { Sequencer } from "../service.js";
import { recoverSigner } from "../oracle/report.js";
import { Authenticator, AUTH_HEADERS } from "./auth.js";
import * as S from "./schemas.js";
import {
  accountView,
  batchView,
  bookView,
  fillView,
  fundingView,
  marketsView,
  orderView,
  pricesView,
  tradeView,
} from "./views.js";
import { WsHub } from "./ws.js";

export interface ApiOptions {
  readonly bodyLimit: number;
  readonly rateLimit: { readonly max: number; readonly timeWindowMs: number } | null;
  readonly authWindowMs: number;
  readonly ws: {
    readonly maxBufferedBytes: number;
    readonly bookDepth: number;
    readonly maxErrors: number;
    readonly maxPayload: number;
  };
  /**
   * Mounts the prover job API (prover/jobs/http.ts, under /prover/v1) on this server, so prover daemons lease
   * from the sequencer's own port; given by a prover adapter that serves jobs (sequencer/adapters/jobProver.ts).
   */
  readonly proverRoutes?: ((app: FastifyInstance) => Promise<void>) | null;
}

export interface Api {
  readonly app: FastifyInstance;
  readonly hub: WsHub;
}

function sendError(reply: FastifyReply, code: string, message: string, status?: number): FastifyReply {
  return reply.status(status ?? statusOf(code)).send({ code, message });
}

/** Maps anything thrown in a request to a stable code; unknown errors become INTERNAL and are logged, not shown. */
function errorHandler(log: Logger) {
  return (err: FastifyError | SequencerError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof SequencerError) return sendError(reply, err.code, err.message, err.status);
    const fe = err as FastifyError & { validation?: unknown };
    if (fe.validation) return sendError(reply, "VALIDATION_FAILED", fe.message, 400);
    const status = fe.statusCode ?? 500;
    if (status === 413) return sendError(reply, "BODY_TOO_LARGE", "request body too large", 413);
    if (status === 415) return sendError(reply, "UNSUPPORTED_MEDIA_TYPE", "send application/json", 415);
    if (status === 429) return sendError(reply, "RATE_LIMITED", "rate limit exceeded", 429);
    if (status === 404) return sendError(reply, "NOT_FOUND", "not found", 404);
    if (status === 400 && /JSON/i.test(fe.code ?? ""))
      return sendError(reply, "INVALID_JSON", "body is not valid JSON", 400);
    if (status >= 400 && status < 500) return sendError(reply, "BAD_REQUEST", fe.message, status);
    log.error({ err: { message: err.message, stack: err.stack }, url: req.url }, "internal error");
    return sendError(reply, "INTERNAL", "internal error", 500);
  };
}

export async function createApi(seq: Sequencer, pipeline: BatchPipeline, opts: ApiOptions): Promise<Api> {
  const app = fastify({
    loggerInstance: seq.log,
    bodyLimit: opts.bodyLimit,
    // Per-request info logs would dominate the log under load; errors and state changes are logged explicitly.
    logController: new LogController({ disableRequestLogging: true }),
    // close() must not wait for idle keep-alive sockets (or a prover's lease long poll) to time out.
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // TypeBox validates (the same schemas as the types); bodies are never coerced, so `"flags": null` is refused
  // rather than read as 0. Path and query strings are converted to their declared types.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  const e = seq.engine;
  const auth = new Authenticator(
    e.params.domain,
    (i) => e.accountKey(i),
    opts.authWindowMs,
    () => seq.now(),
  );
  const hub = new WsHub(seq, auth, opts.ws);

  app.setErrorHandler(errorHandler(seq.log));
  app.setNotFoundHandler((_req, reply) => sendError(reply, "NOT_FOUND", "no such route", 404));

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "zkmargin sequencer",
        version: "1",
        description: "Trader and public API of the zkmargin sequencer",
      },
      components: {
        securitySchemes: {
          zkmAuth: {
            type: "apiKey",
            in: "header",
            name: AUTH_HEADERS.signature,
            description: "with x-zkm-account and x-zkm-timestamp",
          },
        },
      },
    },
  });
  if (opts.rateLimit) {
    await app.register(rateLimit, {
      global: true,
      max: opts.rateLimit.max,
      timeWindow: opts.rateLimit.timeWindowMs,
      errorResponseBuilder: (_req, ctx) => ({
        statusCode: 429,
        code: "RATE_LIMITED",
        message: `rate limit exceeded, retry in ${ctx.after}`,
      }),
    });
  }
  await app.register(websocket, { options: { maxPayload: opts.ws.maxPayload } });
  // Its own encapsulated context: the prover API keeps its error handler, validation and bearer-token check.
  if (opts.proverRoutes) await opts.proverRoutes(app as unknown as FastifyInstance);

  const started = new WeakMap<FastifyRequest, number>();
  app.addHook("onRequest", async (req) => {
    started.set(req, performance.now());
  });
  app.addHook("onResponse", async (req, reply) => {
    const t0 = started.get(req);
    if (t0 === undefined) return;
    seq.metrics.http.observe(
      { method: req.method, route: req.routeOptions.url ?? "unknown", status: String(reply.statusCode) },
      (performance.now() - t0) / 1000,
    );
  });

  const authed = (req: FastifyRequest): bigint =>
    auth.verify({
      account: req.headers[AUTH_HEADERS.account] as string | undefined,
      timestamp: req.headers[AUTH_HEADERS.timestamp] as string | undefined,
      signature: req.headers[AUTH_HEADERS.signature] as string | undefined,
    });
  const owner = (req: FastifyRequest, index: string): bigint => {
    const who = authed(req);
    if (who !== BigInt(index))
      reject("FORBIDDEN", "an account's private data is readable only with its own key");
    return who;
  };
  const security = [{ zkmAuth: [] }];
  // The engine answers in the shape of the route's response schema; fastify's serializer enforces it on the way out.
  const run = <T extends TSchema>(_shape: T, cmd: Command): Promise<Static<T>> =>
    seq.exec(cmd) as Promise<Static<T>>;
  const tags = (t: string) => [t];

  // ---------------------------------------------------------------- service

  app.get(
    "/health",
    { schema: { tags: tags("service"), response: { 200: S.HealthView, 503: S.HealthView } } },
    async (_req, reply) => {
      const halted = seq.halted;
      return reply.status(halted ? 503 : 200).send({
        status: halted ? "halted" : "ok",
        root: e.committedState.root.toString(),
        digest: e.digest(),
        halted,
        batchNumber: e.committedState.batchNumber.toString(),
        settledBatch: e.lastSettled.number.toString(),
        openBatchOps: e.openBatch.size,
        openOrders: e.liveOrderCount(),
        pipelineError: pipeline.lastError,
        journalEntries: seq.journal.lastSeq,
      });
    },
  );
  app.get("/metrics", { schema: { hide: true } }, async (_req, reply) => {
    reply.header("content-type", seq.metrics.registry.contentType);
    return seq.metrics.registry.metrics();
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  // ---------------------------------------------------------------- public market data

  app.get("/v1/markets", { schema: { tags: tags("public"), response: { 200: S.MarketsView } } }, async () => {
    await seq.settledReads();
    return marketsView(e);
  });
  app.get(
    "/v1/markets/:market/book",
    {
      schema: {
        tags: tags("public"),
        params: S.MarketParams,
        querystring: S.DepthQuery,
        response: { 200: S.BookView, ...S.errorResponses },
      },
    },
    async (req) => {
      if (req.params.market >= e.params.sizes.markets)
        reject("UNKNOWN_MARKET", `market ${req.params.market} does not exist`);
      await seq.settledReads();
      return bookView(e, req.params.market, req.query.depth ?? 20);
    },
  );
  app.get(
    "/v1/markets/:market/trades",
    {
      schema: {
        tags: tags("public"),
        params: S.MarketParams,
        querystring: S.LimitQuery,
        response: { 200: Type.Object({ trades: Type.Array(S.TradeView) }), ...S.errorResponses },
      },
    },
    async (req) => {
      if (req.params.market >= e.params.sizes.markets)
        reject("UNKNOWN_MARKET", `market ${req.params.market} does not exist`);
      await seq.settledReads();
      const all = e.recentTrades(req.params.market);
      return {
        trades: all
          .slice(-(req.query.limit ?? 100))
          .reverse()
          .map(tradeView),
      };
    },
  );
  app.get("/v1/prices", { schema: { tags: tags("public"), response: { 200: S.PricesView } } }, async () => {
    await seq.settledReads();
    return pricesView(e, seq.now());
  });
  app.get("/v1/funding", { schema: { tags: tags("public"), response: { 200: S.FundingView } } }, async () => {
    await seq.settledReads();
    return fundingView(e);
  });
  app.get(
    "/v1/batches",
    {
      schema: {
        tags: tags("public"),
        querystring: S.LimitQuery,
        response: { 200: Type.Object({ batches: Type.Array(S.BatchView) }) },
      },
    },
    async (req) => {
      await seq.settledReads();
      const open = e.committedState.batchNumber + 1n;
      const out = [];
      for (let n = open; n >= 1n && out.length < (req.query.limit ?? 20); n--) {
        const v = batchView(e, seq.journal, n);
        if (v) out.push(v);
      }
      return { batches: out };
    },
  );
  app.get(
    "/v1/batches/:number",
    {
      schema: {
        tags: tags("public"),
        params: S.BatchParams,
        response: { 200: S.BatchView, ...S.errorResponses },
      },
    },
    async (req) => {
      await seq.settledReads();
      const v = batchView(e, seq.journal, BigInt(req.params.number));
      if (!v) reject("BATCH_NOT_FOUND", `no batch ${req.params.number}`);
      return v;
    },
  );

  // ---------------------------------------------------------------- oracle

  app.post(
    "/v1/oracle/reports",
    {
      schema: {
        tags: tags("oracle"),
        body: S.OracleBody,
        response: { 200: S.OracleResult, ...S.errorResponses },
      },
    },
    async (req) => {
      const report = {
        timestamp: BigInt(req.body.report.timestamp),
        markets: req.body.report.markets.map(BigInt),
        collaterals: req.body.report.collaterals.map(BigInt),
      };
      // The signer is recovered here, never taken from the request; the engine then trusts it (and so does replay).
      const signer = await recoverSigner(e.params.domain, { report, signature: req.body.signature });
      return run(S.OracleResult, {
        kind: "oracle",
        signer,
        report: req.body.report,
        signature: req.body.signature,
      });
    },
  );

  // ---------------------------------------------------------------- accounts

  app.post(
    "/v1/accounts",
    {
      schema: {
        tags: tags("trader"),
        body: S.RegisterBody,
        response: { 200: S.RegisterView, ...S.errorResponses },
      },
    },
    async (req) =>
      run(S.RegisterView, { kind: "register", pubKeyX: req.body.pubKeyX, pubKeyY: req.body.pubKeyY }),
  );
  app.get(
    "/v1/accounts/:index",
    {
      schema: {
        tags: tags("trader"),
        security,
        params: S.AccountParams,
        headers: S.AuthHeaders,
        response: { 200: S.AccountView, ...S.errorResponses },
      },
    },
    async (req) => {
      const who = owner(req, req.params.index);
      await seq.settledReads();
      return accountView(e, who);
    },
  );
  app.get(
    "/v1/accounts/:index/orders",
    {
      schema: {
        tags: tags("trader"),
        security,
        params: S.AccountParams,
        headers: S.AuthHeaders,
        response: {
          200: Type.Object({ open: Type.Array(S.OrderView), recent: Type.Array(S.OrderView) }),
          ...S.errorResponses,
        },
      },
    },
    async (req) => {
      const who = owner(req, req.params.index);
      await seq.settledReads();
      return {
        open: e.openOrders(who).map(orderView),
        recent: [...e.orderHistory(who)].reverse().map(orderView),
      };
    },
  );
  app.get(
    "/v1/accounts/:index/fills",
    {
      schema: {
        tags: tags("trader"),
        security,
        params: S.AccountParams,
        headers: S.AuthHeaders,
        querystring: S.LimitQuery,
        response: { 200: Type.Object({ fills: Type.Array(S.AccountFillView) }), ...S.errorResponses },
      },
    },
    async (req) => {
      const who = owner(req, req.params.index);
      await seq.settledReads();
      return {
        fills: e
          .accountFills(who)
          .slice(-(req.query.limit ?? 100))
          .reverse()
          .map(fillView),
      };
    },
  );
  app.get(
    "/v1/accounts/:index/proof",
    {
      schema: {
        tags: tags("trader"),
        security,
        params: S.AccountParams,
        headers: S.AuthHeaders,
        response: { 200: S.ProofView, ...S.errorResponses },
      },
    },
    async (req) => {
      const who = owner(req, req.params.index);
      await seq.settledReads();
      // The path in the last settled root is what an exit proof needs; fall back to the last cut batch before any settles.
      const settled = e.lastSettled;
      const st = settled.state;
      const p = st.tree.proof(who);
      return {
        accountIndex: who.toString(),
        batchNumber: settled.number.toString(),
        settled: true,
        root: st.root.toString(),
        leaf: p.leaf.toString(),
        siblings: p.siblings.map(String),
        account: st.account(who).serialize(),
      };
    },
  );

  // ---------------------------------------------------------------- orders

  const placeCmd = (b: S.PlaceOrderBody): PlaceCmd => ({
    kind: "place",
    clientOrderId: b.clientOrderId,
    order: b.order,
    signature: b.signature,
  });
  app.post(
    "/v1/orders",
    {
      schema: {
        tags: tags("trader"),
        body: S.PlaceOrderBody,
        response: { 200: S.PlaceResultView, ...S.errorResponses },
      },
    },
    async (req) => run(S.PlaceResultView, placeCmd(req.body)),
  );
  app.post(
    "/v1/orders/cancel",
    {
      schema: {
        tags: tags("trader"),
        security,
        body: S.CancelBody,
        headers: S.AuthHeaders,
        response: { 200: S.CancelResultView, ...S.errorResponses },
      },
    },
    async (req) => {
      const who = authed(req);
      return run(S.CancelResultView, { kind: "cancel", accountIndex: who.toString(), ...req.body });
    },
  );
  app.delete(
    "/v1/orders/:orderId",
    {
      schema: {
        tags: tags("trader"),
        security,
        params: S.OrderParams,
        headers: S.AuthHeaders,
        response: { 200: S.CancelResultView, ...S.errorResponses },
      },
    },
    async (req) => {
      const who = authed(req);
      return run(S.CancelResultView, {
        kind: "cancel",
        accountIndex: who.toString(),
        orderId: req.params.orderId,
      });
    },
  );
  app.post(
    "/v1/orders/cancel-all",
    {
      schema: {
        tags: tags("trader"),
        security,
        body: S.CancelAllBody,
        headers: S.AuthHeaders,
        response: { 200: Type.Object({ cancelled: Type.Array(Type.String()) }), ...S.errorResponses },
      },
    },
    async (req) => {
      const who = authed(req);
      return run(Type.Object({ cancelled: Type.Array(Type.String()) }), {
        kind: "cancelAll",
        accountIndex: who.toString(),
        ...(req.body.market !== undefined ? { market: req.body.market } : {}),
      });
    },
  );
  app.post(
    "/v1/orders/batch",
    {
      schema: {
        tags: tags("trader"),
        body: S.BatchBody,
        headers: S.AuthHeaders,
        response: { 200: Type.Object({ results: Type.Array(S.BatchItemResult) }), ...S.errorResponses },
      },
    },
    async (req) => {
      const cancels = req.body.cancel ?? [];
      const places = req.body.place ?? [];
      if (cancels.length + places.length === 0) reject("VALIDATION_FAILED", "an empty batch");
      const who = cancels.length > 0 ? authed(req) : null;
      const items: (PlaceCmd | CancelCmd)[] = [
        ...cancels.map((c): CancelCmd => ({ kind: "cancel", accountIndex: who!.toString(), ...c })),
        ...places.map(placeCmd),
      ];
      return run(Type.Object({ results: Type.Array(S.BatchItemResult) }), { kind: "batch", items });
    },
  );

  // ---------------------------------------------------------------- withdrawals

  app.post(
    "/v1/withdrawals",
    {
      schema: {
        tags: tags("trader"),
        body: S.WithdrawBody,
        response: { 200: S.WithdrawView, ...S.errorResponses },
      },
    },
    async (req) =>
      run(S.WithdrawView, {
        kind: "withdraw",
        ...req.body,
        l1Address: BigInt(req.body.l1Address).toString(),
      }),
  );

  // ---------------------------------------------------------------- websocket

  app.get("/v1/ws", { websocket: true, schema: { hide: true } }, (socket) => hub.attach(socket));

  return { app: app as unknown as FastifyInstance, hub };
}
