// A deployment's protocol parameters: the circuit sizes (parameter set) plus the values every signature binds.
import { PARAM_SETS, type ParamSetName, type ParamSetSizes } from "./constants.js";
import { checkUint } from "./field.js";
import { ADDRESS_BITS, CHAIN_ID_BITS } from "./constants.js";
import { fail } from "./errors.js";

export type { ParamSetName, ParamSetSizes };

export function paramSet(name: string): ParamSetSizes & { name: ParamSetName } {
  if (!(name in PARAM_SETS)) fail("BAD_CONFIG", `unknown parameter set "${name}" (test, dev, prod)`);
  return { name: name as ParamSetName, ...PARAM_SETS[name as ParamSetName] };
}

/** Binds every signature to one deployment (PROTOCOL §6, invariant 10). */
export interface Domain {
  readonly chainId: bigint;
  /** Rollup contract address as an integer. */
  readonly contract: bigint;
}

export function makeDomain(chainId: bigint | number, contract: string | bigint): Domain {
  const c = typeof contract === "string" ? BigInt(contract) : contract;
  return {
    chainId: checkUint(BigInt(chainId), CHAIN_ID_BITS, "chainId"),
    contract: checkUint(c, ADDRESS_BITS, "contract address"),
  };
}

/** Number of fields in an account leaf (PROTOCOL §4.1). */
export function leafFieldCount(p: Pick<ParamSetSizes, "markets" | "collaterals">): number {
  return 6 + p.collaterals + 2 * p.markets;
}
