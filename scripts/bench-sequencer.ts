// Sequencer benchmark: matching throughput with margin checks (engine in-process, no I/O), order acknowledgement
// latency under load over loopback HTTP (autocannon against a real server with its SQLite journal), batch build time
// with the protocol's BatchBuilder, and memory. Prints a table and writes bench/results/sequencer.json.
//   npx tsx scripts/bench-sequencer.ts [--prod] [--orders N]
// Orders are signed before any timer starts: signing is the client's cost, not the sequencer's.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import {
  BatchBuilder,
  Opcode,
  Order,
  RollupState,
  publicKeyOf,
  serializeSignature,
  type ParamSetName,
  type ProtocolParams,
  type SignedOrder,
} from "../protocol/index.js";
import { simParams, simPrices } from "../client/sim/markets.js";
import type { MemoryL1 } from "../sequencer/adapters/memoryL1.js";
import { Engine } from "../sequencer/engine/engine.js";
import type { Command, PlaceCmd } from "../sequencer/engine/commands.js";
import { engineConfig, startSequencer, type StartSequencerOptions } from "../sequencer/main.js";

const args = process.argv.slice(2);
const withProd = args.includes("--prod");
const nIdx = args.indexOf("--orders");
const N = nIdx >= 0 ? Number(args[nIdx + 1]) : 300;

const SET: ParamSetName = "dev";
const params = simParams(SET);
const prices = simPrices(params);
const FAR = 4_000_000_000n;
const T0 = 1_800_000_000_000;
const key = (i: number) => Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j * 13 + 5) & 0xff);
const fundKey = publicKeyOf(key(0));
const TRADERS = 8;
/** Makers in the matching run: enough that no maker reuses a slot (which would replace its earlier ask). */
const MAKERS = 24;

function options(dbPath: string): StartSequencerOptions {
  return {
    params,
    dbPath,
    fundKey,
    fundSalt: 1n,
    initialPrices: prices,
    genesisMs: T0,
    logger: "silent",
    api: { rateLimit: null },
    pipeline: { pollMs: 50 },
    maxUnsettledBatches: 100_000,
  };
}

/** Pre-signed orders: trader t, its slot cycling over the set's slots with increasing nonces. */
class Signer {
  private readonly nonces = new Map<string, bigint>();
  private readonly slots = new Map<number, number>();
  sign(p: ProtocolParams, t: number, isBuy: boolean, price: bigint, size: bigint, flags = 0): PlaceCmd {
    const slotCount = 1 << p.sizes.orderDepth;
    const slot = BigInt((this.slots.get(t) ?? 0) % slotCount);
    this.slots.set(t, (this.slots.get(t) ?? 0) + 1);
    const k = `${t}:${slot}`;
    const nonce = (this.nonces.get(k) ?? 0n) + 1n;
    this.nonces.set(k, nonce);
    const order = new Order({
      accountIndex: BigInt(t),
      slot,
      nonce,
      market: 0,
      isBuy,
      size,
      limitPrice: price,
      expiry: FAR,
      flags,
      maxFee: 1_000n,
    });
    const s = order.sign(key(t), p.domain);
    return {
      kind: "place",
      clientOrderId: `o${t}-${slot}-${nonce}`,
      order: order.serialize(),
      signature: serializeSignature(s.signature),
    };
  }
}

function deposits(n: number): Command[] {
  return Array.from({ length: n }, (_, q) => {
    const pub = publicKeyOf(key(q + 1));
    return {
      kind: "deposit",
      queueIndex: String(q),
      l1Address: "1",
      accountIndex: String(q + 1),
      pubKeyX: pub.x.toString(),
      pubKeyY: pub.y.toString(),
      asset: 0,
      amount: (10n ** 15n).toString(),
      salt: String(q + 1),
    } as Command;
  });
}

const rows: [string, string, string][] = [];
const results: Record<string, unknown> = {
  machine: {
    cpus: availableParallelism(),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
  },
  paramSet: SET,
};
const fmt = (x: number, d = 1) => x.toFixed(d);
const progress = (s: string) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- 1. matching throughput (engine, in-process)

{
  progress(`signing ${N} resting and ${N / 2} crossing orders…`);
  const s = new Signer();
  const resting: PlaceCmd[] = [];
  for (let i = 0; i < N; i++) {
    const t = 1 + (i % MAKERS);
    resting.push(s.sign(params, t, false, prices.markets[0]! + BigInt(1 + i) * 100_000_000n, 1_000_000n));
  }
  const crossing: PlaceCmd[] = [];
  for (let i = 0; i < N / 2; i++) {
    const t = 1 + MAKERS + (i % 4);
    // Each taker lifts exactly the best ask left (one fill, one TRADE op).
    crossing.push(s.sign(params, t, true, prices.markets[0]! + BigInt(1 + i) * 100_000_000n, 1_000_000n, 4));
  }
  const e = new Engine(engineConfig(options(":memory:"), T0));
  for (const c of deposits(MAKERS + 4)) e.execute(c, T0);
  let fills = 0;
  const run = (cmds: PlaceCmd[]) => {
    const t = performance.now();
    cmds.forEach((c, i) => {
      const r = e.execute(c, T0 + i);
      if (!r.ok) throw new Error(`bench order refused: ${r.error!.code} ${r.error!.message}`);
      fills += (r.response as { fills: unknown[] }).fills.length;
    });
    return (performance.now() - t) / 1000;
  };
  const cutBefore = e.committedState.batchNumber;
  const tr = run(resting);
  const tc = run(crossing);
  results.matching = {
    restingOrders: resting.length,
    restingOrdersPerSec: resting.length / tr,
    crossingOrders: crossing.length,
    crossingOrdersPerSec: crossing.length / tc,
    fills,
    batchesCut: Number(e.committedState.batchNumber - cutBefore),
  };
  rows.push([
    "matching: resting orders/s (signature + margin check)",
    fmt(resting.length / tr),
    `${resting.length} orders`,
  ]);
  rows.push([
    "matching: crossing orders/s (one fill each, TRADE op)",
    fmt(crossing.length / tc),
    `${fills} fills, ${results.matching && (results.matching as { batchesCut: number }).batchesCut} batches cut`,
  ]);
}

// ---------------------------------------------------------------- 2. acknowledgement latency over HTTP

{
  const dir = mkdtempSync(join(tmpdir(), "zkm-bench-"));
  const running = await startSequencer(options(join(dir, "journal.sqlite")));
  const l1 = running.l1 as MemoryL1;
  for (let t = 1; t <= TRADERS; t++) {
    const pub = publicKeyOf(key(t));
    l1.deposit({
      l1Address: 1n,
      accountIndex: BigInt(t),
      pubKeyX: pub.x,
      pubKeyY: pub.y,
      asset: 0,
      amount: 10n ** 15n,
    });
  }
  await running.pipeline.kick();
  const s = new Signer();
  progress(`signing ${N} orders for the HTTP run…`);
  const bodies: string[] = [];
  for (let i = 0; i < N; i++) {
    const t = 1 + (i % TRADERS);
    const isBuy = i % 2 === 0;
    // Resting orders on both sides, never crossing: each request is a full placement (verify, margin, journal).
    const price = isBuy
      ? prices.markets[0]! - BigInt(1 + (i % 500)) * 10_000_000n
      : prices.markets[0]! + BigInt(1 + (i % 500)) * 10_000_000n;
    const c = s.sign(params, t, isBuy, price, 1_000_000n);
    bodies.push(JSON.stringify({ clientOrderId: c.clientOrderId, order: c.order, signature: c.signature }));
  }
  const heapBefore = process.memoryUsage().heapUsed;
  let next = 0;
  const res = await autocannon({
    url: running.url,
    connections: 8,
    amount: bodies.length,
    requests: [
      {
        method: "POST",
        path: "/v1/orders",
        headers: { "content-type": "application/json" },
        setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
  const live = running.sequencer.engine.liveOrderCount();
  const reads = await autocannon({
    url: `${running.url}/v1/markets/0/book?depth=20`,
    connections: 8,
    amount: 4_000,
  });
  const mem = process.memoryUsage();
  results.http = {
    orders: {
      requests: res.requests.total,
      non2xx: res.non2xx,
      reqPerSec: res.requests.average,
      latencyMs: { p50: res.latency.p50, p90: res.latency.p90, p99: res.latency.p99, max: res.latency.max },
    },
    bookReads: {
      requests: reads.requests.total,
      non2xx: reads.non2xx,
      reqPerSec: reads.requests.average,
      latencyMs: { p50: reads.latency.p50, p99: reads.latency.p99 },
    },
    liveOrders: live,
  };
  results.memory = {
    rssMiB: mem.rss / 2 ** 20,
    heapUsedMiB: mem.heapUsed / 2 ** 20,
    heapGrowthDuringRunMiB: (mem.heapUsed - heapBefore) / 2 ** 20,
    liveOrders: live,
  };
  rows.push([
    "HTTP order ack latency p50 / p90 / p99 (ms), 8 connections",
    `${res.latency.p50} / ${res.latency.p90} / ${res.latency.p99}`,
    `${res.requests.total} orders, ${res.non2xx} non-2xx`,
  ]);
  rows.push([
    "HTTP order acks/s (signature check + margin + fsync'd journal)",
    fmt(res.requests.average),
    "durable before each answer",
  ]);
  rows.push([
    "HTTP book reads/s, latency p50 / p99 (ms)",
    `${fmt(reads.requests.average)}  (${reads.latency.p50} / ${reads.latency.p99})`,
    `${reads.requests.total} reads`,
  ]);
  rows.push([
    "memory: RSS / heap (MiB)",
    `${fmt(mem.rss / 2 ** 20)} / ${fmt(mem.heapUsed / 2 ** 20)}`,
    `${live} resting orders`,
  ]);
  await running.close();
}

// ---------------------------------------------------------------- 3. batch build time (protocol BatchBuilder)

async function batchBuild(set: ParamSetName): Promise<void> {
  const p = simParams(set);
  const pr = simPrices(p);
  const slots = p.sizes.opSlots;
  progress(`signing ${2 * slots} orders for a full ${set} batch of ${slots} trades…`);
  const state = RollupState.genesis(p, fundKey, 1n);
  const nAccounts = 16;
  for (let i = 1; i <= nAccounts; i++) {
    const a = state.account(BigInt(i));
    const pub = publicKeyOf(key(i));
    a.pubKeyX = pub.x;
    a.pubKeyY = pub.y;
    a.quote = 10n ** 24n;
    state.put(BigInt(i), a);
  }
  const orders: [SignedOrder, SignedOrder][] = [];
  const nonces = new Map<string, bigint>();
  const mk = (acct: number, isBuy: boolean, i: number): SignedOrder => {
    const slot = BigInt(i % (1 << p.sizes.orderDepth));
    const k = `${acct}:${slot}`;
    const nonce = (nonces.get(k) ?? 0n) + 1n;
    nonces.set(k, nonce);
    return new Order({
      accountIndex: BigInt(acct),
      slot,
      nonce,
      market: 0,
      isBuy,
      size: 1_000_000n,
      limitPrice: pr.markets[0]!,
      expiry: FAR,
      flags: 0,
      maxFee: 1_000n,
    }).sign(key(acct), p.domain);
  };
  for (let i = 0; i < slots; i++) orders.push([mk(1 + (i % 8), false, i), mk(9 + (i % 8), true, i)]);
  const t0 = performance.now();
  const b = new BatchBuilder(state, {
    batchTime: 1n,
    prices: pr,
    fundingIndices: Array<bigint>(p.sizes.markets).fill(0n),
  });
  const t1 = performance.now();
  for (const [maker, taker] of orders)
    b.apply({
      opcode: Opcode.TRADE,
      maker,
      taker,
      fill: 1_000_000n,
      price: pr.markets[0]!,
      makerFee: 0n,
      takerFee: 0n,
    });
  const t2 = performance.now();
  b.finish();
  const t3 = performance.now();
  const r = {
    opSlots: slots,
    openMs: t1 - t0,
    applyMs: t2 - t1,
    perOpMs: (t2 - t1) / slots,
    finishMs: t3 - t2,
    totalMs: t3 - t0,
  };
  (results.batchBuild ??= {} as Record<string, unknown>) as Record<string, unknown>;
  (results.batchBuild as Record<string, unknown>)[set] = r;
  rows.push([
    `batch build (${set}, ${slots} TRADE ops): total ms (per op)`,
    `${fmt(r.totalMs, 0)} (${fmt(r.perOpMs)})`,
    `finish ${fmt(r.finishMs, 1)} ms`,
  ]);
}
await batchBuild("dev");
if (withProd) await batchBuild("prod");

// ---------------------------------------------------------------- report

const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(
  `\nsequencer benchmark (${SET} set; ${availableParallelism()} CPUs, load ${loadavg()[0]!.toFixed(2)})`,
);
for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/sequencer.json", JSON.stringify(results, null, 2));
console.log("\nwritten bench/results/sequencer.json");
