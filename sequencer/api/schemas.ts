// Request and response schemas, written once in TypeBox: fastify validates requests and serialises responses with
// them, the route handlers get their static types from them, and the OpenAPI document is generated from them — so
// validation, types and documentation cannot drift apart. Integers that may exceed 2^53 travel as decimal strings.
import { Type, type Static, type TSchema } from "@sinclair/typebox";

const opts = (description: string) => ({ description });

export const UintStr = (description = "unsigned integer as a decimal string", maxDigits = 78) =>
  Type.String({ pattern: `^[0-9]{1,${maxDigits}}$`, ...opts(description) });
export const IntStr = (description = "signed integer as a decimal string") =>
  Type.String({ pattern: "^-?[0-9]{1,78}$", ...opts(description) });

export const ErrorBody = Type.Object(
  { code: Type.String(opts("stable error code")), message: Type.String() },
  { $id: "Error", description: "Every error: a stable code and a human message" },
);

export const Signature = Type.Object(
  { R8x: UintStr("R8 point x"), R8y: UintStr("R8 point y"), S: UintStr("scalar S") },
  { additionalProperties: false, description: "EdDSA-Poseidon signature on Baby Jubjub (PROTOCOL §6)" },
);

export const OrderFields = Type.Object(
  {
    accountIndex: UintStr("account (leaf) index", 20),
    slot: UintStr("order slot (PROTOCOL §4.2)", 10),
    nonce: UintStr("slot nonce, ≥ 1, above every earlier nonce of the slot", 10),
    market: Type.Integer({ minimum: 0, maximum: 255 }),
    isBuy: Type.Boolean(),
    size: UintStr("Amount, 1e-8 contract units", 19),
    limitPrice: UintStr("Price, 1e-8 USD per unit", 17),
    expiry: UintStr("unix seconds; valid while batchTime < expiry", 13),
    flags: Type.Integer({
      minimum: 0,
      maximum: 7,
      description: "bit 0 reduce-only, bit 1 post-only, bit 2 IOC",
    }),
    maxFee: UintStr("highest fee accepted, ppm of notional", 7),
  },
  { additionalProperties: false, description: "Order fields exactly as signed (protocol/order.ts)" },
);

export const ClientOrderId = Type.String({
  pattern: "^[A-Za-z0-9_.:-]{1,64}$",
  description: "idempotency key, unique per account",
});

export const PlaceOrderBody = Type.Object(
  { clientOrderId: ClientOrderId, order: OrderFields, signature: Signature },
  { additionalProperties: false },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const FillView = Type.Object({
  price: Type.String(),
  size: Type.String(),
  fee: Type.String(),
  liquidity: Type.String(),
});

export const Reason = Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]);

export const PlaceResultView = Type.Object(
  {
    orderId: Type.String(),
    clientOrderId: Type.String(),
    accountIndex: Type.String(),
    status: Type.String({ description: "open | filled | cancelled" }),
    size: Type.String(),
    filled: Type.String(),
    remaining: Type.String(),
    fills: Type.Array(FillView),
    reason: Reason,
  },
  { $id: "PlaceResult" },
);

export const CancelBody = Type.Object(
  { orderId: Type.Optional(Type.String({ maxLength: 80 })), clientOrderId: Type.Optional(ClientOrderId) },
  { additionalProperties: false },
);
export type CancelBody = Static<typeof CancelBody>;

export const CancelResultView = Type.Object({
  orderId: Type.String(),
  clientOrderId: Type.String(),
  status: Type.String(),
  filled: Type.String(),
});

export const CancelAllBody = Type.Object(
  { market: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })) },
  { additionalProperties: false },
);
export type CancelAllBody = Static<typeof CancelAllBody>;

export const BatchBody = Type.Object(
  {
    place: Type.Optional(Type.Array(PlaceOrderBody, { maxItems: 64 })),
    cancel: Type.Optional(Type.Array(CancelBody, { maxItems: 64 })),
  },
  { additionalProperties: false, description: "cancels run first, then places, each independently" },
);
export type BatchBody = Static<typeof BatchBody>;

export const BatchItemResult = Type.Object({
  ok: Type.Boolean(),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(ErrorBody),
});

export const RegisterBody = Type.Object(
  { pubKeyX: UintStr("Baby Jubjub x"), pubKeyY: UintStr("Baby Jubjub y") },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const RegisterView = Type.Object({ accountIndex: Type.String(), status: Type.String() });

export const WithdrawBody = Type.Object(
  {
    accountIndex: UintStr("account index", 20),
    asset: Type.Integer({ minimum: 0, maximum: 255, description: "0 = quote, c+1 = collateral c" }),
    amount: UintStr("Amount, 1e-8 of the asset", 19),
    l1Address: Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" }),
    nonce: UintStr("the account's withdrawal nonce", 10),
    signature: Signature,
  },
  { additionalProperties: false, description: "Signed over withdrawalMessage (protocol/ops/withdraw.ts)" },
);
export type WithdrawBody = Static<typeof WithdrawBody>;

export const WithdrawView = Type.Object({
  accountIndex: Type.String(),
  nonce: Type.String(),
  asset: Type.Integer(),
  amount: Type.String(),
  batchNumber: Type.String(),
  status: Type.String(),
});

export const OracleBody = Type.Object(
  {
    report: Type.Object(
      {
        timestamp: UintStr("unix seconds", 13),
        markets: Type.Array(UintStr("Price", 17), { maxItems: 64 }),
        collaterals: Type.Array(UintStr("Price", 17), { maxItems: 64 }),
      },
      { additionalProperties: false },
    ),
    signature: Type.String({ pattern: "^0x[0-9a-fA-F]{130}$", description: "EIP-712 secp256k1 signature" }),
  },
  { additionalProperties: false },
);
export type OracleBody = Static<typeof OracleBody>;

export const OracleResult = Type.Object({ accepted: Type.Boolean(), published: Type.Boolean() });

export const AccountParams = Type.Object({ index: UintStr("account index", 20) });
export type AccountParams = Static<typeof AccountParams>;
export const MarketParams = Type.Object({ market: Type.Integer({ minimum: 0, maximum: 255 }) });
export type MarketParams = Static<typeof MarketParams>;
export const BatchParams = Type.Object({ number: UintStr("batch number", 20) });
export type BatchParams = Static<typeof BatchParams>;
export const OrderParams = Type.Object({ orderId: Type.String({ maxLength: 80 }) });
export type OrderParams = Static<typeof OrderParams>;
export const LimitQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) },
  { additionalProperties: false },
);
export type LimitQuery = Static<typeof LimitQuery>;
export const DepthQuery = Type.Object(
  { depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
  { additionalProperties: false },
);
export type DepthQuery = Static<typeof DepthQuery>;

export const AuthHeaders = Type.Object({
  "x-zkm-account": Type.Optional(Type.String({ description: "account index of the signer" })),
  "x-zkm-timestamp": Type.Optional(Type.String({ description: "unix ms, within the freshness window" })),
  "x-zkm-signature": Type.Optional(
    Type.String({
      description: "R8x,R8y,S over H(DOMAIN_AUTH, chainId, contract, accountIndex, timestampMs)",
    }),
  ),
});

export const PositionView = Type.Object({
  market: Type.Integer(),
  size: Type.String(),
  fundingIndex: Type.String(),
  entryValue: Type.Optional(Type.String()),
});

export const AccountView = Type.Object({
  accountIndex: Type.String(),
  status: Type.String(),
  nonce: Type.String(),
  quote: Type.String({ description: "Value units (1e-16 USD), funding not yet settled" }),
  balances: Type.Array(Type.String()),
  positions: Type.Array(PositionView),
  margin: Type.Object({
    totalValue: Type.String(),
    maintenance: Type.String(),
    initial: Type.String(),
    unsettledFunding: Type.String(),
    healthy: Type.Boolean(),
    liquidatable: Type.Boolean(),
  }),
  openOrders: Type.Integer(),
  pendingBatch: Type.String({ description: "batch number its latest changes go into" }),
});

export const OrderView = Type.Object({
  orderId: Type.String(),
  clientOrderId: Type.String(),
  market: Type.Integer(),
  isBuy: Type.Boolean(),
  price: Type.String(),
  size: Type.String(),
  filled: Type.String(),
  remaining: Type.String(),
  flags: Type.Integer(),
  expiry: Type.String(),
  status: Type.String(),
  reason: Reason,
  createdMs: Type.Number(),
  updatedMs: Type.Number(),
});

export const AccountFillView = Type.Object({
  tradeId: Type.Integer(),
  ts: Type.Number(),
  market: Type.Integer(),
  orderId: Type.Union([Type.String(), Type.Null()]),
  clientOrderId: Type.Union([Type.String(), Type.Null()]),
  isBuy: Type.Boolean(),
  price: Type.String(),
  size: Type.String(),
  fee: Type.String(),
  liquidity: Type.String(),
  batchNumber: Type.String(),
});

export const ProofView = Type.Object({
  accountIndex: Type.String(),
  batchNumber: Type.String(),
  settled: Type.Boolean({ description: "whether this root is the one settled on L1" }),
  root: Type.String(),
  leaf: Type.String(),
  siblings: Type.Array(Type.String()),
  account: Type.Unknown({ description: "the leaf preimage (protocol Account.serialize())" }),
});

export const MarketView = Type.Object({
  market: Type.Integer(),
  symbol: Type.String(),
  tiers: Type.Array(Type.Object({ start: Type.String(), imr: Type.String(), mmr: Type.String() })),
  liquidationFee: Type.String(),
  maxFundingStep: Type.String(),
  oraclePrice: Type.String(),
  markPrice: Type.String(),
  lastTradePrice: Type.Union([Type.String(), Type.Null()]),
  fundingIndex: Type.String(),
  fundingRatePpm: Type.String(),
  bestBid: Type.Union([Type.String(), Type.Null()]),
  bestAsk: Type.Union([Type.String(), Type.Null()]),
});

export const MarketsView = Type.Object({
  markets: Type.Array(MarketView),
  collaterals: Type.Array(
    Type.Object({
      asset: Type.Integer(),
      symbol: Type.String(),
      haircut: Type.String(),
      price: Type.String(),
    }),
  ),
  fees: Type.Object({ makerPpm: Type.String(), takerPpm: Type.String() }),
});

export const Level = Type.Object({ price: Type.String(), size: Type.String(), orders: Type.Integer() });
export const BookView = Type.Object({
  market: Type.Integer(),
  bids: Type.Array(Level),
  asks: Type.Array(Level),
  batchNumber: Type.String(),
});

export const TradeView = Type.Object({
  tradeId: Type.Integer(),
  ts: Type.Number(),
  market: Type.Integer(),
  price: Type.String(),
  size: Type.String(),
  takerSide: Type.String(),
  kind: Type.String(),
});

export const PricesView = Type.Object({
  markets: Type.Array(Type.Object({ market: Type.Integer(), oracle: Type.String(), mark: Type.String() })),
  collaterals: Type.Array(Type.Object({ asset: Type.Integer(), price: Type.String() })),
  publishedMs: Type.Number(),
  stale: Type.Boolean(),
  signers: Type.Integer(),
});

export const FundingView = Type.Object({
  markets: Type.Array(
    Type.Object({
      market: Type.Integer(),
      index: Type.String(),
      nextIndex: Type.String(),
      ratePpmPerPeriod: Type.String(),
      carry: Type.String(),
    }),
  ),
  periodMs: Type.Number(),
});

export const BatchView = Type.Object({
  batchNumber: Type.String(),
  stage: Type.String({ description: "open | built | proving | proven | submitted | settled | failed" }),
  ops: Type.Integer(),
  capacity: Type.Integer(),
  batchTime: Type.String(),
  oldRoot: Type.Union([Type.String(), Type.Null()]),
  newRoot: Type.Union([Type.String(), Type.Null()]),
  publicInputHash: Type.Union([Type.String(), Type.Null()]),
  prover: Type.Union([Type.String(), Type.Null()]),
  txHash: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});

export const HealthView = Type.Object({
  status: Type.String(),
  root: Type.String({ description: "state root after the last cut batch" }),
  digest: Type.String({
    description: "engine state digest (root, batch, open ops, order and trade counters)",
  }),
  halted: Type.Union([Type.String(), Type.Null()]),
  batchNumber: Type.String(),
  settledBatch: Type.String(),
  openBatchOps: Type.Integer(),
  openOrders: Type.Integer(),
  pipelineError: Type.Union([Type.String(), Type.Null()]),
  journalEntries: Type.Integer(),
});

export const errorResponses: Record<number, TSchema> = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  422: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
};
