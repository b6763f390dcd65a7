// The simulated deployment: which markets and collateral assets each parameter set lists, their risk parameters,
// the chain domain and the opening prices. One definition shared by the scenario, the test vectors and the CLI,
// written in human decimals and parsed with the protocol's own parsers so no scale is hand-multiplied.
import {
  PRICE_DECIMALS,
  VALUE_DECIMALS,
  RiskConfig,
  makeDomain,
  makeParams,
  paramSet,
  parseDecimal,
  parseRate,
  fail,
  type Domain,
  type ParamSetName,
  type Prices,
  type ProtocolParams,
} from "../../protocol/index.js";

/** Hardhat's chain id and the address of the first contract its default deployer creates. */
export const SIM_DOMAIN: Domain = makeDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

/** Asset 0, the quote token, valued at exactly 1 USD (PROTOCOL §2). */
export const QUOTE_SYMBOL = "USDC";

interface MarketSpec {
  readonly symbol: string;
  /** [from USD, imr, mmr]; the first tier starts at 0. */
  readonly tiers: readonly (readonly [string, string, string])[];
  readonly liquidationFee: string;
  readonly maxFundingStep: string;
  readonly price: string;
}

interface CollateralSpec {
  readonly symbol: string;
  readonly haircut: string;
  readonly price: string;
}

// Listed in the order a parameter set takes them: `test` uses the first 2 markets, `dev` 4, `prod` 8.
const MARKETS: readonly MarketSpec[] = [
  {
    symbol: "BTC",
    tiers: [
      ["0", "0.1", "0.05"],
      ["1000000", "0.2", "0.1"],
    ],
    liquidationFee: "0.01",
    maxFundingStep: "0.001",
    price: "60000",
  },
  {
    symbol: "ETH",
    tiers: [
      ["0", "0.1", "0.05"],
      ["500000", "0.2", "0.1"],
    ],
    liquidationFee: "0.01",
    maxFundingStep: "0.001",
    price: "3000",
  },
  {
    symbol: "SOL",
    tiers: [
      ["0", "0.2", "0.1"],
      ["250000", "0.25", "0.125"],
    ],
    liquidationFee: "0.015",
    maxFundingStep: "0.002",
    price: "150",
  },
  {
    symbol: "LINK",
    tiers: [["0", "0.2", "0.1"]],
    liquidationFee: "0.015",
    maxFundingStep: "0.002",
    price: "15",
  },
  {
    symbol: "AVAX",
    tiers: [
      ["0", "0.2", "0.1"],
      ["200000", "0.3", "0.15"],
      ["1000000", "0.5", "0.25"],
    ],
    liquidationFee: "0.02",
    maxFundingStep: "0.002",
    price: "30",
  },
  {
    symbol: "DOGE",
    tiers: [["0", "0.25", "0.125"]],
    liquidationFee: "0.02",
    maxFundingStep: "0.003",
    price: "0.15",
  },
  {
    symbol: "ARB",
    tiers: [["0", "0.25", "0.125"]],
    liquidationFee: "0.02",
    maxFundingStep: "0.003",
    price: "0.8",
  },
  {
    symbol: "OP",
    tiers: [["0", "0.25", "0.125"]],
    liquidationFee: "0.02",
    maxFundingStep: "0.003",
    price: "1.7",
  },
];

const COLLATERALS: readonly CollateralSpec[] = [
  { symbol: "WETH", haircut: "0.9", price: "3000" },
  { symbol: "WBTC", haircut: "0.85", price: "60000" },
  { symbol: "WSTETH", haircut: "0.85", price: "3500" },
  { symbol: "DAI", haircut: "0.98", price: "1" },
];

export function simConfig(name: ParamSetName): RiskConfig {
  const sizes = paramSet(name);
  if (sizes.markets > MARKETS.length || sizes.collaterals > COLLATERALS.length) {
    fail("BAD_CONFIG", `the simulation lists too few markets or assets for set ${name}`);
  }
  return new RiskConfig(
    MARKETS.slice(0, sizes.markets).map((m) => ({
      symbol: m.symbol,
      tiers: m.tiers.map(([from, imr, mmr]) => ({
        start: parseDecimal(from, VALUE_DECIMALS, `${m.symbol} tier start`),
        imr: parseRate(imr, `${m.symbol} imr`),
        mmr: parseRate(mmr, `${m.symbol} mmr`),
      })),
      liquidationFee: parseRate(m.liquidationFee, `${m.symbol} liquidation fee`),
      maxFundingStep: parseRate(m.maxFundingStep, `${m.symbol} funding step`),
    })),
    COLLATERALS.slice(0, sizes.collaterals).map((c) => ({
      symbol: c.symbol,
      haircut: parseRate(c.haircut, `${c.symbol} haircut`),
    })),
  );
}

export function simParams(name: ParamSetName): ProtocolParams {
  return makeParams(paramSet(name), SIM_DOMAIN, simConfig(name));
}

export function price(s: string): bigint {
  return parseDecimal(s, PRICE_DECIMALS, "price");
}

/**
 * Prices for every market and collateral of `params`: the opening prices, overridden by symbol. Naming a
 * symbol the set does not list is allowed (the scenario names dev-only markets) and ignored.
 */
export function simPrices(params: ProtocolParams, overrides: Readonly<Record<string, string>> = {}): Prices {
  const pick = (symbol: string, dflt: string): bigint => price(overrides[symbol] ?? dflt);
  return {
    markets: params.config.markets.map((m) =>
      pick(m.symbol, MARKETS.find((s) => s.symbol === m.symbol)!.price),
    ),
    collaterals: params.config.collaterals.map((c) =>
      pick(c.symbol, COLLATERALS.find((s) => s.symbol === c.symbol)!.price),
    ),
  };
}

/** Symbol of asset id a (0 = the quote token, 1..C = collateral a−1). */
export function assetSymbol(params: ProtocolParams, a: number): string {
  return a === 0 ? QUOTE_SYMBOL : (params.config.collaterals[a - 1]?.symbol ?? `asset${a}`);
}

export function marketSymbol(params: ProtocolParams, m: number): string {
  return params.config.markets[m]?.symbol ?? `market${m}`;
}
