// Fuzzing the API with fast-check: thousands of random or mutated requests must each get a 4xx with a known stable
// code and a message (never a 5xx, a stack trace or a crash), and together change nothing: the engine digest, the
// books, the accounts and the journal (less the pipeline's own housekeeping) are the same before and after.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_SEQUENCER_CODES } from "../../sequencer/errors.js";
import type { RunningSequencer } from "../../sequencer/main.js";
import { Trader, call, lots, onboard, px, startTestSequencer, testKey, type Body } from "./setup.js";

let r: RunningSequencer;
let A: Trader;
let template: ReturnType<Trader["orderBody"]>;
let withdrawal: ReturnType<Trader["withdrawalBody"]>;

const POSTS = [
  "/v1/orders",
  "/v1/orders/cancel",
  "/v1/orders/cancel-all",
  "/v1/orders/batch",
  "/v1/withdrawals",
  "/v1/oracle/reports",
  "/v1/accounts",
];
const GETS = [
  "/v1/accounts/1",
  "/v1/accounts/1/orders",
  "/v1/accounts/1/fills",
  "/v1/accounts/1/proof",
  "/v1/markets/9/book",
  "/v1/batches/x",
];

function state() {
  const e = r.sequencer.engine;
  const kinds = [...r.sequencer.journal.entries()]
    .map((x) => x.cmd.kind)
    .filter((k) => k !== "tick" && k !== "settled");
  // Orders live, orders ever accepted, trades: batch cuts by the time trigger may happen meanwhile and are not compared.
  return {
    counters: e.digest().split(":").slice(3).join(":"),
    book: e.bookSnapshot(),
    account: JSON.stringify(e.account(A.index).serialize()),
    kinds,
  };
}

function expectClientError(res: { status: number; body: Body }): void {
  expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
  expect(ALL_SEQUENCER_CODES).toContain(res.body.code);
  expect(typeof res.body.message).toBe("string");
  expect(JSON.stringify(res.body)).not.toMatch(/\.ts:\d+|at Object\.|node_modules/);
}

beforeAll(async () => {
  r = await startTestSequencer();
  A = new Trader(testKey(1), r.url, "a");
  await onboard(r, A, "10000");
  template = A.orderBody({ isBuy: true, size: lots("0.01"), price: px("50000") }, "template");
  expect((await call(r.url, "POST", "/v1/orders", template)).status).toBe(200);
  withdrawal = A.withdrawalBody({ asset: 0, amount: lots("1"), nonce: 0n });
  expect((await call(r.url, "POST", "/v1/withdrawals", withdrawal)).status).toBe(200);
});

afterAll(async () => {
  await r?.close();
});

describe("API fuzzing: only 4xx, no crash, no state change", () => {
  it("survives thousands of random and mutated requests", async () => {
    const before = state();
    let n = 0;
    // Random JSON of Body shape to every write route.
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POSTS), fc.jsonValue({ maxDepth: 4 }), async (path, body) => {
        n++;
        expectClientError(await call(r.url, "POST", path, JSON.stringify(body)));
      }),
      { numRuns: 1500, seed: 42 },
    );
    // Raw text that is mostly not JSON at all.
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POSTS), fc.string({ maxLength: 200 }), async (path, text) => {
        n++;
        const res = await call(r.url, "POST", path, text.length === 0 ? "{" : text);
        expectClientError(res);
      }),
      { numRuns: 500, seed: 43 },
    );
    // Reads with random auth headers and random paths.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(...GETS),
          fc.webPath().map((p) => `/v1${p}`),
        ),
        fc.record({
          "x-zkm-account": fc.string({ maxLength: 25 }),
          "x-zkm-timestamp": fc.string({ maxLength: 20 }),
          "x-zkm-signature": fc.string({ maxLength: 120 }),
        }),
        async (path, headers) => {
          n++;
          const safe = Object.fromEntries(
            Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, "")]),
          );
          const res = await call(r.url, "GET", path, undefined, safe);
          if (res.status === 200) return; // public routes a random path may hit
          expectClientError(res);
        },
      ),
      { numRuns: 500, seed: 44 },
    );
    // One field of an accepted signed order or withdrawal replaced: a replay, a bad signature or a schema error.
    const fields = [
      ...Object.keys(template.order).map((k) => `order.${k}`),
      "signature.R8x",
      "signature.S",
      "clientOrderId",
    ];
    const wfields = Object.keys(withdrawal);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.nat(),
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.integer(),
          fc.bigInt({ min: 0n, max: 1n << 70n }).map(String),
          fc.boolean(),
          fc.constant(null),
        ),
        async (isOrder, k, v) => {
          n++;
          let body: Body;
          if (isOrder) {
            body = structuredClone(template);
            const [a, b] = fields[k % fields.length]!.split(".");
            if (b) body[a!][b] = v;
            else body[a!] = v;
            // Re-sending the accepted order unchanged is an idempotent replay (200, same answer): not a mutation.
            if (JSON.stringify(body) === JSON.stringify(template)) return;
          } else {
            body = { ...withdrawal, [wfields[k % wfields.length]!]: v };
            if (JSON.stringify(body) === JSON.stringify(withdrawal)) return;
          }
          expectClientError(await call(r.url, "POST", isOrder ? "/v1/orders" : "/v1/withdrawals", body));
        },
      ),
      { numRuns: 150, seed: 45 },
    );
    expect(n).toBeGreaterThan(2500);
    expect((await call<Body>(r.url, "GET", "/health")).body.status).toBe("ok");
    expect(state()).toEqual(before);
  });
});
