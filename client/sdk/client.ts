// Typed REST client for every sequencer route (sequencer/README.md). Request and response types come from the
// server's TypeBox schemas (types.ts); a non-2xx answer becomes an SdkError carrying the server's stable code and
// HTTP status, and a transport failure becomes NETWORK or TIMEOUT, so callers never parse message text. Private
// routes are signed per request with fresh PROTOCOL §6 auth headers, since the server accepts a signature only
// within a short window of its clock.
import type { Domain, PublicKey } from "../../protocol/index.js";
import { SdkError, sdkFail } from "./errors.js";
import type { TraderKey } from "./keys.js";
import { authHeaders } from "./signing.js";
import type {
  AccountView,
  BatchBody,
  BatchResponse,
  BatchView,
  BatchesResponse,
  BookView,
  CancelAllResponse,
  CancelBody,
  CancelResultView,
  FillsResponse,
  FundingView,
  HealthView,
  MarketsView,
  OracleBody,
  OracleResult,
  OrdersResponse,
  PlaceOrderBody,
  PlaceResultView,
  PricesView,
  ProofView,
  RegisterView,
  TradesResponse,
  WithdrawBody,
  WithdrawView,
} from "./types.js";

/** Who signs private requests: the account key, the deployment it signs for, and the account index. */
export interface AuthContext {
  readonly key: TraderKey;
  readonly domain: Domain;
  readonly accountIndex: bigint;
}

export interface SequencerClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  readonly baseUrl: string;
  readonly auth?: AuthContext;
  /** Per request; default 15 s. */
  readonly timeoutMs?: number;
  /** Source of the auth timestamp (unix ms). */
  readonly clock?: () => number;
  readonly fetch?: typeof fetch;
}

interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Record<string, string | number | undefined>;
  readonly auth?: boolean;
  /** Statuses whose body is still the answer (e.g. /health's 503 while halted). */
  readonly okStatuses?: readonly number[];
  readonly text?: boolean;
}

export class SequencerClient {
  readonly baseUrl: string;
  private auth: AuthContext | null;
  private readonly timeoutMs: number;
  private readonly clock: () => number;
  private readonly doFetch: typeof fetch;

  constructor(o: SequencerClientOptions) {
    let u: URL;
    try {
      u = new URL(o.baseUrl);
    } catch {
      sdkFail("BAD_INPUT", `"${o.baseUrl}" is not a URL`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:")
      sdkFail("BAD_INPUT", `the sequencer URL must be http(s), not ${u.protocol}`);
    this.baseUrl = u.toString().replace(/\/+$/, "");
    this.auth = o.auth ?? null;
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.clock = o.clock ?? Date.now;
    this.doFetch = o.fetch ?? fetch;
  }

  /** Signs later private requests as this account. */
  setAuth(auth: AuthContext | null): void {
    this.auth = auth;
  }

  get authContext(): AuthContext | null {
    return this.auth;
  }

  private signedHeaders(): Record<string, string> {
    const a = this.auth;
    if (!a) return sdkFail("NOT_AUTHENTICATED", "this request needs the account key (setAuth first)");
    return authHeaders(a.key, a.domain, a.accountIndex, this.clock());
  }

  private async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(o.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: o.text ? "text/plain" : "application/json" };
    if (o.body !== undefined) headers["content-type"] = "application/json";
    if (o.auth) Object.assign(headers, this.signedHeaders());
    let res: Response;
    try {
      res = await this.doFetch(url, {
        method,
        headers,
        ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as Error;
      if (err.name === "TimeoutError" || err.name === "AbortError")
        throw new SdkError(
          "TIMEOUT",
          `${method} ${path}: no answer from ${this.baseUrl} within ${this.timeoutMs} ms`,
        );
      const cause = (err.cause as Error | undefined)?.message ?? err.message;
      throw new SdkError("NETWORK", `cannot reach the sequencer at ${this.baseUrl}: ${cause}`, undefined, {
        cause: e,
      });
    }
    const text = await res.text();
    const ok = res.ok || (o.okStatuses ?? []).includes(res.status);
    if (ok && o.text) return text as T;
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw new SdkError(
        res.ok ? "BAD_RESPONSE" : "HTTP_ERROR",
        `${method} ${path}: HTTP ${res.status} with a non-JSON body`,
        res.status,
      );
    }
    if (ok) return body as T;
    const eb = body as { code?: unknown; message?: unknown } | undefined;
    if (eb && typeof eb.code === "string" && typeof eb.message === "string")
      throw new SdkError(eb.code, eb.message, res.status);
    throw new SdkError("HTTP_ERROR", `${method} ${path}: HTTP ${res.status}`, res.status);
  }

  private own(index?: bigint): string {
    const i = index ?? this.auth?.accountIndex;
    if (i === undefined) return sdkFail("NOT_AUTHENTICATED", "no account index: pass one or setAuth first");
    return i.toString();
  }

  // ---------------------------------------------------------------- service

  health(): Promise<HealthView> {
    return this.request("GET", "/health", { okStatuses: [503] });
  }

  /** Prometheus text. */
  metrics(): Promise<string> {
    return this.request("GET", "/metrics", { text: true });
  }

  openapi(): Promise<{ openapi: string; paths: Record<string, unknown> }> {
    return this.request("GET", "/openapi.json");
  }

  // ---------------------------------------------------------------- public market data

  markets(): Promise<MarketsView> {
    return this.request("GET", "/v1/markets");
  }

  book(market: number, depth?: number): Promise<BookView> {
    return this.request("GET", `/v1/markets/${market}/book`, { query: { depth } });
  }

  trades(market: number, limit?: number): Promise<TradesResponse> {
    return this.request("GET", `/v1/markets/${market}/trades`, { query: { limit } });
  }

  prices(): Promise<PricesView> {
    return this.request("GET", "/v1/prices");
  }

  funding(): Promise<FundingView> {
    return this.request("GET", "/v1/funding");
  }

  batches(limit?: number): Promise<BatchesResponse> {
    return this.request("GET", "/v1/batches", { query: { limit } });
  }

  batch(n: bigint | number): Promise<BatchView> {
    return this.request("GET", `/v1/batches/${n}`);
  }

  // ---------------------------------------------------------------- oracle

  postOracleReport(body: OracleBody): Promise<OracleResult> {
    return this.request("POST", "/v1/oracle/reports", { body });
  }

  // ---------------------------------------------------------------- accounts

  /** Reserves an account index for the key (the same index again for a key already known). */
  register(pub: PublicKey): Promise<RegisterView> {
    return this.request("POST", "/v1/accounts", {
      body: { pubKeyX: pub.x.toString(), pubKeyY: pub.y.toString() },
    });
  }

  account(index?: bigint): Promise<AccountView> {
    return this.request("GET", `/v1/accounts/${this.own(index)}`, { auth: true });
  }

  orders(index?: bigint): Promise<OrdersResponse> {
    return this.request("GET", `/v1/accounts/${this.own(index)}/orders`, { auth: true });
  }

  fills(o: { index?: bigint; limit?: number } = {}): Promise<FillsResponse> {
    return this.request("GET", `/v1/accounts/${this.own(o.index)}/fills`, {
      auth: true,
      query: { limit: o.limit },
    });
  }

  /** The leaf preimage and Merkle path in the last settled root; check it with AccountMirror, never trust it. */
  proof(index?: bigint): Promise<ProofView> {
    return this.request("GET", `/v1/accounts/${this.own(index)}/proof`, { auth: true });
  }

  // ---------------------------------------------------------------- orders

  placeOrder(body: PlaceOrderBody): Promise<PlaceResultView> {
    return this.request("POST", "/v1/orders", { body });
  }

  cancel(body: CancelBody): Promise<CancelResultView> {
    return this.request("POST", "/v1/orders/cancel", { body, auth: true });
  }

  cancelById(orderId: string): Promise<CancelResultView> {
    return this.request("DELETE", `/v1/orders/${encodeURIComponent(orderId)}`, { auth: true });
  }

  cancelAll(market?: number): Promise<CancelAllResponse> {
    return this.request("POST", "/v1/orders/cancel-all", {
      body: market === undefined ? {} : { market },
      auth: true,
    });
  }

  /** Cancels first, then places, each answered on its own; signed only when it cancels. */
  orderBatch(body: BatchBody): Promise<BatchResponse> {
    return this.request("POST", "/v1/orders/batch", { body, auth: (body.cancel?.length ?? 0) > 0 });
  }

  // ---------------------------------------------------------------- withdrawals

  withdraw(body: WithdrawBody): Promise<WithdrawView> {
    return this.request("POST", "/v1/withdrawals", { body });
  }
}
