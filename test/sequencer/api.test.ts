// API tests against a real server on loopback: the order lifecycle, every rejection code a trader can meet, read
// authentication, idempotency, the WebSocket streams and the service endpoints. Expected amounts are derived from
// the fee schedule and fill sizes written out here, and roots/paths are checked with the protocol model.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { FLAG_IOC, FLAG_POST_ONLY, FLAG_REDUCE_ONLY, RATE_SCALE, verifyProof } from "../../protocol/index.js";
import type { RunningSequencer } from "../../sequencer/main.js";
import {
  BTC,
  DOMAIN,
  ETH,
  Trader,
  call,
  lots,
  onboard,
  px,
  startTestSequencer,
  testKey,
  type Body,
} from "./setup.js";

let r: RunningSequencer;
let A: Trader;
let B: Trader;
let C: Trader;

const MAKER_PPM = 200n;
const TAKER_PPM = 500n;

beforeAll(async () => {
  r = await startTestSequencer();
  A = new Trader(testKey(1), r.url, "a");
  B = new Trader(testKey(2), r.url, "b");
  C = new Trader(testKey(3), r.url, "c");
  await onboard(r, A, "100000");
  await onboard(r, B, "100000");
  await onboard(r, C, "1000");
});

afterAll(async () => {
  await r?.close();
});

/** Commands journaled after `seq`, less the pipeline's own housekeeping (time ticks, L1 settlement notices). */
function journalKindsSince(seq: number): string[] {
  return [...r.sequencer.journal.entries()]
    .filter((e) => e.seq > seq && e.cmd.kind !== "tick" && e.cmd.kind !== "settled")
    .map((e) => e.cmd.kind);
}

async function cancelAll(t: Trader): Promise<void> {
  const res = await call(r.url, "POST", "/v1/orders/cancel-all", {}, t.auth());
  expect(res.status).toBe(200);
}

async function place(t: Trader, spec: Parameters<Trader["orderBody"]>[0], cid?: string) {
  return call<Record<string, Body>>(r.url, "POST", "/v1/orders", t.orderBody(spec, cid));
}

describe("order lifecycle", () => {
  it("rests, shows in the book, partially fills at the maker's price with the scheduled fees, then cancels", async () => {
    const ask = await place(A, { isBuy: false, size: lots("0.2"), price: px("60100") });
    expect(ask.status).toBe(200);
    expect(ask.body.status).toBe("open");
    const book = await call<Body>(r.url, "GET", "/v1/markets/0/book");
    expect(book.body.asks).toEqual([
      { price: px("60100").toString(), size: lots("0.2").toString(), orders: 1 },
    ]);

    const bid = await place(B, { isBuy: true, size: lots("0.05"), price: px("61000") });
    expect(bid.body.status).toBe("filled");
    // Taker fee: fill·price·ppm/1e6 in Value units (1e-16 USD).
    const notional = lots("0.05") * px("60100");
    expect(bid.body.fills).toEqual([
      {
        price: px("60100").toString(),
        size: lots("0.05").toString(),
        fee: ((notional * TAKER_PPM) / RATE_SCALE).toString(),
        liquidity: "taker",
      },
    ]);

    const aFills = await call<Body>(r.url, "GET", `/v1/accounts/${A.index}/fills`, undefined, A.auth());
    expect(aFills.body.fills[0]).toMatchObject({
      liquidity: "maker",
      size: lots("0.05").toString(),
      fee: ((notional * MAKER_PPM) / RATE_SCALE).toString(),
    });
    const orders = await call<Body>(r.url, "GET", `/v1/accounts/${A.index}/orders`, undefined, A.auth());
    expect(orders.body.open).toHaveLength(1);
    expect(orders.body.open[0]).toMatchObject({
      orderId: ask.body.orderId,
      filled: lots("0.05").toString(),
      remaining: lots("0.15").toString(),
    });

    const acct = await call<Body>(r.url, "GET", `/v1/accounts/${A.index}`, undefined, A.auth());
    expect(acct.body.positions).toEqual([
      { market: BTC, size: (-lots("0.05")).toString(), fundingIndex: "0" },
    ]);

    const del = await call<Body>(r.url, "DELETE", `/v1/orders/${ask.body.orderId}`, undefined, A.auth());
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ status: "cancelled", filled: lots("0.05").toString() });
    expect((await call<Body>(r.url, "GET", "/v1/markets/0/book")).body.asks).toEqual([]);
  });

  it("matches by price, then time, across levels, and reports public trades", async () => {
    const a1 = await place(A, { isBuy: false, size: lots("0.01"), price: px("60300"), slot: 1n });
    const a2 = await place(C, { isBuy: false, size: lots("0.01"), price: px("60200"), slot: 0n });
    const a3 = await place(A, { isBuy: false, size: lots("0.01"), price: px("60200"), slot: 2n });
    const take = await place(B, { isBuy: true, size: lots("0.025"), price: px("60300"), flags: FLAG_IOC });
    // 60200 level first (C before A by time), then half of A's 60300 order.
    expect(take.body.fills.map((f: Body) => [f.price, f.size])).toEqual([
      [px("60200").toString(), lots("0.01").toString()],
      [px("60200").toString(), lots("0.01").toString()],
      [px("60300").toString(), lots("0.005").toString()],
    ]);
    expect(take.body.status).toBe("filled");
    const trades = await call<Body>(r.url, "GET", "/v1/markets/0/trades?limit=3");
    expect(trades.body.trades.map((t: Body) => t.size)).toEqual(
      [lots("0.005"), lots("0.01"), lots("0.01")].map(String),
    );
    expect(trades.body.trades[0]).not.toHaveProperty("account");
    void a1;
    void a2;
    void a3;
    await cancelAll(A);
    await cancelAll(C);
  });

  it("cancels the resting order on a self-trade, replaces a slot with a newer nonce, and cancels an IOC remainder", async () => {
    const mine = await place(A, { isBuy: false, size: lots("0.01"), price: px("60000"), slot: 3n });
    const cross = await place(A, {
      isBuy: true,
      size: lots("0.01"),
      price: px("60000"),
      slot: 0n,
      flags: FLAG_IOC,
    });
    expect(cross.body).toMatchObject({ status: "cancelled", filled: "0", reason: { code: "IOC_REMAINDER" } });
    const o = await call<Body>(r.url, "GET", `/v1/accounts/${A.index}/orders`, undefined, A.auth());
    expect(o.body.open).toEqual([]);
    expect(o.body.recent.find((x: Body) => x.orderId === mine.body.orderId)).toMatchObject({
      status: "cancelled",
      reason: { code: "SELF_TRADE" },
    });

    const first = await place(A, { isBuy: false, size: lots("0.01"), price: px("65000"), slot: 1n });
    const second = await place(A, { isBuy: false, size: lots("0.02"), price: px("66000"), slot: 1n });
    const o2 = await call<Body>(r.url, "GET", `/v1/accounts/${A.index}/orders`, undefined, A.auth());
    expect(o2.body.open.map((x: Body) => x.orderId)).toEqual([second.body.orderId]);
    expect(o2.body.recent.find((x: Body) => x.orderId === first.body.orderId).status).toBe("replaced");
    await cancelAll(A);
  });

  it("limits a reduce-only order to the open position and accepts post-only orders that rest", async () => {
    // B is long 0.075 BTC from the earlier tests; A is short.
    const pos = (await call<Body>(r.url, "GET", `/v1/accounts/${B.index}`, undefined, B.auth())).body
      .positions[0].size as string;
    const bid = await place(A, { isBuy: true, size: lots("1"), price: px("59000"), flags: FLAG_POST_ONLY });
    expect(bid.body.status).toBe("open");
    const ro = await place(B, {
      isBuy: false,
      size: lots("1"),
      price: px("59000"),
      flags: FLAG_REDUCE_ONLY | FLAG_IOC,
    });
    expect(ro.body.filled).toBe(pos);
    const after = (await call<Body>(r.url, "GET", `/v1/accounts/${B.index}`, undefined, B.auth())).body
      .positions;
    expect(after).toEqual([]);
    await cancelAll(A);
  });

  it("batches cancels and places in one request, each answered on its own", async () => {
    const resting = await place(C, { isBuy: true, size: lots("0.001"), price: px("50000"), slot: 2n });
    const valid = C.orderBody({ isBuy: true, size: lots("0.001"), price: px("1"), slot: 1n });
    const zeroSize = { ...valid, order: { ...valid.order, size: "0" } };
    const res = await call<Body>(
      r.url,
      "POST",
      "/v1/orders/batch",
      {
        cancel: [{ orderId: resting.body.orderId }, { orderId: "9-9-9" }],
        place: [C.orderBody({ isBuy: true, size: lots("0.001"), price: px("50001"), slot: 2n }), zeroSize],
      },
      C.auth(),
    );
    expect(res.status).toBe(200);
    expect(res.body.results.map((x: Body) => (x.ok ? "ok" : x.error.code))).toEqual([
      "ok",
      "ORDER_NOT_FOUND",
      "ok",
      "OUT_OF_RANGE",
    ]);
    await cancelAll(C);
  });

  it("accepts a signed withdrawal within margin and refuses a replayed nonce or an overdraft", async () => {
    const w = C.withdrawalBody({ asset: 0, amount: lots("10"), nonce: 0n });
    const ok = await call<Body>(r.url, "POST", "/v1/withdrawals", w);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "accepted", nonce: "0" });
    expect((await call<Body>(r.url, "POST", "/v1/withdrawals", w)).body).toEqual(ok.body);
    const replay = await call<Body>(
      r.url,
      "POST",
      "/v1/withdrawals",
      C.withdrawalBody({ asset: 0, amount: lots("11"), nonce: 0n }),
    );
    expect(replay).toMatchObject({ status: 409, body: { code: "IDEMPOTENCY_CONFLICT" } });
    const skip = await call<Body>(
      r.url,
      "POST",
      "/v1/withdrawals",
      C.withdrawalBody({ asset: 0, amount: lots("1"), nonce: 5n }),
    );
    expect(skip).toMatchObject({ status: 422, body: { code: "BAD_NONCE" } });
    const over = await call<Body>(
      r.url,
      "POST",
      "/v1/withdrawals",
      C.withdrawalBody({ asset: 0, amount: lots("5000"), nonce: 1n }),
    );
    expect(over).toMatchObject({ status: 422, body: { code: "INSUFFICIENT_BALANCE" } });
  });

  it("serves a Merkle path that verifies against the settled root once the batch settles [I14]", async () => {
    await r.sequencer.tick();
    for (
      let i = 0;
      i < 500 && r.sequencer.engine.lastSettled.number < r.sequencer.engine.committedState.batchNumber;
      i++
    ) {
      await r.pipeline.kick();
      await new Promise((x) => setTimeout(x, 10));
    }
    const p = await call<Body>(r.url, "GET", `/v1/accounts/${A.index}/proof`, undefined, A.auth());
    expect(p.status).toBe(200);
    expect(
      verifyProof(BigInt(p.body.root), 6, {
        index: A.index,
        leaf: BigInt(p.body.leaf),
        siblings: p.body.siblings.map(BigInt),
      }),
    ).toBe(true);
    expect(p.body.root).toBe(r.sequencer.engine.lastSettled.state.root.toString());
    const b = await call<Body>(r.url, "GET", `/v1/batches/${p.body.batchNumber}`);
    expect(b.body).toMatchObject({ stage: "settled", newRoot: p.body.root });
    expect(b.body.txHash).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe("rejections carry stable codes and change nothing", () => {
  const expectCode = async (p: Promise<{ status: number; body: Body }>, status: number, code: string) => {
    const before = r.sequencer.journal.lastSeq;
    const res = await p;
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(typeof res.body.message).toBe("string");
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    expect(journalKindsSince(before)).toEqual([]);
  };

  it("refuses malformed requests", async () => {
    const good = A.orderBody({ isBuy: true, size: lots("0.01"), price: px("50000") });
    await expectCode(
      call(r.url, "POST", "/v1/orders", { ...good, order: { ...good.order, size: "-1" } }),
      400,
      "VALIDATION_FAILED",
    );
    await expectCode(call(r.url, "POST", "/v1/orders", { ...good, extra: 1 }), 400, "VALIDATION_FAILED");
    await expectCode(call(r.url, "POST", "/v1/orders", "{not json"), 400, "INVALID_JSON");
    await expectCode(call(r.url, "POST", "/v1/orders", { pad: "x".repeat(70_000) }), 413, "BODY_TOO_LARGE");
    await expectCode(call(r.url, "GET", "/v1/nothing"), 404, "NOT_FOUND");
    await expectCode(call(r.url, "GET", "/v1/markets/7/book"), 422, "UNKNOWN_MARKET");
    await expectCode(call(r.url, "GET", "/v1/batches/999"), 404, "BATCH_NOT_FOUND");
  });

  it("refuses orders the state or the rules do not allow", async () => {
    const o = (spec: Parameters<Trader["orderBody"]>[0], t: Trader = A) =>
      call(r.url, "POST", "/v1/orders", t.orderBody(spec));
    const forged = A.orderBody(
      { isBuy: true, size: lots("0.01"), price: px("50000") },
      undefined,
      testKey(9),
    );
    await expectCode(call(r.url, "POST", "/v1/orders", forged), 422, "BAD_SIGNATURE");
    await expectCode(
      o({ isBuy: true, size: lots("0.01"), price: px("50000"), slot: 0n, nonce: 1n }),
      422,
      "ORDER_REPLAYED",
    );
    await expectCode(
      o({ isBuy: true, size: lots("0.01"), price: px("50000"), expiry: 1000n }),
      422,
      "ORDER_EXPIRED",
    );
    await expectCode(
      o({ isBuy: true, size: lots("0.01"), price: px("50000"), market: 5 }),
      422,
      "UNKNOWN_MARKET",
    );
    await expectCode(
      o({ isBuy: true, size: lots("0.01"), price: px("50000"), flags: FLAG_POST_ONLY | FLAG_IOC }),
      400,
      "BAD_FLAGS",
    );
    await expectCode(
      o({ isBuy: true, size: lots("0.01"), price: px("50000"), maxFee: 100n }),
      422,
      "FEE_TOO_HIGH",
    );
    await expectCode(
      o({ isBuy: true, size: lots("0.01"), price: px("50000"), slot: 9n }),
      422,
      "OUT_OF_RANGE",
    );
    await expectCode(
      o({ isBuy: true, size: lots("1"), price: px("3000"), market: ETH, flags: FLAG_REDUCE_ONLY }, C),
      422,
      "REDUCE_ONLY_VIOLATED",
    );
    // C holds ~990 USD: 1 BTC at 60,000 needs 6,000 USD of initial margin.
    await expectCode(o({ isBuy: true, size: lots("1"), price: px("60000") }, C), 422, "UNDER_MARGINED");
    const resting = await place(B, { isBuy: false, size: lots("0.01"), price: px("70000"), slot: 2n });
    await expectCode(
      o({ isBuy: true, size: lots("0.01"), price: px("70000"), flags: FLAG_POST_ONLY }),
      422,
      "POST_ONLY_WOULD_CROSS",
    );
    await call(r.url, "DELETE", `/v1/orders/${resting.body.orderId}`, undefined, B.auth());

    const ghost = new Trader(testKey(7), r.url, "ghost");
    ghost.index = 40n;
    await expectCode(
      call(r.url, "POST", "/v1/orders", ghost.orderBody({ isBuy: true, size: 1n, price: 1n })),
      404,
      "ACCOUNT_NOT_FOUND",
    );
    ghost.index = 0n;
    await expectCode(
      call(r.url, "POST", "/v1/orders", ghost.orderBody({ isBuy: true, size: 1n, price: 1n })),
      422,
      "INSURANCE_FUND_FORBIDDEN",
    );
    const pending = new Trader(testKey(8), r.url, "pending");
    const reg = await call<Body>(r.url, "POST", "/v1/accounts", {
      pubKeyX: pending.pub.x.toString(),
      pubKeyY: pending.pub.y.toString(),
    });
    expect(reg.body.status).toBe("awaiting_deposit");
    pending.index = BigInt(reg.body.accountIndex);
    await expectCode(
      call(r.url, "POST", "/v1/orders", pending.orderBody({ isBuy: true, size: 1n, price: 1n })),
      422,
      "ACCOUNT_NOT_ACTIVE",
    );
    const again = await call<Body>(r.url, "POST", "/v1/accounts", {
      pubKeyX: pending.pub.x.toString(),
      pubKeyY: pending.pub.y.toString(),
    });
    expect(again.body).toEqual(reg.body);
  });

  it("refuses oracle reports when no signers are configured", async () => {
    const body = {
      report: { timestamp: "1", markets: ["1", "1"], collaterals: ["1", "1"] },
      signature: `0x${"11".repeat(65)}`,
    };
    await expectCode(call(r.url, "POST", "/v1/oracle/reports", body), 422, "ORACLE_BAD_SIGNATURE");
  });
});

describe("authentication: nobody reads or cancels another trader's data", () => {
  it("requires a fresh signature by the account's own key", async () => {
    const path = `/v1/accounts/${A.index}`;
    expect((await call<Body>(r.url, "GET", path)).body.code).toBe("AUTH_REQUIRED");
    expect((await call<Body>(r.url, "GET", path, undefined, A.auth(Date.now() - 120_000))).body.code).toBe(
      "AUTH_EXPIRED",
    );
    // B signs a header claiming to be A.
    const forged = { ...B.auth(Date.now(), A.index) };
    expect(await call<Body>(r.url, "GET", path, undefined, forged)).toMatchObject({
      status: 401,
      body: { code: "AUTH_INVALID" },
    });
    // B authenticates as B but asks for A's data.
    for (const sub of ["", "/orders", "/fills", "/proof"]) {
      expect((await call<Body>(r.url, "GET", `${path}${sub}`, undefined, B.auth())).body.code).toBe(
        "FORBIDDEN",
      );
    }
    expect((await call<Body>(r.url, "GET", path, undefined, A.auth())).status).toBe(200);
  });

  it("does not let another key cancel an order, nor reveal that it exists", async () => {
    const o = await place(A, { isBuy: true, size: lots("0.001"), price: px("40000"), slot: 2n });
    const del = await call<Body>(r.url, "DELETE", `/v1/orders/${o.body.orderId}`, undefined, B.auth());
    expect(del).toMatchObject({ status: 404, body: { code: "ORDER_NOT_FOUND" } });
    const byCid = await call<Body>(
      r.url,
      "POST",
      "/v1/orders/cancel",
      { clientOrderId: o.body.clientOrderId },
      B.auth(),
    );
    expect(byCid.body.code).toBe("ORDER_NOT_FOUND");
    await call(r.url, "POST", "/v1/orders/cancel-all", {}, B.auth());
    const still = await call<Body>(r.url, "GET", `/v1/accounts/${A.index}/orders`, undefined, A.auth());
    expect(still.body.open.map((x: Body) => x.orderId)).toEqual([o.body.orderId]);
    const own = await call<Body>(
      r.url,
      "POST",
      "/v1/orders/cancel",
      { clientOrderId: o.body.clientOrderId },
      A.auth(),
    );
    expect(own.body.status).toBe("cancelled");
  });
});

describe("idempotency", () => {
  it("answers a repeated clientOrderId with the first answer and keeps one order; another payload is a conflict", async () => {
    const body = A.orderBody({ isBuy: true, size: lots("0.002"), price: px("41000"), slot: 3n }, "idem-1");
    const first = await call<Body>(r.url, "POST", "/v1/orders", body);
    const seq = r.sequencer.journal.lastSeq;
    const second = await call<Body>(r.url, "POST", "/v1/orders", body);
    expect(second).toEqual(first);
    expect(journalKindsSince(seq)).toEqual([]);
    const open = await call<Body>(r.url, "GET", `/v1/accounts/${A.index}/orders`, undefined, A.auth());
    expect(open.body.open.filter((x: Body) => x.clientOrderId === "idem-1")).toHaveLength(1);
    const other = A.orderBody({ isBuy: true, size: lots("0.003"), price: px("41000"), slot: 3n }, "idem-1");
    expect(await call<Body>(r.url, "POST", "/v1/orders", other)).toMatchObject({
      status: 409,
      body: { code: "IDEMPOTENCY_CONFLICT" },
    });
    await cancelAll(A);
  });
});

describe("websocket streams", () => {
  function open(): Promise<{
    ws: WebSocket;
    msgs: Body[];
    next: (pred: (m: Body) => boolean) => Promise<Body>;
  }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${r.url.replace("http", "ws")}/v1/ws`);
      const msgs: Body[] = [];
      const waiters: { pred: (m: Body) => boolean; res: (m: Body) => void }[] = [];
      ws.on("message", (d) => {
        const m = JSON.parse(d.toString());
        msgs.push(m);
        for (const w of [...waiters])
          if (w.pred(m)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.res(m);
          }
      });
      const next = (pred: (m: Body) => boolean) =>
        new Promise<Body>((res, rej) => {
          const hit = msgs.find(pred);
          if (hit) return res(hit);
          waiters.push({ pred, res });
          setTimeout(() => rej(new Error("no such message")), 10_000);
        });
      ws.on("open", () => resolve({ ws, msgs, next }));
      ws.on("error", reject);
    });
  }

  it("streams the book and trades publicly and fills privately after auth", async () => {
    const pub = await open();
    pub.ws.send(JSON.stringify({ op: "subscribe", channel: "book", market: BTC }));
    pub.ws.send(JSON.stringify({ op: "subscribe", channel: "trades", market: BTC }));
    pub.ws.send("not json");
    expect((await pub.next((m) => m.type === "error")).code).toBe("INVALID_JSON");
    await pub.next((m) => m.channel === "book" && m.data !== undefined);
    const priv = await open();
    const h = A.auth();
    priv.ws.send(
      JSON.stringify({
        op: "auth",
        account: h["x-zkm-account"],
        timestamp: h["x-zkm-timestamp"],
        signature: h["x-zkm-signature"],
      }),
    );
    await priv.next((m) => m.type === "authenticated");
    const other = await open();
    const hb = B.auth();
    other.ws.send(
      JSON.stringify({
        op: "auth",
        account: hb["x-zkm-account"],
        timestamp: hb["x-zkm-timestamp"],
        signature: hb["x-zkm-signature"],
      }),
    );
    await other.next((m) => m.type === "authenticated");

    const ask = await place(A, { isBuy: false, size: lots("0.004"), price: px("60500"), slot: 0n });
    await pub.next(
      (m) => m.channel === "book" && m.data?.asks.some((l: Body) => l.price === px("60500").toString()),
    );
    await place(B, { isBuy: true, size: lots("0.004"), price: px("60500"), flags: FLAG_IOC });
    const trade = await pub.next((m) => m.channel === "trades" && m.data !== undefined);
    expect(trade.data).toMatchObject({
      price: px("60500").toString(),
      size: lots("0.004").toString(),
      takerSide: "buy",
    });
    const fill = await priv.next((m) => m.channel === "fills");
    expect(fill.data).toMatchObject({ orderId: ask.body.orderId, liquidity: "maker" });
    const bFill = await other.next((m) => m.channel === "fills");
    expect(bFill.data.liquidity).toBe("taker");
    // A's private stream never carries B's fills.
    expect(priv.msgs.filter((m) => m.channel === "fills").every((m) => m.data.liquidity === "maker")).toBe(
      true,
    );
    for (const c of [pub, priv, other]) c.ws.close();
  });

  it("cancels every order of the account when a cancel-on-disconnect socket closes", async () => {
    await place(A, { isBuy: true, size: lots("0.001"), price: px("30000"), slot: 1n });
    const c = await open();
    const h = A.auth();
    c.ws.send(
      JSON.stringify({
        op: "auth",
        account: h["x-zkm-account"],
        timestamp: h["x-zkm-timestamp"],
        signature: h["x-zkm-signature"],
        cancelOnDisconnect: true,
      }),
    );
    await c.next((m) => m.type === "authenticated");
    c.ws.close();
    for (let i = 0; i < 100 && r.sequencer.engine.openOrders(A.index).length > 0; i++)
      await new Promise((x) => setTimeout(x, 20));
    expect(r.sequencer.engine.openOrders(A.index)).toEqual([]);
  });
});

describe("service endpoints", () => {
  it("serves health, metrics, OpenAPI and public market data", async () => {
    const h = await call<Body>(r.url, "GET", "/health");
    expect(h.body.status).toBe("ok");
    const m = await call<string>(r.url, "GET", "/metrics");
    expect(m.body).toMatch(/zkm_commands_total\{kind="place",code="ok"\}/);
    expect(m.body).toMatch(/zkm_journal_commit_seconds_count/);
    const api = await call<Body>(r.url, "GET", "/openapi.json");
    expect(api.body.openapi).toBe("3.0.3");
    expect(Object.keys(api.body.paths)).toEqual(
      expect.arrayContaining(["/v1/orders", "/v1/accounts/{index}", "/v1/markets/{market}/book"]),
    );
    expect(
      api.body.paths["/v1/orders"].post.requestBody.content["application/json"].schema.properties.order
        .properties,
    ).toHaveProperty("limitPrice");
    const mk = await call<Body>(r.url, "GET", "/v1/markets");
    expect(mk.body.markets.map((x: Body) => x.symbol)).toEqual(["BTC", "ETH"]);
    expect(mk.body.fees).toEqual({ makerPpm: MAKER_PPM.toString(), takerPpm: TAKER_PPM.toString() });
    const pr = await call<Body>(r.url, "GET", "/v1/prices");
    expect(pr.body.markets[0]).toEqual({
      market: 0,
      oracle: px("60000").toString(),
      mark: px("60000").toString(),
    });
    const f = await call<Body>(r.url, "GET", "/v1/funding");
    expect(f.body.markets).toHaveLength(2);
    void DOMAIN;
  });

  it("rate-limits with a stable code", async () => {
    const limited = await startTestSequencer({ api: { rateLimit: { max: 3, timeWindowMs: 60_000 } } });
    try {
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await call<Body>(limited.url, "GET", "/v1/markets")).status);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      expect((await call<Body>(limited.url, "GET", "/v1/markets")).body.code).toBe("RATE_LIMITED");
    } finally {
      await limited.close();
    }
  });
});
