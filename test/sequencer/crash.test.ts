// Crash recovery: a child sequencer is killed with SIGKILL at 20 seeded random points under a sequential stream of
// orders and cancels, each time restarted on the same journal and the same persisted L1. A request whose answer
// never arrived is re-sent after the restart (same clientOrderId), as a client would. Every acknowledged request is
// also executed, once and in order, by a fresh in-process engine: after every restart and at the end, the child's
// root, digest, books, accounts and open orders must equal that clean replay, so nothing acknowledged was lost and
// nothing unacknowledged was half-applied.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Engine } from "../../sequencer/engine/engine.js";
import type { Command } from "../../sequencer/engine/commands.js";
import { engineConfig } from "../../sequencer/main.js";
import { accountView, bookView, orderView } from "../../sequencer/api/views.js";
import { ADDR, baseOptions, call, lots, px, tmpDb, type Trader, type Body } from "./setup.js";
import { CRASH_CLOCK, crashSalt, crashTraders } from "./crashPlan.js";

const KILLS = 20;
const REQUESTS = 80;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Child {
  proc: ChildProcess;
  url: string;
}

const dir = tmpDb("crash").replace(/crash\.sqlite$/, "");
const dbPath = join(dir, "journal.sqlite");
const l1Path = join(dir, "l1.json");
let child: Child | null = null;

interface Standby {
  readonly proc: ChildProcess;
  readonly warm: Promise<void>;
  readonly ready: Promise<string>;
}

let standby: Standby | null = null;

function spawnStandby(): Standby {
  const proc = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "child.ts")], {
    env: { ...process.env, ZKM_DB: dbPath, ZKM_L1: l1Path },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const watchers: (() => void)[] = [];
  proc.stderr!.on("data", (d) => (err += d.toString()));
  proc.stdout!.on("data", (d) => {
    out += d.toString();
    for (const w of [...watchers]) w();
  });
  const exited = new Promise<never>((_, reject) =>
    proc.on("exit", (code, sig) =>
      reject(new Error(`child exited (${code ?? sig}) before READY: ${err.slice(-2000)}`)),
    ),
  );
  exited.catch(() => undefined);
  const seen = (re: RegExp) =>
    Promise.race([
      new Promise<string>((resolve) => {
        const check = () => {
          const m = re.exec(out);
          if (m) resolve(m[1] ?? "");
        };
        watchers.push(check);
        check();
      }),
      exited,
    ]);
  return { proc, warm: seen(/(WARM)/).then(() => undefined), ready: seen(/READY (\S+)/) };
}

/** Activates the warm standby (it opens the journal only now) and starts warming the next one. */
async function startChild(warmNext = true): Promise<Child> {
  const s = standby ?? spawnStandby();
  standby = null;
  await s.warm;
  s.proc.stdin!.write("GO\n");
  const url = await s.ready;
  if (warmNext) standby = spawnStandby();
  return { proc: s.proc, url };
}

function kill(c: Child): Promise<void> {
  return new Promise((resolve) => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
    c.proc.once("exit", () => resolve());
    c.proc.kill("SIGKILL");
  });
}

afterAll(async () => {
  if (child) await kill(child);
  if (standby) standby.proc.kill("SIGKILL");
});

describe("crash recovery", () => {
  it(
    `recovers exactly the acknowledged state after ${KILLS} SIGKILLs under a stream of orders`,
    { timeout: 600_000 },
    async () => {
      const rnd = mulberry32(20_261_122);
      const traders = crashTraders();
      const opts = baseOptions(":memory:", { clock: () => CRASH_CLOCK, genesisMs: CRASH_CLOCK });
      const ref = new Engine(engineConfig(opts, CRASH_CLOCK));
      traders.forEach((t, q) => {
        const r = ref.execute(
          {
            kind: "deposit",
            queueIndex: String(q),
            l1Address: ADDR.toString(),
            accountIndex: t.index.toString(),
            pubKeyX: t.pub.x.toString(),
            pubKeyY: t.pub.y.toString(),
            asset: 0,
            amount: lots("1000000").toString(),
            salt: crashSalt(BigInt(q)).toString(),
          },
          CRASH_CLOCK,
        );
        expect(r.ok).toBe(true);
      });

      child = await startChild();
      // The child's clock is frozen, so one signed header per trader stays valid for the whole run.
      const headers = new Map(traders.map((t) => [t.index, t.auth(CRASH_CLOCK)]));
      const auth = (t: Trader) => headers.get(t.index)!;
      for (const t of traders) {
        for (let i = 0; i < 200; i++) {
          const a = await call<Body>(child.url, "GET", `/v1/accounts/${t.index}`, undefined, auth(t));
          if (a.status === 200 && a.body.status === "active") break;
          await new Promise((r) => setTimeout(r, 25));
        }
      }

      const compare = async (c: Child) => {
        const h = await call<Body>(c.url, "GET", "/health");
        expect({ root: h.body.root, digest: h.body.digest }).toEqual({
          root: ref.committedState.root.toString(),
          digest: ref.digest(),
        });
        for (const m of [0, 1]) {
          const b = await call<Body>(c.url, "GET", `/v1/markets/${m}/book?depth=200`);
          expect(b.body).toEqual(bookView(ref, m, 200));
        }
        for (const t of traders) {
          const a = await call<Body>(c.url, "GET", `/v1/accounts/${t.index}`, undefined, auth(t));
          expect(a.body).toEqual(accountView(ref, t.index));
          const o = await call<Body>(c.url, "GET", `/v1/accounts/${t.index}/orders`, undefined, auth(t));
          expect(o.body.open).toEqual(ref.openOrders(t.index).map(orderView));
        }
      };

      const killAt = new Set<number>();
      while (killAt.size < KILLS) killAt.add(1 + Math.floor(rnd() * (REQUESTS - 1)));
      let kills = 0;
      let unacked = 0;
      for (let k = 0; k < REQUESTS; k++) {
        const t = traders[Math.floor(rnd() * traders.length)]!;
        const open = ref.openOrders(t.index);
        const roll = rnd();
        let http: { method: string; path: string; body: unknown; headers: Record<string, string> };
        let cmd: Command;
        if (roll < 0.2 && open.length > 0) {
          const o = open[Math.floor(rnd() * open.length)]!;
          http = { method: "DELETE", path: `/v1/orders/${o.id}`, body: undefined, headers: auth(t) };
          cmd = { kind: "cancel", accountIndex: t.index.toString(), orderId: o.id };
        } else if (roll < 0.25) {
          http = { method: "POST", path: "/v1/orders/cancel-all", body: {}, headers: auth(t) };
          cmd = { kind: "cancelAll", accountIndex: t.index.toString() };
        } else {
          const isBuy = rnd() < 0.5;
          // Mostly resting orders around 60,000; about one in four crosses the spread.
          const offset = BigInt(Math.floor(rnd() * 40) + 1) * 10n;
          const crossing = rnd() < 0.25;
          const price = px("60000") + (isBuy === crossing ? offset : -offset);
          const body = t.orderBody({
            isBuy,
            size: BigInt(1 + Math.floor(rnd() * 10)) * lots("0.001"),
            price,
            slot: BigInt(Math.floor(rnd() * 4)),
          });
          http = { method: "POST", path: "/v1/orders", body, headers: {} };
          cmd = { kind: "place", ...body };
        }
        let answer: { status: number; body: Body } | null = null;
        if (killAt.has(k)) {
          const victim = child!;
          const delay = Math.floor(rnd() * 25);
          const timer = setTimeout(() => void kill(victim), delay);
          try {
            answer = await call<Body>(victim.url, http.method, http.path, http.body, http.headers);
          } catch {
            answer = null;
            unacked++;
          }
          clearTimeout(timer);
          await kill(victim);
          kills++;
          child = await startChild();
        }
        // A request whose answer was lost is re-sent: the restarted child answers it from the journal if it had
        // become durable, or executes it now — either way exactly once, like the reference below.
        if (answer === null)
          answer = await call<Body>(child!.url, http.method, http.path, http.body, http.headers);
        const expected = ref.execute(cmd, CRASH_CLOCK);
        const refAnswer = expected.ok
          ? { status: 200, body: expected.response }
          : { status: expected.error!.status, body: { code: expected.error!.code } };
        const retriedCancel = cmd.kind === "cancel" && answer.body.code === "ORDER_NOT_FOUND" && expected.ok;
        if (!retriedCancel) {
          expect(answer.status).toBe(refAnswer.status);
          if (answer.status === 200) expect(answer.body).toEqual(JSON.parse(JSON.stringify(refAnswer.body)));
          else expect(answer.body.code).toBe((refAnswer.body as { code: string }).code);
        }
        if (killAt.has(k)) await compare(child!);
      }
      expect(kills).toBeGreaterThanOrEqual(20);
      await compare(child!);
      await kill(child!);
      child = await startChild(false);
      await compare(child);
      // The stream really exercised matching, batching and the pipeline across the crashes.
      expect(ref.committedState.batchNumber).toBeGreaterThan(3n);
      expect(traders.some((t) => ref.accountFills(t.index).length > 0)).toBe(true);
      console.log(
        `crash test: ${kills} kills, ${unacked} requests unanswered at the kill, ${ref.committedState.batchNumber} batches`,
      );
    },
  );
});
