// Read and cancel authentication (PROTOCOL §6, "API read auth"): the trader signs H(DOMAIN_AUTH, chainId, contract,
// accountIndex, timestampMs) with the account key and sends it in three headers. A signature is accepted only
// within `windowMs` of the server clock, so a leaked header stops working quickly; nobody without the account key
// can read or cancel its orders. Verified headers are cached for their window because EdDSA verification in the
// protocol model costs milliseconds.
import {
  DOMAIN_AUTH,
  hashTagged,
  signMessage,
  verifySignature,
  type Domain,
  type Signature,
} from "../../protocol/index.js";
import { reject } from "../errors.js";

export const AUTH_HEADERS = {
  account: "x-zkm-account",
  timestamp: "x-zkm-timestamp",
  signature: "x-zkm-signature",
} as const;

export function authMessage(d: Domain, accountIndex: bigint, timestampMs: bigint): bigint {
  return hashTagged(DOMAIN_AUTH, [d.chainId, d.contract, accountIndex, timestampMs]);
}

export function signAuth(
  privateKey: Uint8Array,
  d: Domain,
  accountIndex: bigint,
  timestampMs: bigint,
): Signature {
  return signMessage(privateKey, authMessage(d, accountIndex, timestampMs));
}

/** Header values for a request by `accountIndex` at `timestampMs`. */
export function authHeaders(
  privateKey: Uint8Array,
  d: Domain,
  accountIndex: bigint,
  timestampMs: number,
): Record<string, string> {
  const s = signAuth(privateKey, d, accountIndex, BigInt(timestampMs));
  return {
    [AUTH_HEADERS.account]: accountIndex.toString(),
    [AUTH_HEADERS.timestamp]: String(timestampMs),
    [AUTH_HEADERS.signature]: `${s.R8x},${s.R8y},${s.S}`,
  };
}

export interface AuthInput {
  readonly account?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly signature?: string | undefined;
}

export class Authenticator {
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly domain: Domain,
    private readonly keyOf: (i: bigint) => { x: bigint; y: bigint } | null,
    private readonly windowMs: number,
    private readonly clock: () => number,
    private readonly maxCache = 10_000,
  ) {}

  /** The authenticated account index, or a 401 rejection. */
  verify(h: AuthInput): bigint {
    if (h.account === undefined || h.timestamp === undefined || h.signature === undefined) {
      reject(
        "AUTH_REQUIRED",
        `send ${AUTH_HEADERS.account}, ${AUTH_HEADERS.timestamp} and ${AUTH_HEADERS.signature}`,
      );
    }
    if (!/^[0-9]{1,20}$/.test(h.account) || !/^[0-9]{1,16}$/.test(h.timestamp))
      reject("AUTH_INVALID", "malformed auth headers");
    const parts = h.signature.split(",");
    if (parts.length !== 3 || !parts.every((p) => /^[0-9]{1,78}$/.test(p)))
      reject("AUTH_INVALID", "signature header is R8x,R8y,S in decimal");
    const now = this.clock();
    const ts = Number(h.timestamp);
    if (Math.abs(now - ts) > this.windowMs)
      reject("AUTH_EXPIRED", `timestamp is more than ${this.windowMs} ms from the server clock`);
    const account = BigInt(h.account);
    const key = this.keyOf(account);
    if (!key) reject("AUTH_INVALID", "unknown account");
    // The key is part of the cache id: a reservation whose index another deposit took must not stay authenticated.
    const id = `${h.account}:${h.timestamp}:${h.signature}:${key.x}`;
    const until = this.cache.get(id);
    if (until !== undefined && until >= now) return account;
    const sig: Signature = { R8x: BigInt(parts[0]!), R8y: BigInt(parts[1]!), S: BigInt(parts[2]!) };
    if (!verifySignature(key, authMessage(this.domain, account, BigInt(ts)), sig))
      reject("AUTH_INVALID", "bad auth signature");
    if (this.cache.size >= this.maxCache) {
      for (const [k, v] of this.cache) if (v < now) this.cache.delete(k);
      if (this.cache.size >= this.maxCache) this.cache.clear();
    }
    this.cache.set(id, ts + this.windowMs);
    return account;
  }
}
