// The SDK's REST and WebSocket clients against a real sequencer on loopback (in-memory L1 and model-replay prover):
// registration, a deposit through the in-memory L1, orders placed through the Trader session (slot and nonce picked
// by the SDK), cancels, the account read with the account's own key, refusals of any other key, every public route,
// and the streams including a reconnect. Expected figures are derived from the deposit and fee schedule written out
// here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebSocket as WsSocket } from "ws";
import { RATE_SCALE } from "../../protocol/index.js";
import type { RunningSequencer } from "../../sequencer/main.js";
import { signReport } from "../../sequencer/oracle/report.js";
import {
  SdkError,
  SequencerClient,
  SequencerSocket,
  Trader,
  TraderKey,
  parseAmount,
  parsePrice,
  signOrder,
} from "../../client/sdk/index.js";
import {
  ADDR,
  BTC,
  DOMAIN,
  FAR_EXPIRY,
  ORACLE_KEYS,
  lots,
  memL1,
  startTestSequencer,
  testKey,
} from "../sequencer/setup.js";

let r: RunningSequencer;
let alice: Trader;
let bob: Trader;
const MAKER_PPM = 200n;
const TAKER_PPM = 500n;
const MAX_FEE = 1_000n;

const keyOf = (i: number): TraderKey => TraderKey.fromSeed(testKey(i));

/** What an L1 deposit does, on the in-memory L1: the sequencer consumes it on its next poll. */
async function depositQuote(t: Trader, usd: string): Promise<void> {
  memL1(r).deposit({
    l1Address: ADDR,
    accountIndex: t.accountIndex,
    pubKeyX: t.key.publicKey.x,
    pubKeyY: t.key.publicKey.y,
    asset: 0,
    amount: lots(usd),
  });
  await r.pipeline.kick();
}

async function errorOf(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SdkError);
    return e as SdkError;
  }
  throw new Error("expected an SdkError");
}

beforeAll(async () => {
  r = await startTestSequencer();
  alice = new Trader({ key: keyOf(21), domain: DOMAIN, client: new SequencerClient({ baseUrl: r.url }) });
  bob = new Trader({ key: keyOf(22), domain: DOMAIN, client: new SequencerClient({ baseUrl: r.url }) });
});

afterAll(async () => {
  await r?.close();
});

const order = (o: {
  isBuy: boolean;
  size: string;
  price: string;
  ioc?: boolean;
  postOnly?: boolean;
  slot?: bigint;
}) => ({
  market: BTC,
  isBuy: o.isBuy,
  size: parseAmount(o.size),
  limitPrice: parsePrice(o.price),
  expiry: FAR_EXPIRY,
  maxFee: MAX_FEE,
  ...(o.ioc ? { ioc: true } : {}),
  ...(o.postOnly ? { postOnly: true } : {}),
  ...(o.slot !== undefined ? { slot: o.slot } : {}),
});

describe("accounts", () => {
  it("registers a key (the same index again for the same key) and activates it with an L1 deposit", async () => {
    const reg = await alice.register();
    expect(reg.status).toBe("awaiting_deposit");
    expect((await alice.register()).accountIndex).toBe(reg.accountIndex);
    const early = await errorOf(alice.placeOrder(order({ isBuy: false, size: "0.1", price: "61000" })));
    expect([early.code, early.status]).toEqual(["ACCOUNT_NOT_ACTIVE", 422]);
    await depositQuote(alice, "100000");
    await bob.register();
    await depositQuote(bob, "100000");
    expect(bob.accountIndex).not.toBe(alice.accountIndex);
    const a = await alice.client.account();
    expect(a).toMatchObject({ accountIndex: reg.accountIndex.toString(), status: "active", nonce: "0" });
    // A quote deposit of `a` Amount units moves quote by a·10^8 Value units (PROTOCOL §2).
    expect(BigInt(a.quote)).toBe(lots("100000") * 10n ** 8n);
    expect(a.margin.healthy).toBe(true);
  });

  it("refuses another key: its own auth on alice's index, a forged claim to the index, and no key at all", async () => {
    const forbidden = await errorOf(bob.client.account(alice.accountIndex));
    expect([forbidden.code, forbidden.status]).toEqual(["FORBIDDEN", 403]);
    expect((await errorOf(bob.client.proof(alice.accountIndex))).code).toBe("FORBIDDEN");
    const forger = new SequencerClient({
      baseUrl: r.url,
      auth: { key: keyOf(23), domain: DOMAIN, accountIndex: alice.accountIndex },
    });
    const forged = await errorOf(forger.account());
    expect([forged.code, forged.status]).toEqual(["AUTH_INVALID", 401]);
    // A signature for another deployment is refused too [I10].
    const otherDomain = new SequencerClient({
      baseUrl: r.url,
      auth: { key: alice.key, domain: { ...DOMAIN, chainId: 1n }, accountIndex: alice.accountIndex },
    });
    expect((await errorOf(otherDomain.orders())).code).toBe("AUTH_INVALID");
    // An auth timestamp outside the server's window.
    const stale = new SequencerClient({
      baseUrl: r.url,
      auth: { key: alice.key, domain: DOMAIN, accountIndex: alice.accountIndex },
      clock: () => Date.now() - 120_000,
    });
    expect((await errorOf(stale.account())).code).toBe("AUTH_EXPIRED");
    const anonymous = new SequencerClient({ baseUrl: r.url });
    expect((await errorOf(anonymous.account(alice.accountIndex))).code).toBe("NOT_AUTHENTICATED");
  });
});

describe("orders", () => {
  it("places with a free slot and fresh nonces, fills at the maker's price with the scheduled fees, and cancels", async () => {
    const ask = await alice.placeOrder(order({ isBuy: false, size: "0.2", price: "60100", postOnly: true }));
    // Nonce 1 of slot 0 went to the order refused before the deposit: the SDK spends a nonce before sending.
    expect(ask).toMatchObject({ status: "open", slot: 0n, nonce: 2n });
    const ask2 = await alice.placeOrder(order({ isBuy: false, size: "0.1", price: "60200" }));
    // Slot 0 holds an open order, so the SDK moved to slot 1.
    expect([ask2.slot, ask2.nonce]).toEqual([1n, 1n]);
    const book = await alice.client.book(BTC);
    expect(book.asks.map((l) => [l.price, l.size])).toEqual([
      [parsePrice("60100").toString(), parseAmount("0.2").toString()],
      [parsePrice("60200").toString(), parseAmount("0.1").toString()],
    ]);

    const bid = await bob.placeOrder(order({ isBuy: true, size: "0.05", price: "61000", ioc: true }));
    const notional = parseAmount("0.05") * parsePrice("60100");
    expect(bid.status).toBe("filled");
    expect(bid.fills).toEqual([
      {
        price: parsePrice("60100").toString(),
        size: parseAmount("0.05").toString(),
        fee: ((notional * TAKER_PPM) / RATE_SCALE).toString(),
        liquidity: "taker",
      },
    ]);
    const fills = await alice.client.fills({ limit: 5 });
    expect(fills.fills[0]).toMatchObject({
      liquidity: "maker",
      orderId: ask.orderId,
      fee: ((notional * MAKER_PPM) / RATE_SCALE).toString(),
    });
    expect((await alice.client.trades(BTC, 1)).trades[0]).toMatchObject({ takerSide: "buy" });

    // Bob's IOC order is done, so his slot 0 is free again and the next order takes nonce 2 there.
    const bid2 = await bob.placeOrder(order({ isBuy: true, size: "0.01", price: "50000" }));
    expect([bid2.slot, bid2.nonce]).toEqual([0n, 2n]);

    const byId = await alice.client.cancelById(ask.orderId);
    expect(byId).toMatchObject({ status: "cancelled", filled: parseAmount("0.05").toString() });
    const byClientId = await alice.client.cancel({ clientOrderId: ask2.clientOrderId });
    expect(byClientId.status).toBe("cancelled");
    expect((await alice.client.orders()).open).toEqual([]);
    expect((await errorOf(alice.client.cancelById(ask.orderId))).code).toMatch(/ORDER_NOT_FOUND|NOT_FOUND/);
    // Bob cannot cancel alice's orders: his auth names his own account.
    const mine = await alice.placeOrder(order({ isBuy: false, size: "0.01", price: "70000" }));
    expect([mine.slot, mine.nonce]).toEqual([0n, 3n]);
    expect((await errorOf(bob.client.cancelById(mine.orderId))).status).toBe(404);
    expect((await alice.client.cancelAll(BTC)).cancelled).toEqual([mine.orderId]);
    expect((await bob.client.cancelAll()).cancelled).toEqual([bid2.orderId]);
  });

  it("batches cancels and places, each answered on its own", async () => {
    const resting = await alice.placeOrder(order({ isBuy: false, size: "0.01", price: "65000" }));
    const place = signOrder(alice.key, DOMAIN, {
      accountIndex: alice.accountIndex,
      market: BTC,
      isBuy: false,
      size: parseAmount("0.01"),
      limitPrice: parsePrice("66000"),
      slot: 3n,
      nonce: 1n,
      expiry: FAR_EXPIRY,
      maxFee: MAX_FEE,
    });
    const res = await alice.client.orderBatch({ cancel: [{ orderId: resting.orderId }], place: [place] });
    expect(res.results.map((x) => x.ok)).toEqual([true, true]);
    const replay = await alice.client.orderBatch({ place: [{ ...place, clientOrderId: "other-id" }] });
    expect(replay.results[0]).toMatchObject({ ok: false, error: { code: "ORDER_REPLAYED" } });
    await alice.client.cancelAll();
  });

  it("surfaces the server's code for refused orders and leaves no order open", async () => {
    const bad = await errorOf(
      alice.client.placeOrder(
        signOrder(alice.key, DOMAIN, {
          accountIndex: alice.accountIndex,
          market: 7,
          isBuy: true,
          size: 1n,
          limitPrice: 1n,
          slot: 2n,
          nonce: 1n,
          expiry: FAR_EXPIRY,
          maxFee: MAX_FEE,
        }),
      ),
    );
    expect([bad.code, bad.status]).toEqual(["UNKNOWN_MARKET", 422]);
    const signedByOther = signOrder(keyOf(23), DOMAIN, {
      accountIndex: alice.accountIndex,
      market: BTC,
      isBuy: true,
      size: 1n,
      limitPrice: parsePrice("100"),
      slot: 2n,
      nonce: 1n,
      expiry: FAR_EXPIRY,
      maxFee: MAX_FEE,
    });
    expect((await errorOf(alice.client.placeOrder(signedByOther))).code).toBe("BAD_SIGNATURE");
    const huge = await errorOf(alice.placeOrder(order({ isBuy: true, size: "1000", price: "60000" })));
    expect(huge.code).toBe("UNDER_MARGINED");
    expect((await alice.client.orders()).open).toEqual([]);
  });
});

describe("withdrawals and public data", () => {
  it("signs a withdrawal with the account's nonce; the next one takes the next nonce", async () => {
    const w = await alice.withdraw({ asset: 0, amount: lots("10"), l1Address: ADDR });
    expect(w).toMatchObject({ status: "accepted", nonce: "0", amount: lots("10").toString() });
    const w2 = await alice.withdraw({ asset: 0, amount: lots("1"), l1Address: ADDR });
    expect(w2.nonce).toBe("1");
    expect((await alice.client.account()).nonce).toBe("2");
    const over = await errorOf(alice.withdraw({ asset: 0, amount: lots("500000"), l1Address: ADDR }));
    expect(over.code).toBe("INSUFFICIENT_BALANCE");
  });

  it("serves every public route, and the client covers every route the OpenAPI document lists", async () => {
    const c = new SequencerClient({ baseUrl: r.url });
    expect((await c.health()).status).toBe("ok");
    expect(await c.metrics()).toMatch(/zkm_commands_total/);
    const mk = await c.markets();
    expect(mk.markets.map((m) => m.symbol)).toEqual(["BTC", "ETH"]);
    expect(mk.fees).toEqual({ makerPpm: MAKER_PPM.toString(), takerPpm: TAKER_PPM.toString() });
    expect((await c.prices()).markets).toHaveLength(2);
    expect((await c.funding()).markets).toHaveLength(2);
    const batches = await c.batches(3);
    expect(batches.batches.length).toBeGreaterThan(0);
    const first = batches.batches[0]!;
    expect((await c.batch(BigInt(first.batchNumber))).batchNumber).toBe(first.batchNumber);
    expect((await errorOf(c.batch(999_999n))).code).toBe("BATCH_NOT_FOUND");
    expect((await errorOf(c.book(9))).code).toBe("UNKNOWN_MARKET");
    const { Wallet } = await import("ethers");
    const report = {
      timestamp: 1_700_000_000n,
      markets: [parsePrice("60000"), parsePrice("3000")],
      collaterals: [1n, 1n],
    };
    const s = await signReport(new Wallet(ORACLE_KEYS[0]!), DOMAIN, report);
    const oracle = await errorOf(
      c.postOracleReport({
        report: { timestamp: "1700000000", markets: report.markets.map(String), collaterals: ["1", "1"] },
        signature: s.signature,
      }),
    );
    expect(oracle.code).toBe("ORACLE_DISABLED");

    // Each documented route, as `METHOD path`, must be one the SDK calls (this list mirrors client.ts).
    const covered = new Set([
      "GET /health",
      "GET /v1/markets",
      "GET /v1/markets/{market}/book",
      "GET /v1/markets/{market}/trades",
      "GET /v1/prices",
      "GET /v1/funding",
      "GET /v1/batches",
      "GET /v1/batches/{number}",
      "POST /v1/oracle/reports",
      "POST /v1/accounts",
      "GET /v1/accounts/{index}",
      "GET /v1/accounts/{index}/orders",
      "GET /v1/accounts/{index}/fills",
      "GET /v1/accounts/{index}/proof",
      "POST /v1/orders",
      "POST /v1/orders/cancel",
      "DELETE /v1/orders/{orderId}",
      "POST /v1/orders/cancel-all",
      "POST /v1/orders/batch",
      "POST /v1/withdrawals",
    ]);
    const doc = await c.openapi();
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(documented.filter((x) => !covered.has(x))).toEqual([]);
  });

  it("reports an unreachable sequencer as NETWORK and a slow one as TIMEOUT", async () => {
    const down = new SequencerClient({ baseUrl: "http://127.0.0.1:9" });
    expect((await errorOf(down.health())).code).toBe("NETWORK");
    const slow = new SequencerClient({
      baseUrl: r.url,
      timeoutMs: 20,
      fetch: (input, init) =>
        new Promise((resolve, reject) => {
          const t = setTimeout(() => resolve(fetch(input, init)), 1_000);
          init?.signal?.addEventListener("abort", () => {
            clearTimeout(t);
            reject(init.signal!.reason);
          });
        }),
    });
    expect((await errorOf(slow.health())).code).toBe("TIMEOUT");
    expect(() => new SequencerClient({ baseUrl: "ftp://x" })).toThrowError(
      expect.objectContaining({ code: "BAD_INPUT" }),
    );
  });
});

describe("WebSocket streams", () => {
  it("streams the public book and the account's private fills, and re-authenticates and re-subscribes after a drop", async () => {
    const pub = new SequencerSocket({ baseUrl: r.url, reconnect: { initialMs: 20, maxMs: 100 } });
    const priv = new SequencerSocket({
      baseUrl: r.url,
      auth: { key: alice.key, domain: DOMAIN, accountIndex: alice.accountIndex },
      reconnect: { initialMs: 20, maxMs: 100 },
    });
    try {
      await pub.connect();
      const firstBook = pub.next("book", (m) => m === BTC);
      pub.subscribe("book", BTC);
      pub.subscribe("trades", BTC);
      await firstBook;
      const snapshot = priv.next("account");
      await priv.connect();
      expect((await snapshot)[0].accountIndex).toBe(alice.accountIndex.toString());

      const askSeen = pub.next("book", (_m, b) =>
        b.asks.some((l) => l.price === parsePrice("60500").toString()),
      );
      const ask = await alice.placeOrder(order({ isBuy: false, size: "0.004", price: "60500" }));
      await askSeen;
      const fill = priv.next("fills");
      const trade = pub.next("trades");
      await bob.placeOrder(order({ isBuy: true, size: "0.004", price: "60500", ioc: true }));
      expect((await fill)[0]).toMatchObject({ orderId: ask.orderId, liquidity: "maker" });
      expect((await trade)[1]).toMatchObject({ price: parsePrice("60500").toString(), takerSide: "buy" });

      // Drop every connection server-side: both sockets come back on their own, signed in and subscribed again.
      const reauth = priv.next("authenticated", undefined, 5_000);
      const rebook = pub.next("book", (m) => m === BTC, 5_000);
      const reconnecting = pub.next("reconnecting", undefined, 5_000);
      const server = (r.app as unknown as { websocketServer: { clients: Set<WsSocket> } }).websocketServer;
      for (const s of server.clients) s.terminate();
      await reconnecting;
      expect((await reauth)[0]).toBe(alice.accountIndex);
      await rebook;
      expect(pub.connected && priv.connected).toBe(true);
    } finally {
      pub.close();
      priv.close();
    }
  });

  it("fails connect() with the server's code when the auth is refused", async () => {
    const s = new SequencerSocket({
      baseUrl: r.url,
      auth: { key: keyOf(23), domain: DOMAIN, accountIndex: alice.accountIndex },
    });
    try {
      expect((await errorOf(s.connect())).code).toBe("AUTH_INVALID");
    } finally {
      s.close();
    }
    const down = new SequencerSocket({ baseUrl: "http://127.0.0.1:9" });
    expect((await errorOf(down.connect())).code).toBe("NETWORK");
    down.close();
  });
});
