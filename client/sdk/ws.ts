// WebSocket client for the sequencer's streams (sequencer/api/ws.ts): public book and trade channels per market,
// and after an `auth` message signed like the read headers, the account's own fills, order updates and account
// state. A dropped connection is re-opened with exponential backoff and jitter; on every reconnect it signs a
// fresh auth message (the server accepts a signature only within its freshness window) and re-subscribes, so a
// caller's subscriptions outlive the socket. A connection that stays silent past twice the ping interval is
// treated as dead, since a half-open TCP connection would otherwise stall forever.
import { EventEmitter } from "node:events";
import { WebSocket } from "ws";
import { SdkError } from "./errors.js";
import type { AuthContext } from "./client.js";
import { signAuth } from "./signing.js";
import type { AccountFillView, AccountView, BookView, OrderView, TradeView } from "./types.js";

export type PublicChannel = "book" | "trades";

export interface SocketEvents {
  open: [];
  authenticated: [account: bigint];
  book: [market: number, book: BookView];
  trades: [market: number, trade: TradeView];
  fills: [fill: AccountFillView];
  orders: [order: OrderView];
  account: [account: AccountView];
  reconnecting: [attempt: number, delayMs: number];
  close: [code: number, reason: string];
  /** A server-side rejection of one message (code from the server), or a transport problem; the socket stays up. */
  error: [error: SdkError];
}

export interface SocketOptions {
  readonly baseUrl: string;
  readonly auth?: AuthContext & { readonly cancelOnDisconnect?: boolean };
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number; readonly enabled?: boolean };
  /** Ping interval; default 15 s. */
  readonly pingMs?: number;
  /** How long connect() waits for the socket (and the auth answer); default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly clock?: () => number;
}

type ServerMessage =
  | { type: "authenticated"; account: string; cancelOnDisconnect: boolean }
  | { type: "subscribed" | "unsubscribed"; channel: PublicChannel; market: number }
  | { type: "pong" }
  | { type: "error"; code: string; message: string }
  | { channel: "book"; market: number; data: BookView }
  | { channel: "trades"; market: number; data: TradeView }
  | { channel: "fills"; data: AccountFillView }
  | { channel: "orders"; data: OrderView }
  | { channel: "account"; data: AccountView };

export function wsUrlOf(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/v1/ws`;
  return u.toString();
}

export class SequencerSocket {
  private readonly emitter = new EventEmitter();
  private ws: WebSocket | null = null;
  private readonly subs = new Set<string>();
  private closedByUser = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private lastMessageMs = 0;
  private readonly url: string;
  private readonly clock: () => number;

  constructor(private readonly o: SocketOptions) {
    this.url = wsUrlOf(o.baseUrl);
    this.clock = o.clock ?? Date.now;
  }

  on<K extends keyof SocketEvents>(ev: K, fn: (...args: SocketEvents[K]) => void): this {
    this.emitter.on(ev, fn as (...a: unknown[]) => void);
    return this;
  }

  off<K extends keyof SocketEvents>(ev: K, fn: (...args: SocketEvents[K]) => void): this {
    this.emitter.off(ev, fn as (...a: unknown[]) => void);
    return this;
  }

  /** Resolves with the first `ev` whose arguments satisfy `pred`, or rejects after `timeoutMs`. */
  next<K extends keyof SocketEvents>(
    ev: K,
    pred: (...args: SocketEvents[K]) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<SocketEvents[K]> {
    return new Promise((resolve, reject) => {
      const fn = (...args: SocketEvents[K]): void => {
        if (!pred(...args)) return;
        clearTimeout(t);
        this.off(ev, fn);
        resolve(args);
      };
      const t = setTimeout(() => {
        this.off(ev, fn);
        reject(new SdkError("TIMEOUT", `no ${ev} event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on(ev, fn);
    });
  }

  private emit<K extends keyof SocketEvents>(ev: K, ...args: SocketEvents[K]): void {
    // An 'error' with no listener would throw from inside a socket callback; it is informational here.
    if (ev === "error" && this.emitter.listenerCount("error") === 0) return;
    this.emitter.emit(ev, ...args);
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Opens the socket (and authenticates when configured); a first failure rejects instead of retrying. */
  async connect(): Promise<void> {
    this.closedByUser = false;
    await this.open();
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      let settled = false;
      let ready = false;
      const done = (err?: SdkError): void => {
        if (settled) return;
        settled = true;
        ready = err === undefined;
        clearTimeout(timer);
        this.off("authenticated", onAuth);
        if (err) reject(err);
        else resolve();
      };
      const timeoutMs = this.o.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        done(new SdkError("TIMEOUT", `WebSocket ${this.url}: not ready within ${timeoutMs} ms`));
        ws.terminate();
      }, timeoutMs);
      const onAuth = (): void => done();
      ws.on("open", () => {
        this.attempt = 0;
        this.lastMessageMs = this.clock();
        this.startPing();
        this.emit("open");
        if (this.o.auth) {
          this.on("authenticated", onAuth);
          this.sendAuth();
        } else done();
        for (const s of this.subs) {
          const [channel, market] = s.split(":");
          this.send({ op: "subscribe", channel, market: Number(market) });
        }
      });
      ws.on("message", (data, isBinary) => {
        this.lastMessageMs = this.clock();
        if (isBinary) return;
        let msg: ServerMessage;
        try {
          msg = JSON.parse(data.toString()) as ServerMessage;
        } catch {
          this.emit("error", new SdkError("BAD_RESPONSE", "the server sent a message that is not JSON"));
          return;
        }
        // An auth refusal before the socket is ready fails connect() with the server's code.
        if ("type" in msg && msg.type === "error" && !settled && this.o.auth && msg.code.startsWith("AUTH")) {
          done(new SdkError(msg.code, msg.message));
          ws.close();
          return;
        }
        this.dispatch(msg);
      });
      ws.on("error", (e) => {
        if (!settled)
          done(new SdkError("NETWORK", `WebSocket ${this.url}: ${e.message}`, undefined, { cause: e }));
        else this.emit("error", new SdkError("NETWORK", `WebSocket ${this.url}: ${e.message}`));
      });
      ws.on("close", (code, reason) => {
        this.stopPing();
        if (this.ws === ws) this.ws = null;
        done(
          new SdkError("WS_CLOSED", `WebSocket closed before it was ready (${code} ${reason.toString()})`),
        );
        this.emit("close", code, reason.toString());
        // A socket that never became ready is retried by whoever called open(): connect() or the reconnect timer.
        if (ready) this.scheduleReconnect();
      });
    });
  }

  private dispatch(msg: ServerMessage): void {
    if ("type" in msg) {
      if (msg.type === "authenticated") this.emit("authenticated", BigInt(msg.account));
      else if (msg.type === "error") this.emit("error", new SdkError(msg.code, msg.message));
      return;
    }
    switch (msg.channel) {
      case "book":
        this.emit("book", msg.market, msg.data);
        break;
      case "trades":
        this.emit("trades", msg.market, msg.data);
        break;
      case "fills":
        this.emit("fills", msg.data);
        break;
      case "orders":
        this.emit("orders", msg.data);
        break;
      case "account":
        this.emit("account", msg.data);
        break;
      default:
        break;
    }
  }

  private send(msg: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private sendAuth(): void {
    const a = this.o.auth;
    if (!a) return;
    const ts = this.clock();
    const s = signAuth(a.key, a.domain, a.accountIndex, BigInt(ts));
    this.send({
      op: "auth",
      account: a.accountIndex.toString(),
      timestamp: String(ts),
      signature: `${s.R8x},${s.R8y},${s.S}`,
      ...(a.cancelOnDisconnect ? { cancelOnDisconnect: true } : {}),
    });
  }

  subscribe(channel: PublicChannel, market: number): void {
    this.subs.add(`${channel}:${market}`);
    this.send({ op: "subscribe", channel, market });
  }

  unsubscribe(channel: PublicChannel, market: number): void {
    this.subs.delete(`${channel}:${market}`);
    this.send({ op: "unsubscribe", channel, market });
  }

  private startPing(): void {
    this.stopPing();
    const every = this.o.pingMs ?? 15_000;
    this.pingTimer = setInterval(() => {
      if (this.clock() - this.lastMessageMs > 2 * every) {
        this.ws?.terminate();
        return;
      }
      this.send({ op: "ping" });
    }, every);
    this.pingTimer.unref();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private scheduleReconnect(): void {
    const r = this.o.reconnect ?? {};
    if (this.closedByUser || r.enabled === false) return;
    const initial = r.initialMs ?? 250;
    const max = r.maxMs ?? 30_000;
    this.attempt++;
    const base = Math.min(max, initial * 2 ** Math.min(this.attempt - 1, 20));
    // Jitter spreads the reconnects of many clients after a server restart.
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.emit("reconnecting", this.attempt, delay);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closedByUser) return;
      this.open().catch(() => this.scheduleReconnect());
    }, delay);
  }

  /** Closes for good: no reconnect. */
  close(): void {
    this.closedByUser = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopPing();
    this.ws?.close(1000, "client closed");
    this.ws = null;
  }
}
