// The protocol-model side of the contract tests' deployment, free of vitest so the gas report can use it too: the
// `test` parameter set, a risk config for it (BTC with PROTOCOL §5.3's tiers and ETH-PERP; USDC and ETH collateral),
// deterministic Baby Jubjub keys (index 0: the insurance fund) and a price set.
import {
  PRICE_DECIMALS,
  RiskConfig,
  VALUE_DECIMALS,
  paramSet,
  parseDecimal,
  parseRate,
  publicKeyOf,
  type Prices,
  type PublicKey,
} from "../../../protocol/index.js";

const usd = (s: string): bigint => parseDecimal(s, VALUE_DECIMALS, "usd");
const px = (s: string): bigint => parseDecimal(s, PRICE_DECIMALS, "price");
const ppm = (s: string): bigint => parseRate(s, "rate");

export const SIZES = paramSet("test");

export const CONFIG = new RiskConfig(
  [
    {
      symbol: "BTC",
      tiers: [
        { start: 0n, imr: ppm("0.1"), mmr: ppm("0.05") },
        { start: usd("1000000"), imr: ppm("0.2"), mmr: ppm("0.1") },
      ],
      liquidationFee: ppm("0.01"),
      maxFundingStep: ppm("0.001"),
    },
    {
      symbol: "ETH-PERP",
      tiers: [{ start: 0n, imr: ppm("0.1"), mmr: ppm("0.05") }],
      liquidationFee: ppm("0.02"),
      maxFundingStep: ppm("0.002"),
    },
  ],
  [
    { symbol: "USDC", haircut: ppm("1") },
    { symbol: "ETH", haircut: ppm("0.8") },
  ],
);

export const PRICES: Prices = { markets: [px("60000"), px("3000")], collaterals: [px("1"), px("3000")] };
export const FUND_SALT = 0xf00dn;

const KEYS: readonly Uint8Array[] = Array.from({ length: 12 }, (_, i) =>
  Uint8Array.from({ length: 32 }, (_, j) => (i * 53 + j * 7 + 3) & 0xff),
);
const PUBS: PublicKey[] = [];

/** Account i's secret key (0: the insurance fund). */
export function key(i: number): Uint8Array {
  const k = KEYS[i];
  if (!k) throw new RangeError(`no key ${i}`);
  return k;
}

export function pub(i: number): PublicKey {
  PUBS[i] ??= publicKeyOf(key(i));
  return PUBS[i];
}
