// The batch pipeline against failing ports: a reverted submission, a submission that landed although the sender saw
// an error, a failed proof, a chain that disagrees with the sequencer (it must halt, not fork), and a clean restart
// that resumes proving and submitting what it had cut. L1 transactions must form one chain 1, 2, 3, … with no gap
// and no batch number twice.
import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { MemoryL1 } from "../../sequencer/adapters/memoryL1.js";
import { MemoryProver } from "../../sequencer/adapters/memoryProver.js";
import { Engine } from "../../sequencer/engine/engine.js";
import { engineConfig, type RunningSequencer } from "../../sequencer/main.js";
import type { BatchSubmission, L1Port, SubmitReceipt } from "../../sequencer/ports.js";
import {
  Trader,
  baseOptions,
  call,
  lots,
  onboard,
  px,
  startTestSequencer,
  testKey,
  tmpDb,
  type Body,
} from "./setup.js";

let runs: RunningSequencer[] = [];
afterEach(async () => {
  for (const r of runs) await r.close();
  runs = [];
});

function genesisRoot(db: string): bigint {
  const o = baseOptions(db);
  return Engine.genesisState(engineConfig(o, o.genesisMs!)).root;
}

async function trade(r: RunningSequencer, a: Trader, b: Trader, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await call(
      r.url,
      "POST",
      "/v1/orders",
      a.orderBody({ isBuy: false, size: lots("0.001"), price: px("60000") }),
    );
    await call(
      r.url,
      "POST",
      "/v1/orders",
      b.orderBody({ isBuy: true, size: lots("0.001"), price: px("60000") }),
    );
  }
}

async function settled(r: RunningSequencer): Promise<void> {
  await r.sequencer.exec({ kind: "tick" });
  for (
    let i = 0;
    i < 500 && r.sequencer.engine.lastSettled.number < r.sequencer.engine.committedState.batchNumber;
    i++
  ) {
    await r.pipeline.kick();
    await new Promise((x) => setTimeout(x, 10));
  }
  expect(r.sequencer.engine.lastSettled.number).toBe(r.sequencer.engine.committedState.batchNumber);
}

function chain(l1: MemoryL1): bigint[] {
  return l1.transactions.map((t) => t.batchNumber);
}

async function world(over: Parameters<typeof startTestSequencer>[0] = {}, db = tmpDb()) {
  const r = await startTestSequencer(over, db);
  runs.push(r);
  const a = new Trader(testKey(1), r.url, "a");
  const b = new Trader(testKey(2), r.url, "b");
  await onboard(r, a, "100000");
  await onboard(r, b, "100000");
  return { r, a, b };
}

describe("batch pipeline", () => {
  it("retries a reverted submission after re-reading L1, without gaps or duplicates", async () => {
    const db = tmpDb();
    const l1 = new MemoryL1({ params: baseOptions(db).params, genesisRoot: genesisRoot(db) });
    l1.failNext(new Error("nonce too low"), 2);
    const { r, a, b } = await world({ l1 }, db);
    await trade(r, a, b, 3);
    await settled(r);
    expect(l1.submitCount).toBeGreaterThan(chain(l1).length);
    expect(chain(l1)).toEqual(Array.from({ length: chain(l1).length }, (_, i) => BigInt(i + 1)));
    expect((await l1.getSettled()).root).toBe(r.sequencer.engine.committedState.root);
  });

  it("recognises a submission that landed although the sender saw an error", async () => {
    const db = tmpDb();
    let lost = 1;
    class Flaky extends MemoryL1 {
      override async submitBatch(sub: BatchSubmission): Promise<SubmitReceipt> {
        const receipt = await super.submitBatch(sub);
        if (lost-- > 0) throw new Error("connection reset while waiting for the receipt");
        return receipt;
      }
    }
    const inner = new Flaky({ params: baseOptions(db).params, genesisRoot: genesisRoot(db) });
    const flaky: L1Port = inner;
    const { r, a, b } = await world({ l1: flaky }, db);
    await trade(r, a, b, 2);
    await settled(r);
    expect(chain(inner)).toEqual(Array.from({ length: chain(inner).length }, (_, i) => BigInt(i + 1)));
    expect(inner.submitCount).toBe(chain(inner).length);
  });

  it("re-proves after a prover failure", async () => {
    const prover = new MemoryProver();
    prover.failNext(new Error("worker crashed"));
    const { r, a, b } = await world({ prover });
    await trade(r, a, b, 1);
    await settled(r);
    expect(prover.provedCount).toBeGreaterThanOrEqual(Number(r.sequencer.engine.committedState.batchNumber));
  });

  it("halts instead of forking when the chain holds a root this sequencer did not build", async () => {
    const db = tmpDb();
    const l1 = new MemoryL1({ params: baseOptions(db).params, genesisRoot: 12345n });
    let halted = "";
    const r = await startTestSequencer({ l1, onHalt: (why) => (halted = why) }, db);
    runs.push(r);
    expect(halted).toMatch(/root/);
    const h = await call<Body>(r.url, "GET", "/health");
    expect(h).toMatchObject({ status: 503, body: { status: "halted" } });
    const reg = await call<Body>(r.url, "POST", "/v1/accounts", { pubKeyX: "1", pubKeyY: "2" });
    expect(reg).toMatchObject({ status: 503, body: { code: "HALTED" } });
  });

  it("resumes after a restart: same root and books, and the batches cut before it are proven and settled", async () => {
    const dir = tmpDb("x").replace(/x\.sqlite$/, "");
    const db = join(dir, "j.sqlite");
    const l1Path = join(dir, "l1.json");
    const mk = () =>
      new MemoryL1({ params: baseOptions(db).params, genesisRoot: genesisRoot(db), persistPath: l1Path });
    const l1 = mk();
    // The first instance cannot submit at all: everything it cuts is left for the next one.
    l1.failNext(new Error("rpc down"), 1_000);
    const { r, a, b } = await world({ l1 }, db);
    await trade(r, a, b, 3);
    await call(
      r.url,
      "POST",
      "/v1/orders",
      a.orderBody({ isBuy: false, size: lots("0.5"), price: px("61000") }),
    );
    await r.sequencer.exec({ kind: "tick" });
    const before = {
      root: r.sequencer.engine.committedState.root,
      digest: r.sequencer.engine.digest(),
      book: r.sequencer.engine.bookSnapshot(),
    };
    expect(r.sequencer.engine.lastSettled.number).toBe(0n);
    await r.close();
    runs = [];
    const l1b = mk();
    const r2 = await startTestSequencer({ l1: l1b }, db);
    runs.push(r2);
    expect({
      root: r2.sequencer.engine.committedState.root,
      digest: r2.sequencer.engine.digest(),
      book: r2.sequencer.engine.bookSnapshot(),
    }).toEqual(before);
    await settled(r2);
    const n = Number(r2.sequencer.engine.committedState.batchNumber);
    expect(n).toBeGreaterThanOrEqual(2);
    expect(chain(l1b)).toEqual(Array.from({ length: n }, (_, i) => BigInt(i + 1)));
  });
});
