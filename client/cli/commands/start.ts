// `zkmargin start`: until the chain, prover and sequencer exist, this replays the scripted market of
// client/sim/scenario.ts on the protocol model in-process and prints what a node would log, closing with the
// conservation checks of PROTOCOL §12 — so `npm start` already exercises every op handler end to end.
import {
  AMOUNT_DECIMALS,
  L1Effect,
  Opcode,
  PRICE_DECIMALS,
  VALUE_DECIMALS,
  computeMargin,
  formatDecimal,
  type Account,
  type ParamSetName,
} from "../../../protocol/index.js";
import { checkConservation } from "../../sim/conservation.js";
import { addressHex } from "../../sim/keys.js";
import { assetSymbol, marketSymbol } from "../../sim/markets.js";
import { runScenario, scenarioActors, type ScenarioBatch, type ScenarioRun } from "../../sim/scenario.js";
import { opcodeName } from "../../sim/serialize.js";
import { CliError } from "../errors.js";

const hex = (x: bigint): string => `0x${x.toString(16).padStart(64, "0")}`;
const usd = (v: bigint): string => formatDecimal(v, VALUE_DECIMALS);
const amount = (v: bigint): string => formatDecimal(v, AMOUNT_DECIMALS);
const price = (v: bigint): string => formatDecimal(v, PRICE_DECIMALS);

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => `  ${r.map((cell, c) => pad(cell, widths[c]!)).join("  ")}`.trimEnd());
}

function printBatch(b: ScenarioBatch, names: (i: bigint) => string, write: (s: string) => void): void {
  const p = b.result.state.params;
  const h = b.header;
  const pi = b.result.publicInputs;
  const when = new Date(Number(h.batchTime) * 1000).toISOString().replace(".000Z", "Z");
  write(`\nbatch ${pi.batchNumber} · ${b.phase} · ${when} · ${b.elapsedMs.toFixed(0)} ms`);
  const marks = h.prices.markets.map((x, m) => `${marketSymbol(p, m)} ${price(x)}`).join("  ");
  const colls = h.prices.collaterals.map((x, c) => `${assetSymbol(p, c + 1)} ${price(x)}`).join("  ");
  const funding = h.fundingIndices
    .map((x, m) => {
      const moved = x - b.before.fundingIndices[m]!;
      return `${marketSymbol(p, m)} ${price(x)}${moved !== 0n ? ` (${moved > 0n ? "+" : ""}${price(moved)})` : ""}`;
    })
    .join("  ");
  write(`  marks ${marks} | collateral ${colls}`);
  write(`  funding index ${funding}`);

  // Rejected ops are listed where they were tried, between the accepted slots.
  let padding = 0;
  const flushPadding = (): void => {
    const first = b.slots.length - padding;
    const range = padding === 1 ? `[${first}]` : `[${first}..${b.slots.length - 1}]`;
    if (padding > 0) write(`  ${pad(range, 8)}NOOP ×${padding} (padding)`);
    padding = 0;
  };
  b.slots.forEach((rec, i) => {
    for (const r of b.rejected.filter((x) => x.atSlot === i)) {
      write(
        `  ${pad("  ✗", 8)}${pad(opcodeName(r.op.opcode), 25)}${r.what}  → rejected ${r.code}: ${r.message}`,
      );
    }
    if (rec.op.opcode === Opcode.NOOP && b.descriptions[i] === "padding") {
      padding++;
      return;
    }
    const note = rec.note ? `  [${rec.note}]` : "";
    write(`  ${pad(`[${i}]`, 8)}${pad(opcodeName(rec.op.opcode), 25)}${b.descriptions[i]}${note}`);
    if (rec.op.opcode === Opcode.LIQUIDATE) {
      const [lw, kw] = rec.writes;
      const before = computeMargin(lw!.before, p.config, h.prices, h.fundingIndices);
      const after = computeMargin(lw!.after, p.config, h.prices, h.fundingIndices);
      write(
        `          liquidation of ${names(lw!.index)} by ${names(kw!.index)}: ` +
          `TV ${usd(before.tv)} / MM ${usd(before.mm)} → TV ${usd(after.tv)} / MM ${usd(after.mm)}` +
          `${after.healthy ? " (healthy again)" : ""}`,
      );
    }
  });
  flushPadding();
  for (const r of b.rejected.filter((x) => x.atSlot >= b.slots.length)) {
    write(
      `  ${pad("  ✗", 8)}${pad(opcodeName(r.op.opcode), 25)}${r.what}  → rejected ${r.code}: ${r.message}`,
    );
  }
  for (const e of b.result.l1Effects) {
    const kind = e.kind === L1Effect.WITHDRAWAL ? "withdrawal" : "deposit refund";
    write(
      `  L1 effect: ${kind} of ${amount(e.amount)} ${assetSymbol(p, e.asset)} to ${addressHex(e.l1Address)}`,
    );
  }
  write(`  new root         ${hex(pi.newRoot)}`);
  write(`  publicInputHash  ${hex(b.result.publicInputHash)}`);
}

function accountRows(run: ScenarioRun): string[][] {
  const s = run.finalState;
  const p = s.params;
  const prices = run.batches.at(-1)!.header.prices;
  const rows = [["account", "quote USD", "collateral", "positions", "TV", "MM", "IM", "state"]];
  const describe = (a: Account): [string, string] => [
    a.balances
      .map((b, c) => (b === 0n ? "" : `${amount(b)} ${assetSymbol(p, c + 1)}`))
      .filter(Boolean)
      .join(", ") || "-",
    a.sizes
      .map((x, m) => (x === 0n ? "" : `${amount(x)} ${marketSymbol(p, m)}`))
      .filter(Boolean)
      .join(", ") || "-",
  ];
  for (const [i, a] of [...s.accounts].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const m = computeMargin(a, p.config, prices, s.fundingIndices);
    const name = run.actors.find((x) => x.index === i)?.name ?? "?";
    const state = m.bankrupt ? "BANKRUPT" : m.liquidatable ? "LIQUIDATABLE" : "healthy";
    rows.push([`${i} ${name}`, usd(a.quote), ...describe(a), usd(m.tv), usd(m.mm), usd(m.im), state]);
  }
  return rows;
}

export function runStart(
  opts: { paramSet: ParamSetName },
  write: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
): void {
  if (opts.paramSet !== "test" && opts.paramSet !== "dev") {
    throw new CliError(
      "BAD_USAGE",
      `the simulation runs the test or dev parameter set, not ${opts.paramSet}`,
      2,
    );
  }
  write("zkmargin start — MODEL-ONLY SIMULATION");
  write(
    "  The chain (contracts), the prover and the sequencer are not built yet. This replays a scripted market",
  );
  write("  on the TypeScript protocol model in-process: no proofs, no L1, no network, nothing persisted.");
  const t0 = performance.now();
  const actors = scenarioActors();
  const names = (i: bigint): string => `${actors.find((a) => a.index === i)?.name ?? "?"} (${i})`;
  let headerDone = false;
  const run = runScenario({
    paramSet: opts.paramSet,
    onBatch: (b) => {
      if (!headerDone) {
        const p = b.result.state.params;
        const sz = p.sizes;
        write(
          `parameter set ${sz.name}: account tree depth ${sz.accountDepth}, ${sz.markets} markets, ${sz.collaterals} ` +
            `collateral assets, ${sz.opSlots} op slots per batch`,
        );
        write(
          `domain: chain ${p.domain.chainId}, contract ${addressHex(p.domain.contract)}; configHash ${hex(p.config.hash())}`,
        );
        write(`genesis root     ${hex(b.before.root)}`);
        headerDone = true;
      }
      printBatch(b, names, write);
    },
  });
  const elapsed = performance.now() - t0;

  const accepted = run.batches.reduce((n, b) => n + b.descriptions.filter((d) => d !== "padding").length, 0);
  const rejected = run.batches.reduce((n, b) => n + b.rejected.length, 0);
  const liquidations = run.batches.reduce(
    (n, b) => n + b.slots.filter((r) => r.op.opcode === Opcode.LIQUIDATE).length,
    0,
  );
  write(
    `\n${run.batches.length} batches, ${accepted} ops accepted, ${rejected} rejected (each with the code it was scripted to get), ` +
      `${liquidations} liquidations, in ${(elapsed / 1000).toFixed(1)} s`,
  );
  write(`final root       ${hex(run.finalState.root)}`);

  write("\nfinal accounts (at the last batch's prices)");
  for (const line of table(accountRows(run))) write(line);

  const report = checkConservation(run.finalState, run.ledger);
  write("\ncollateral conservation [I1]: what the leaves hold = deposits credited − withdrawals paid on L1");
  const rows = [["asset", "credited", "withdrawn", "expected", "held in leaves", "check"]];
  for (const r of report.rows) {
    const fmt = (v: bigint): string => amount(v);
    rows.push([
      r.symbol,
      fmt(r.credited),
      fmt(r.withdrawn),
      fmt(r.credited - r.withdrawn),
      fmt(r.held),
      r.ok ? "ok" : "MISMATCH",
    ]);
  }
  for (const line of table(rows)) write(line);
  write(
    `  (quote held counts Σ(quote − unsettled funding); unsettled funding left: ${usd(report.unsettledFunding)} USD)`,
  );
  write(
    "open interest [I3]: " +
      report.openInterest
        .map(
          (o) => `${o.symbol} long ${amount(o.long)} / short ${amount(o.short)} ${o.ok ? "ok" : "MISMATCH"}`,
        )
        .join("; "),
  );
  const assets = report.rows.map((r) => r.symbol).join(", ");
  if (!report.ok) throw new CliError("INTERNAL", `conservation violated (${assets}): see the table above`);
  write(`conservation: OK for ${assets} and ${report.openInterest.length} markets`);
}
