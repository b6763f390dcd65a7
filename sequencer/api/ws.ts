// WebSocket streams: public book and trade channels per market, and — after an `auth` message signed like the read
// headers — a private stream of the account's own fills, order updates and account state. Events arrive from the
// service only after they are durable. Book and account pushes are coalesced per event-loop turn, and a client
// whose send buffer grows past the limit is disconnected rather than letting memory grow without bound.
// With `cancelOnDisconnect`, closing the socket cancels all of the account's orders (a journaled command).
import { Type, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { WebSocket } from "ws";
import type { EngineEvent } from "../engine/engine.js";
import { SequencerError } from "../errors.js";
import type { Sequencer } from "../service.js";
import type { Authenticator } from "./auth.js";
import { accountView, bookView, fillView, orderView, tradeView } from "./views.js";

const WsMessage = Type.Union([
  Type.Object(
    {
      op: Type.Union([Type.Literal("subscribe"), Type.Literal("unsubscribe")]),
      channel: Type.Union([Type.Literal("book"), Type.Literal("trades")]),
      market: Type.Integer({ minimum: 0, maximum: 255 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      op: Type.Literal("auth"),
      account: Type.String({ pattern: "^[0-9]{1,20}$" }),
      timestamp: Type.String({ pattern: "^[0-9]{1,16}$" }),
      signature: Type.String({ maxLength: 300 }),
      cancelOnDisconnect: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  Type.Object({ op: Type.Literal("ping") }, { additionalProperties: false }),
]);
type WsMessage = Static<typeof WsMessage>;
const checkMessage = TypeCompiler.Compile(WsMessage);

export interface WsOptions {
  readonly maxBufferedBytes: number;
  readonly bookDepth: number;
  readonly maxErrors: number;
}

interface Client {
  readonly socket: WebSocket;
  readonly subs: Set<string>;
  account: bigint | null;
  cancelOnDisconnect: boolean;
  errors: number;
}

export class WsHub {
  private readonly clients = new Set<Client>();
  private readonly dirtyBooks = new Set<number>();
  private readonly dirtyAccounts = new Set<bigint>();
  private flushScheduled = false;
  private readonly onEvent = (ev: EngineEvent): void => this.handle(ev);

  constructor(
    private readonly seq: Sequencer,
    private readonly auth: Authenticator,
    private readonly opts: WsOptions,
  ) {
    seq.on("event", this.onEvent);
  }

  get size(): number {
    return this.clients.size;
  }

  attach(socket: WebSocket): void {
    const c: Client = { socket, subs: new Set(), account: null, cancelOnDisconnect: false, errors: 0 };
    this.clients.add(c);
    this.seq.metrics.wsClients.set(this.clients.size);
    socket.on("message", (data, isBinary) => this.onMessage(c, isBinary ? null : data.toString()));
    socket.on("close", () => this.onClose(c));
    socket.on("error", () => socket.terminate());
  }

  close(): void {
    this.seq.off("event", this.onEvent);
    for (const c of this.clients) c.socket.close(1001, "server shutting down");
  }

  private send(c: Client, msg: unknown): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    if (c.socket.bufferedAmount > this.opts.maxBufferedBytes) {
      c.socket.close(1013, "slow consumer");
      return;
    }
    c.socket.send(JSON.stringify(msg));
  }

  private error(c: Client, code: string, message: string): void {
    this.send(c, { type: "error", code, message });
    if (++c.errors > this.opts.maxErrors) c.socket.close(1008, "too many invalid messages");
  }

  private onMessage(c: Client, text: string | null): void {
    let msg: unknown;
    try {
      if (text === null) throw new Error("binary");
      msg = JSON.parse(text);
    } catch {
      this.error(c, "INVALID_JSON", "messages are JSON text");
      return;
    }
    if (!checkMessage.Check(msg)) {
      this.error(c, "VALIDATION_FAILED", "unknown or malformed message");
      return;
    }
    this.apply(c, msg);
  }

  private apply(c: Client, msg: WsMessage): void {
    const e = this.seq.engine;
    if (msg.op === "ping") {
      this.send(c, { type: "pong" });
      return;
    }
    if (msg.op === "auth") {
      try {
        c.account = this.auth.verify({
          account: msg.account,
          timestamp: msg.timestamp,
          signature: msg.signature,
        });
      } catch (err) {
        const se = err instanceof SequencerError ? err : new SequencerError("AUTH_INVALID", "auth failed");
        this.error(c, se.code, se.message);
        return;
      }
      c.cancelOnDisconnect = msg.cancelOnDisconnect === true;
      this.send(c, {
        type: "authenticated",
        account: c.account.toString(),
        cancelOnDisconnect: c.cancelOnDisconnect,
      });
      this.send(c, { channel: "account", data: accountView(e, c.account) });
      return;
    }
    if (msg.market >= e.params.sizes.markets) {
      this.error(c, "UNKNOWN_MARKET", `market ${msg.market} does not exist`);
      return;
    }
    const key = `${msg.channel}:${msg.market}`;
    if (msg.op === "unsubscribe") {
      c.subs.delete(key);
      this.send(c, { type: "unsubscribed", channel: msg.channel, market: msg.market });
      return;
    }
    c.subs.add(key);
    this.send(c, { type: "subscribed", channel: msg.channel, market: msg.market });
    if (msg.channel === "book")
      this.send(c, {
        channel: "book",
        market: msg.market,
        data: bookView(e, msg.market, this.opts.bookDepth),
      });
  }

  private onClose(c: Client): void {
    this.clients.delete(c);
    this.seq.metrics.wsClients.set(this.clients.size);
    if (c.cancelOnDisconnect && c.account !== null && !this.seq.halted) {
      this.seq.exec({ kind: "cancelAll", accountIndex: c.account.toString() }).catch((err: Error) => {
        this.seq.log.warn({ err: err.message }, "cancel-on-disconnect failed");
      });
    }
  }

  private handle(ev: EngineEvent): void {
    switch (ev.type) {
      case "fill":
        for (const c of this.clients)
          if (c.account === ev.account) this.send(c, { channel: "fills", data: fillView(ev.fill) });
        break;
      case "order":
        for (const c of this.clients)
          if (c.account === ev.account) this.send(c, { channel: "orders", data: orderView(ev.order) });
        break;
      case "account":
        this.dirtyAccounts.add(ev.account);
        this.scheduleFlush();
        break;
      case "trade": {
        const key = `trades:${ev.trade.market}`;
        const data = tradeView(ev.trade);
        for (const c of this.clients)
          if (c.subs.has(key)) this.send(c, { channel: "trades", market: ev.trade.market, data });
        break;
      }
      case "book":
        this.dirtyBooks.add(ev.market);
        this.scheduleFlush();
        break;
      default:
        break;
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const e = this.seq.engine;
      for (const m of this.dirtyBooks) {
        const key = `book:${m}`;
        const subs = [...this.clients].filter((c) => c.subs.has(key));
        if (subs.length === 0) continue;
        const data = bookView(e, m, this.opts.bookDepth);
        for (const c of subs) this.send(c, { channel: "book", market: m, data });
      }
      this.dirtyBooks.clear();
      for (const a of this.dirtyAccounts) {
        const owners = [...this.clients].filter((c) => c.account === a);
        if (owners.length === 0) continue;
        const data = accountView(e, a);
        for (const c of owners) this.send(c, { channel: "account", data });
      }
      this.dirtyAccounts.clear();
    });
  }
}
