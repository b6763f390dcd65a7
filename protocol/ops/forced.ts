// Forced requests from L1 (PROTOCOL §7.8): the queue hash both forced ops and a serving LIQUIDATE advance.
import { DOMAIN_FORCED, ForcedKind } from "../constants.js";
import { fail } from "../errors.js";
import { hashTagged } from "../poseidon.js";
import type { Account } from "../account.js";
import type { ForcedRequest } from "./types.js";

export function forcedHashStep(prev: bigint, r: ForcedRequest): bigint {
  return hashTagged(DOMAIN_FORCED, [
    prev,
    BigInt(r.kind),
    r.accountIndex,
    r.pubKeyX,
    r.pubKeyY,
    BigInt(r.asset),
    r.amount,
    r.l1Address,
  ]);
}

export function requireForcedKind(r: ForcedRequest, kind: ForcedKind, accountIndex?: bigint): void {
  if (r.kind !== kind)
    fail("FORCED_MISMATCH", `forced request is of kind ${r.kind}, this op serves kind ${kind}`);
  if (accountIndex !== undefined && r.accountIndex !== accountIndex) {
    fail("FORCED_MISMATCH", `forced request names account ${r.accountIndex}, not ${accountIndex}`);
  }
}

/** The registry key the contract recorded must be the leaf's key; otherwise the request is void. */
export function forcedKeyMatches(a: Account, r: ForcedRequest): boolean {
  return a.registered && a.pubKeyX === r.pubKeyX && a.pubKeyY === r.pubKeyY;
}

export { ForcedKind };
