// The scripted market behind batches.json and `zkmargin start`: it must conserve value across the whole run and
// its liquidations must land on the figures worked out by hand in the script's comments.
import { beforeAll, describe, expect, it } from "vitest";
import { Opcode, applyBatch, computeMargin, type Account, type BatchHeader } from "../../protocol/index.js";
import { checkConservation } from "../../client/sim/conservation.js";
import { runScenario, type ScenarioRun } from "../../client/sim/scenario.js";

const USD = 10n ** 16n;

/** Quote with funding settled at the batch's indices: the measure TRADE/LIQUIDATE must conserve. */
function effectiveQuote(a: Account, h: BatchHeader): bigint {
  return a.sizes.reduce((q, s, m) => q - s * (h.fundingIndices[m]! - a.fundingIndices[m]!), a.quote);
}

describe.each(["test", "dev"] as const)("scenario on the %s set", (paramSet) => {
  let run: ScenarioRun;
  beforeAll(() => {
    run = runScenario({ paramSet });
  });

  it("[I1][I3][I4] leaves hold exactly deposits credited − withdrawals per asset, open interest nets to 0, all funding settled", () => {
    const r = checkConservation(run.finalState, run.ledger);
    expect(r.rows.map((x) => [x.symbol, x.ok])).toEqual([
      ["USDC", true],
      ["WETH", true],
      ["WBTC", true],
    ]);
    expect(r.openInterest.every((o) => o.ok)).toBe(true);
    expect(r.openInterest.slice(0, 2).map((o) => [o.symbol, o.long > 0n])).toEqual([
      ["BTC", true],
      ["ETH", true],
    ]);
    expect(r.unsettledFunding).toBe(0n);
    // Quote: 10000 + 200000 + 5000 + 10000 + 50000 + 20000 credited (mallory's 1000 refunded); 5000 + 500 + 1000 out.
    expect(r.rows[0]!.credited).toBe(295_000n * 10n ** 8n);
    expect(r.rows[0]!.withdrawn).toBe(6_500n * 10n ** 8n);
    expect(run.ledger.refunded[0]).toBe(1_000n * 10n ** 8n);
  });

  it("[I2] every TRADE and LIQUIDATE moves 0 quote (fees, penalties and funding settled) and 0 size in total", () => {
    let checked = 0;
    for (const b of run.batches) {
      for (const rec of b.slots) {
        if (rec.op.opcode !== Opcode.TRADE && rec.op.opcode !== Opcode.LIQUIDATE) continue;
        const dq = rec.writes.reduce(
          (s, w) => s + effectiveQuote(w.after, b.header) - effectiveQuote(w.before, b.header),
          0n,
        );
        expect(dq).toBe(0n);
        for (let m = 0; m < run.params.sizes.markets; m++) {
          expect(rec.writes.reduce((s, w) => s + w.after.sizes[m]! - w.before.sizes[m]!, 0n)).toBe(0n);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(paramSet === "dev" ? 8 : 7);
  });

  it("[I7] carol's liquidations land on the hand-computed figures and never lower her health ratio", () => {
    const liqs = run.batches.flatMap((b) =>
      b.slots
        .filter((r) => r.op.opcode === Opcode.LIQUIDATE)
        .map((r) => {
          const w = r.writes[0]!;
          const cfg = run.params.config;
          return {
            before: computeMargin(w.before, cfg, b.header.prices, b.header.fundingIndices),
            after: computeMargin(w.after, cfg, b.header.prices, b.header.fundingIndices),
          };
        }),
    );
    expect(liqs).toHaveLength(2);
    // 1.5 BTC bought at 60000 with 10000 USD: at 56000 and funding 20, TV = 10000 − 45 − 90000 − 30 + 84000 = 3925,
    // MM = 84000·0.05 = 4200. Selling 0.5 at 55000 with penalty 280: TV' = 3925 − 500 − 280 = 3145, MM' = 2800.
    const [first, second] = liqs;
    expect([first!.before.tv, first!.before.mm, first!.after.tv, first!.after.mm]).toEqual([
      3925n * USD,
      4200n * USD,
      3145n * USD,
      2800n * USD,
    ]);
    // At 54000 and funding +10: TV = 3145 − 2000 − 10 = 1135 < MM 2700; all 1 BTC at 54000, penalty 540 → TV' = 595.
    expect([second!.before.tv, second!.before.mm, second!.after.tv, second!.after.mm]).toEqual([
      1135n * USD,
      2700n * USD,
      595n * USD,
      0n,
    ]);
    for (const l of liqs) {
      expect(l.before.liquidatable).toBe(true);
      expect(l.after.tv * l.before.mm >= l.before.tv * l.after.mm).toBe(true);
    }
  });

  it("[I18] replaying only the accepted ops reproduces every root: the rejected ones changed nothing", () => {
    let state = run.genesis;
    for (const b of run.batches) {
      expect(b.slots).toHaveLength(run.params.sizes.opSlots);
      const accepted = b.slots.filter((_, i) => b.descriptions[i] !== "padding").map((r) => r.op);
      const replay = applyBatch(state, b.header, accepted);
      expect(replay.publicInputHash).toBe(b.result.publicInputHash);
      state = replay.state;
    }
    expect(state.root).toBe(run.finalState.root);
    const rejected = run.batches.flatMap((b) => b.rejected.map((r) => r.code));
    expect(rejected).toEqual(
      expect.arrayContaining([
        "UNDER_MARGINED",
        "OVERFILL",
        "FEE_TOO_HIGH",
        "ORDER_REPLAYED",
        "ORDER_EXPIRED",
        "BAD_NONCE",
        "LIQUIDATABLE",
      ]),
    );
  });
});
