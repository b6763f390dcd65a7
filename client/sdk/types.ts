// Wire types of the sequencer API, derived from its TypeBox schemas (sequencer/api/schemas.ts) at compile time only:
// a schema change there changes these types and breaks the SDK's build instead of drifting silently. Nothing here
// exists at run time, so the SDK does not load the server's code.
import type { Static } from "@sinclair/typebox";
import type * as S from "../../sequencer/api/schemas.js";

export type ErrorBody = Static<typeof S.ErrorBody>;
export type SignatureJson = Static<typeof S.Signature>;
export type OrderFieldsJson = Static<typeof S.OrderFields>;
export type PlaceOrderBody = S.PlaceOrderBody;
export type CancelBody = S.CancelBody;
export type CancelAllBody = S.CancelAllBody;
export type BatchBody = S.BatchBody;
export type RegisterBody = S.RegisterBody;
export type WithdrawBody = S.WithdrawBody;
export type OracleBody = S.OracleBody;

export type FillView = Static<typeof S.FillView>;
export type PlaceResultView = Static<typeof S.PlaceResultView>;
export type CancelResultView = Static<typeof S.CancelResultView>;
export type BatchItemResult = Static<typeof S.BatchItemResult>;
export type RegisterView = Static<typeof S.RegisterView>;
export type WithdrawView = Static<typeof S.WithdrawView>;
export type OracleResult = Static<typeof S.OracleResult>;
export type PositionView = Static<typeof S.PositionView>;
export type AccountView = Static<typeof S.AccountView>;
export type OrderView = Static<typeof S.OrderView>;
export type AccountFillView = Static<typeof S.AccountFillView>;
export type ProofView = Static<typeof S.ProofView>;
export type MarketView = Static<typeof S.MarketView>;
export type MarketsView = Static<typeof S.MarketsView>;
export type LevelView = Static<typeof S.Level>;
export type BookView = Static<typeof S.BookView>;
export type TradeView = Static<typeof S.TradeView>;
export type PricesView = Static<typeof S.PricesView>;
export type FundingView = Static<typeof S.FundingView>;
export type BatchView = Static<typeof S.BatchView>;
export type HealthView = Static<typeof S.HealthView>;

/** Responses the server wraps in an object (their schemas are written inline in sequencer/api/server.ts). */
export interface TradesResponse {
  trades: TradeView[];
}
export interface BatchesResponse {
  batches: BatchView[];
}
export interface OrdersResponse {
  open: OrderView[];
  recent: OrderView[];
}
export interface FillsResponse {
  fills: AccountFillView[];
}
export interface CancelAllResponse {
  cancelled: string[];
}
export interface BatchResponse {
  results: BatchItemResult[];
}
