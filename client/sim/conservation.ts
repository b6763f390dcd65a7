// Invariants 1, 3 and 4 (PROTOCOL §12) checked on a whole state against the L1 ledger of what was credited and paid
// out: what the leaves hold per asset must equal deposits credited minus withdrawals, and open interest must net
// to zero per market. Used by `zkmargin start` for its closing table and by tests.
import { AMOUNT_SCALE, type RollupState } from "../../protocol/index.js";
import { assetSymbol, marketSymbol } from "./markets.js";
import type { Ledger } from "./scenario.js";

export interface ConservationRow {
  readonly asset: number;
  readonly symbol: string;
  /** Amount units of the asset (1e-8). */
  readonly credited: bigint;
  readonly withdrawn: bigint;
  /**
   * What the leaves hold, in the same Amount units. For the quote asset this is Σ(quote − unsettled funding) in
   * Value units divided by 1e8, so unsettled funding (zero-sum [I4]) cannot mask or fake a leak.
   */
  readonly held: bigint;
  /** held·scale == (credited − withdrawn)·scale exactly (quote: compared in Value units, no division). */
  readonly ok: boolean;
}

export interface OpenInterestRow {
  readonly market: number;
  readonly symbol: string;
  readonly long: bigint;
  readonly short: bigint;
  readonly ok: boolean;
}

export interface ConservationReport {
  readonly rows: readonly ConservationRow[];
  readonly openInterest: readonly OpenInterestRow[];
  /** Σ size·(I − lastIndex) over all leaves, Value units; 0 once everyone has settled. */
  readonly unsettledFunding: bigint;
  readonly ok: boolean;
}

export function checkConservation(state: RollupState, ledger: Ledger): ConservationReport {
  const p = state.params;
  const accounts = [...state.accounts.values()];
  let quoteValue = 0n;
  let unsettled = 0n;
  for (const a of accounts) {
    let u = 0n;
    a.sizes.forEach((s, m) => {
      u += s * (state.fundingIndices[m]! - a.fundingIndices[m]!);
    });
    unsettled += u;
    quoteValue += a.quote - u;
  }
  const rows: ConservationRow[] = [];
  for (let asset = 0; asset <= p.sizes.collaterals; asset++) {
    const credited = ledger.credited[asset] ?? 0n;
    const withdrawn = ledger.withdrawn[asset] ?? 0n;
    const expected = credited - withdrawn;
    if (asset === 0) {
      rows.push({
        asset,
        symbol: assetSymbol(p, 0),
        credited,
        withdrawn,
        held: quoteValue / AMOUNT_SCALE,
        ok: quoteValue === expected * AMOUNT_SCALE,
      });
    } else {
      const held = accounts.reduce((s, a) => s + a.balances[asset - 1]!, 0n);
      rows.push({ asset, symbol: assetSymbol(p, asset), credited, withdrawn, held, ok: held === expected });
    }
  }
  const openInterest: OpenInterestRow[] = [];
  for (let m = 0; m < p.sizes.markets; m++) {
    let long = 0n;
    let short = 0n;
    for (const a of accounts) {
      const s = a.sizes[m]!;
      if (s > 0n) long += s;
      else short -= s;
    }
    openInterest.push({ market: m, symbol: marketSymbol(p, m), long, short, ok: long === short });
  }
  return {
    rows,
    openInterest,
    unsettledFunding: unsettled,
    ok: rows.every((r) => r.ok) && openInterest.every((r) => r.ok),
  };
}
