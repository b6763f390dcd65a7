// Operation records (PROTOCOL §7): one tagged union, one handler file per opcode.
import type { ForcedKind, L1Effect, Opcode } from "../constants.js";
import type { Account } from "../account.js";
import type { Signature } from "../eddsa.js";
import type { SignedOrder } from "../order.js";
import type { Prices } from "../margin.js";
import type { ProtocolParams } from "../state.js";

export interface NoopOp {
  readonly opcode: typeof Opcode.NOOP;
}

export interface DepositOp {
  readonly opcode: typeof Opcode.DEPOSIT;
  readonly l1Address: bigint;
  readonly accountIndex: bigint;
  readonly pubKeyX: bigint;
  readonly pubKeyY: bigint;
  readonly asset: number;
  readonly amount: bigint;
  /** Leaf salt used if this deposit registers the account; ignored otherwise. */
  readonly salt: bigint;
}

export interface WithdrawOp {
  readonly opcode: typeof Opcode.WITHDRAW;
  readonly accountIndex: bigint;
  readonly asset: number;
  readonly amount: bigint;
  readonly l1Address: bigint;
  readonly nonce: bigint;
  readonly signature: Signature;
}

export interface TradeOp {
  readonly opcode: typeof Opcode.TRADE;
  readonly maker: SignedOrder;
  readonly taker: SignedOrder;
  readonly fill: bigint;
  readonly price: bigint;
  readonly makerFee: bigint;
  readonly takerFee: bigint;
}

/** An L1 forced request exactly as the contract hashed it into its forced queue (PROTOCOL §7.8). */
export interface ForcedRequest {
  readonly kind: ForcedKind;
  readonly accountIndex: bigint;
  /** The key the contract's registry holds for accountIndex. */
  readonly pubKeyX: bigint;
  readonly pubKeyY: bigint;
  /** FORCED_KIND_WITHDRAWAL only (0 otherwise). */
  readonly asset: number;
  readonly amount: bigint;
  /** Requester: the registered owner for a withdrawal (and its recipient); anyone for a liquidation request. */
  readonly l1Address: bigint;
}

export interface LiquidateOp {
  readonly opcode: typeof Opcode.LIQUIDATE;
  readonly accountIndex: bigint;
  /** When set, this liquidation also serves the next forced-liquidation request, which must name this account. */
  readonly servesForced?: ForcedRequest | null;
  /** Absent: the insurance fund (account 0) takes the position. */
  readonly liquidator: SignedOrder | null;
  readonly market: number;
  readonly fill: bigint;
  readonly price: bigint;
  readonly penalty: bigint;
}

export interface DeleverageOp {
  readonly opcode: typeof Opcode.DELEVERAGE;
  readonly accountIndex: bigint;
  readonly counterparty: bigint;
  readonly market: number;
  readonly fill: bigint;
  readonly price: bigint;
}

export interface FundingSettleOp {
  readonly opcode: typeof Opcode.FUNDING_SETTLE;
  readonly accountIndex: bigint;
}

export interface ForcedWithdrawOp {
  readonly opcode: typeof Opcode.FORCED_WITHDRAW;
  readonly request: ForcedRequest;
}

export interface ForcedLiquidationCheckOp {
  readonly opcode: typeof Opcode.FORCED_LIQUIDATION_CHECK;
  readonly request: ForcedRequest;
}

export type Op =
  | NoopOp
  | DepositOp
  | WithdrawOp
  | TradeOp
  | LiquidateOp
  | DeleverageOp
  | FundingSettleOp
  | ForcedWithdrawOp
  | ForcedLiquidationCheckOp;

export interface L1EffectEntry {
  readonly kind: L1Effect;
  readonly l1Address: bigint;
  readonly asset: number;
  readonly amount: bigint;
}

/** What a handler sees: the batch's prices and indices, and copies of accounts as of the previous op. */
export interface OpEnv {
  readonly params: ProtocolParams;
  readonly prices: Prices;
  /** The batch's new funding indices, against which every touched account settles. */
  readonly fundingIndices: readonly bigint[];
  readonly batchTime: bigint;
  readonly depositHash: bigint;
  readonly forcedHash: bigint;
  /** A private copy of account i (index 0: the insurance-fund register). */
  account(i: bigint): Account;
}

/** A handler's verdict: accounts to write, in order, and public effects. Handlers never mutate shared state. */
export interface OpOutcome {
  readonly writes: readonly { readonly index: bigint; readonly account: Account }[];
  readonly l1Effect: L1EffectEntry | null;
  readonly depositHash: bigint;
  readonly forcedHash: bigint;
  /** Human summary for logs and tests (e.g. "refund: key mismatch"). */
  readonly note?: string;
}
