// JSON forms (all integers as decimal strings) of ops, batch headers and batch results. The vectors, the CLI log
// and the sequencer's persistence share this one lossless encoding of an Op; parseOp inverts serializeOp exactly.
import { Opcode } from "./constants.js";
import { parseSignature, serializeSignature } from "./eddsa.js";
import { parseSignedOrder, serializeSignedOrder, type SerializedOrder } from "./order.js";
import { publicInputFields, type BatchHeader, type BatchResult, type SlotRecord } from "./batch.js";
import type { Account, SerializedAccount } from "./account.js";
import type { ForcedRequest, L1EffectEntry, Op } from "./ops/types.js";
import type { Prices } from "./margin.js";

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type SerializedSignedOrder = { order: SerializedOrder; signature: { R8x: string; R8y: string; S: string } };
export type SerializedOp = { [k: string]: Json };

const OPCODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Opcode).map(([k, v]) => [v, k]),
);

export function opcodeName(op: number): string {
  return OPCODE_NAMES[op] ?? `OPCODE_${op}`;
}

function signed(o: Parameters<typeof serializeSignedOrder>[0]): Json {
  return serializeSignedOrder(o) as unknown as Json;
}

export function serializeForcedRequest(r: ForcedRequest): { [k: string]: Json } {
  return {
    kind: r.kind,
    accountIndex: r.accountIndex.toString(),
    pubKeyX: r.pubKeyX.toString(),
    pubKeyY: r.pubKeyY.toString(),
    asset: r.asset,
    amount: r.amount.toString(),
    l1Address: r.l1Address.toString(),
  };
}

function parseForcedRequest(j: Json | undefined): ForcedRequest {
  if (!j || typeof j !== "object" || Array.isArray(j))
    throw new TypeError("serialized op: forced request must be an object");
  const r = j as SerializedOp;
  return {
    kind: num(r, "kind") as ForcedRequest["kind"],
    accountIndex: big(r, "accountIndex"),
    pubKeyX: big(r, "pubKeyX"),
    pubKeyY: big(r, "pubKeyY"),
    asset: num(r, "asset"),
    amount: big(r, "amount"),
    l1Address: big(r, "l1Address"),
  };
}

export function serializeOp(op: Op): SerializedOp {
  const head = { opcode: op.opcode, name: opcodeName(op.opcode) };
  switch (op.opcode) {
    case Opcode.NOOP:
      return head;
    case Opcode.DEPOSIT:
      return {
        ...head,
        l1Address: op.l1Address.toString(),
        accountIndex: op.accountIndex.toString(),
        pubKeyX: op.pubKeyX.toString(),
        pubKeyY: op.pubKeyY.toString(),
        asset: op.asset,
        amount: op.amount.toString(),
        salt: op.salt.toString(),
      };
    case Opcode.WITHDRAW:
      return {
        ...head,
        accountIndex: op.accountIndex.toString(),
        asset: op.asset,
        amount: op.amount.toString(),
        l1Address: op.l1Address.toString(),
        nonce: op.nonce.toString(),
        signature: serializeSignature(op.signature),
      };
    case Opcode.TRADE:
      return {
        ...head,
        maker: signed(op.maker),
        taker: signed(op.taker),
        fill: op.fill.toString(),
        price: op.price.toString(),
        makerFee: op.makerFee.toString(),
        takerFee: op.takerFee.toString(),
      };
    case Opcode.LIQUIDATE:
      return {
        ...head,
        accountIndex: op.accountIndex.toString(),
        servesForced: op.servesForced ? serializeForcedRequest(op.servesForced) : null,
        liquidator: op.liquidator ? signed(op.liquidator) : null,
        market: op.market,
        fill: op.fill.toString(),
        price: op.price.toString(),
        penalty: op.penalty.toString(),
      };
    case Opcode.DELEVERAGE:
      return {
        ...head,
        accountIndex: op.accountIndex.toString(),
        counterparty: op.counterparty.toString(),
        market: op.market,
        fill: op.fill.toString(),
        price: op.price.toString(),
      };
    case Opcode.FUNDING_SETTLE:
      return { ...head, accountIndex: op.accountIndex.toString() };
    case Opcode.FORCED_WITHDRAW:
    case Opcode.FORCED_LIQUIDATION_CHECK:
      return { ...head, request: serializeForcedRequest(op.request) };
    default: {
      const never: never = op;
      throw new TypeError(`unknown opcode ${(never as { opcode: number }).opcode}`);
    }
  }
}

function str(s: SerializedOp, k: string): string {
  const v = s[k];
  if (typeof v !== "string") throw new TypeError(`serialized op: "${k}" must be a decimal string`);
  return v;
}

function big(s: SerializedOp, k: string): bigint {
  return BigInt(str(s, k));
}

function num(s: SerializedOp, k: string): number {
  const v = s[k];
  if (typeof v !== "number") throw new TypeError(`serialized op: "${k}" must be a number`);
  return v;
}

export function parseOp(s: SerializedOp): Op {
  const so = (k: string): ReturnType<typeof parseSignedOrder> =>
    parseSignedOrder(s[k] as unknown as SerializedSignedOrder);
  switch (s.opcode) {
    case Opcode.NOOP:
      return { opcode: Opcode.NOOP };
    case Opcode.DEPOSIT:
      return {
        opcode: Opcode.DEPOSIT,
        l1Address: big(s, "l1Address"),
        accountIndex: big(s, "accountIndex"),
        pubKeyX: big(s, "pubKeyX"),
        pubKeyY: big(s, "pubKeyY"),
        asset: num(s, "asset"),
        amount: big(s, "amount"),
        salt: big(s, "salt"),
      };
    case Opcode.WITHDRAW:
      return {
        opcode: Opcode.WITHDRAW,
        accountIndex: big(s, "accountIndex"),
        asset: num(s, "asset"),
        amount: big(s, "amount"),
        l1Address: big(s, "l1Address"),
        nonce: big(s, "nonce"),
        signature: parseSignature(s.signature as { R8x: string; R8y: string; S: string }),
      };
    case Opcode.TRADE:
      return {
        opcode: Opcode.TRADE,
        maker: so("maker"),
        taker: so("taker"),
        fill: big(s, "fill"),
        price: big(s, "price"),
        makerFee: big(s, "makerFee"),
        takerFee: big(s, "takerFee"),
      };
    case Opcode.LIQUIDATE:
      return {
        opcode: Opcode.LIQUIDATE,
        accountIndex: big(s, "accountIndex"),
        servesForced:
          s.servesForced === null || s.servesForced === undefined ? null : parseForcedRequest(s.servesForced),
        liquidator: s.liquidator === null ? null : so("liquidator"),
        market: num(s, "market"),
        fill: big(s, "fill"),
        price: big(s, "price"),
        penalty: big(s, "penalty"),
      };
    case Opcode.DELEVERAGE:
      return {
        opcode: Opcode.DELEVERAGE,
        accountIndex: big(s, "accountIndex"),
        counterparty: big(s, "counterparty"),
        market: num(s, "market"),
        fill: big(s, "fill"),
        price: big(s, "price"),
      };
    case Opcode.FUNDING_SETTLE:
      return { opcode: Opcode.FUNDING_SETTLE, accountIndex: big(s, "accountIndex") };
    case Opcode.FORCED_WITHDRAW:
      return { opcode: Opcode.FORCED_WITHDRAW, request: parseForcedRequest(s.request) };
    case Opcode.FORCED_LIQUIDATION_CHECK:
      return { opcode: Opcode.FORCED_LIQUIDATION_CHECK, request: parseForcedRequest(s.request) };
    default:
      throw new TypeError(`serialized op: unknown opcode ${String(s.opcode)}`);
  }
}

export function serializePrices(p: Prices): { markets: string[]; collaterals: string[] } {
  return { markets: p.markets.map(String), collaterals: p.collaterals.map(String) };
}

export function serializeHeader(h: BatchHeader): Json {
  return {
    batchTime: h.batchTime.toString(),
    prices: serializePrices(h.prices),
    fundingIndices: h.fundingIndices.map(String),
  };
}

export function serializeL1Effect(e: L1EffectEntry): Json {
  return { kind: e.kind, l1Address: e.l1Address.toString(), asset: e.asset, amount: e.amount.toString() };
}

export function serializeAccount(a: Account): Json {
  return { ...(a.serialize() as unknown as { [k: string]: Json }), leafHash: a.hash().toString() };
}

export type { SerializedAccount };

/** Order-slot state and siblings an order's fill was checked against (the circuit needs both). */
function orderSlotWitness(op: Op, rec: SlotRecord): Json[] {
  const orders =
    op.opcode === Opcode.TRADE
      ? [op.maker, op.taker]
      : op.opcode === Opcode.LIQUIDATE && op.liquidator
        ? [op.liquidator]
        : [];
  return orders.map((so) => {
    const w = rec.writes.find((x) => x.index === so.order.accountIndex)!;
    const slot = w.before.slot(so.order.slot);
    return {
      accountIndex: so.order.accountIndex.toString(),
      slot: so.order.slot.toString(),
      before: { nonce: slot.nonce.toString(), filled: slot.filled.toString() },
      after: {
        nonce: w.after.slot(so.order.slot).nonce.toString(),
        filled: w.after.slot(so.order.slot).filled.toString(),
      },
      siblings: w.before.slotProof(so.order.slot).siblings.map(String),
      ordersRootBefore: w.before.ordersRoot.toString(),
      ordersRootAfter: w.after.ordersRoot.toString(),
    };
  });
}

export function serializeSlot(rec: SlotRecord): Json {
  return {
    op: serializeOp(rec.op),
    note: rec.note ?? null,
    writes: rec.writes.map((w) => ({
      index: w.index.toString(),
      before: serializeAccount(w.before),
      after: serializeAccount(w.after),
      siblings: w.siblings ? w.siblings.map(String) : null,
      rootBefore: w.rootBefore.toString(),
      rootAfter: w.rootAfter.toString(),
    })),
    orderSlots: orderSlotWitness(rec.op, rec),
    l1Effect: rec.l1Effect ? serializeL1Effect(rec.l1Effect) : null,
    depositHashBefore: rec.depositHashBefore.toString(),
    depositHashAfter: rec.depositHashAfter.toString(),
    forcedHashBefore: rec.forcedHashBefore.toString(),
    forcedHashAfter: rec.forcedHashAfter.toString(),
    l1EffectsHashAfter: rec.l1EffectsHashAfter.toString(),
  };
}

export function serializePublicInputs(r: BatchResult): Json {
  const p = r.publicInputs;
  return {
    named: {
      chainId: p.chainId.toString(),
      contract: p.contract.toString(),
      batchNumber: p.batchNumber.toString(),
      oldRoot: p.oldRoot.toString(),
      newRoot: p.newRoot.toString(),
      batchTime: p.batchTime.toString(),
      configHash: p.configHash.toString(),
      depositHashOld: p.depositHashOld.toString(),
      depositHashNew: p.depositHashNew.toString(),
      forcedHashOld: p.forcedHashOld.toString(),
      forcedHashNew: p.forcedHashNew.toString(),
      l1EffectsHash: p.l1EffectsHash.toString(),
      prices: serializePrices(p.prices),
      fundingOld: p.fundingOld.map(String),
      fundingNew: p.fundingNew.map(String),
    },
    fields: publicInputFields(p).map(String),
    publicInputHash: r.publicInputHash.toString(),
  };
}

export type { Json };
