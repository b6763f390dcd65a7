// The commands the engine accepts, in their wire form (decimal strings for every integer that may exceed 2^53).
// The journal stores exactly these objects, so a command's JSON is both the request the engine saw and everything
// replay needs: time is the journal entry's timestamp, randomness (a leaf salt) is carried in the command itself.
import type { SerializedOrder } from "../../protocol/index.js";

export interface SignatureWire {
  readonly R8x: string;
  readonly R8y: string;
  readonly S: string;
}

export interface PlaceCmd {
  readonly kind: "place";
  readonly clientOrderId: string;
  readonly order: SerializedOrder;
  readonly signature: SignatureWire;
}

export interface CancelCmd {
  readonly kind: "cancel";
  /** The authenticated account: only its own orders can be named. */
  readonly accountIndex: string;
  readonly orderId?: string;
  readonly clientOrderId?: string;
}

export interface CancelAllCmd {
  readonly kind: "cancelAll";
  readonly accountIndex: string;
  readonly market?: number;
}

export interface BatchCmd {
  readonly kind: "batch";
  readonly items: readonly (PlaceCmd | CancelCmd)[];
}

export interface RegisterCmd {
  readonly kind: "register";
  readonly pubKeyX: string;
  readonly pubKeyY: string;
}

export interface DepositCmd {
  readonly kind: "deposit";
  readonly queueIndex: string;
  readonly l1Address: string;
  readonly accountIndex: string;
  readonly pubKeyX: string;
  readonly pubKeyY: string;
  readonly asset: number;
  readonly amount: string;
  /** Drawn by the operator when the deposit is ingested (PROTOCOL §4.1); used only if it registers the leaf. */
  readonly salt: string;
}

export interface ForcedRequestWire {
  readonly kind: number;
  readonly accountIndex: string;
  readonly pubKeyX: string;
  readonly pubKeyY: string;
  readonly asset: number;
  readonly amount: string;
  readonly l1Address: string;
}

export interface ForcedCmd {
  readonly kind: "forced";
  readonly queueIndex: string;
  readonly deadlineMs: number;
  readonly request: ForcedRequestWire;
}

export interface WithdrawCmd {
  readonly kind: "withdraw";
  readonly accountIndex: string;
  readonly asset: number;
  readonly amount: string;
  readonly l1Address: string;
  readonly nonce: string;
  readonly signature: SignatureWire;
}

export interface PriceReportWire {
  readonly timestamp: string;
  readonly markets: readonly string[];
  readonly collaterals: readonly string[];
}

export interface OracleCmd {
  readonly kind: "oracle";
  /** Recovered at intake; replay trusts it (only accepted reports are journaled). */
  readonly signer: string;
  readonly report: PriceReportWire;
  readonly signature: string;
}

/** Time-driven housekeeping: cuts a batch that reached its maximum age. Journaled only when it changes state. */
export interface TickCmd {
  readonly kind: "tick";
}

/** L1 confirmed batches up to batchNumber: lets the engine drop their witnesses and move its settled view. */
export interface SettledCmd {
  readonly kind: "settled";
  readonly batchNumber: string;
}

/** Cancel-on-disconnect and operator actions share the cancel-all path but are recorded as such. */
export type Command =
  | PlaceCmd
  | CancelCmd
  | CancelAllCmd
  | BatchCmd
  | RegisterCmd
  | DepositCmd
  | ForcedCmd
  | WithdrawCmd
  | OracleCmd
  | TickCmd
  | SettledCmd;
