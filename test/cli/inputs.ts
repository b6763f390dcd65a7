// Inputs for `zkmargin margin` tests: the documented example and helpers to derive bad variants from it.
export type MarginInput = {
  markets: Record<string, { imr: unknown; mmr: unknown; tiers?: unknown[]; [k: string]: unknown }>;
  collateral: Record<string, { haircut: unknown }>;
  prices: Record<string, unknown>;
  account: {
    collateral?: Record<string, unknown>;
    quote?: unknown;
    positions?: Record<string, unknown>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

/** The documented example (PROTOCOL §5.3, the CLI's help text). */
export function example(): MarginInput {
  return {
    markets: { BTC: { imr: "0.1", mmr: "0.05", tiers: [{ from: "1000000", imr: "0.2", mmr: "0.1" }] } },
    collateral: { USDC: { haircut: "1" }, ETH: { haircut: "0.8" } },
    prices: { BTC: "60000", ETH: "3000", USDC: "1" },
    account: { collateral: { USDC: "1000", ETH: "1.5" }, quote: "-30000", positions: { BTC: "0.5" } },
  };
}

export function withChange(f: (x: MarginInput) => unknown): MarginInput {
  const x = example();
  f(x);
  return x;
}

export const TWO_POW = (n: number): bigint => 1n << BigInt(n);

/** `units / 10^decimals` as a decimal string, written independently of protocol/decimal.ts. */
export function decimalOf(units: bigint, decimals: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(decimals + 1, "0");
  return `${neg ? "-" : ""}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}
