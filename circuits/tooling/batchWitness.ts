// The batch circuit's input (circuits/batch/batch.circom BatchMain) from the protocol model's record of a batch
// (protocol/batch.ts BatchResult): the prover's witness builder, and the tests' source of honest witnesses to edit.
//
// A BatchResult records every account WRITE with its before/after and Merkle siblings, but an op that reads without
// writing (a refunded deposit, a rejected forced withdrawal, a forced-liquidation check) leaves no record of what it
// read. So the builder rebuilds the tree as it stood at every slot: it starts from the final state, undoes the fund
// write-back and every slot's writes in reverse, checks that it arrives at oldRoot, and then replays forward, taking
// each port's leaf and path from the replay (and checking them against the recorded writes). Order-slot paths come
// from the port's account as read (Account.slotProof), since settling funding never touches the order tree.
import { Account } from "../../protocol/account.js";
import { Opcode } from "../../protocol/constants.js";
import type { BatchResult, PublicInputs, SlotRecord } from "../../protocol/batch.js";
import type { Signature } from "../../protocol/eddsa.js";
import type { SparseMerkleTree } from "../../protocol/merkle.js";
import type { Order } from "../../protocol/order.js";
import type { Op } from "../../protocol/ops/types.js";
import type { ProtocolParams } from "../../protocol/state.js";
import { configInputs, fe, fes } from "./inputs.js";
import { CircuitToolError } from "./errors.js";

/** AccountFields bus (circuits/batch/buses.circom): Account.toCircuitInputs(). */
export type AccountInput = {
  pubKeyX: string;
  pubKeyY: string;
  nonce: string;
  salt: string;
  ordersRoot: string;
  quote: string;
  balances: string[];
  sizes: string[];
  fundingIndices: string[];
};

/** OrderFields bus: Order.toCircuitInputs() without accountIndex and market (the slot supplies both). */
export type OrderInput = {
  slot: string;
  nonce: string;
  isBuy: string;
  size: string;
  limitPrice: string;
  expiry: string;
  flags: string;
  maxFee: string;
};

export type SignatureInput = { R8x: string; R8y: string; S: string };

/** SlotInput bus. Port 0 is "A", port 1 "B" (see circuits/batch/op_slot.circom for which op uses which). */
export type SlotInputs = {
  opcode: string;
  fill: string;
  price: string;
  market: string;
  feeA: string;
  feeB: string;
  penalty: string;
  liquidatorHasOrder: string;
  servesForced: string;
  amount: string;
  asset: string;
  l1Address: string;
  pubKeyX: string;
  pubKeyY: string;
  salt: string;
  nonce: string;
  index: string[];
  before: AccountInput[];
  siblings: string[][];
  order: OrderInput[];
  sig: SignatureInput[];
  slotNonce: string[];
  slotFilled: string[];
  slotSiblings: string[][];
};

export type BatchInputs = {
  publicInputHash: string;
  chainId: string;
  contract: string;
  batchNumber: string;
  oldRoot: string;
  batchTime: string;
  depositHashOld: string;
  forcedHashOld: string;
  marketPrices: string[];
  collateralPrices: string[];
  fundingOld: string[];
  fundingNew: string[];
  tierStart: string[][];
  imr: string[][];
  mmr: string[][];
  liquidationFee: string[];
  maxFundingStep: string[];
  haircut: string[];
  fundBefore: AccountInput;
  fundSiblingsBefore: string[];
  fundSiblingsAfter: string[];
  slots: SlotInputs[];
};

/** The threaded state after each slot, as the model computed it (for differential tests against the circuit). */
export type SlotTrace = {
  readonly root: bigint;
  readonly depositHash: bigint;
  readonly forcedHash: bigint;
  readonly l1EffectsHash: bigint;
  readonly fund: Account;
};

export type BatchWitness = {
  readonly inputs: BatchInputs;
  readonly trace: readonly SlotTrace[];
};

/** Account.toCircuitInputs() checked into the bus shape (it returns a loosely typed record). */
export function accountInput(a: Account): AccountInput {
  const r = a.toCircuitInputs();
  const str = (k: string): string => {
    const v = r[k];
    if (typeof v !== "string")
      throw new CircuitToolError("BAD_WITNESS", `Account.toCircuitInputs().${k} is not a string`);
    return v;
  };
  const arr = (k: string): string[] => {
    const v = r[k];
    if (!Array.isArray(v))
      throw new CircuitToolError("BAD_WITNESS", `Account.toCircuitInputs().${k} is not an array`);
    return [...v];
  };
  return {
    pubKeyX: str("pubKeyX"),
    pubKeyY: str("pubKeyY"),
    nonce: str("nonce"),
    salt: str("salt"),
    ordersRoot: str("ordersRoot"),
    quote: str("quote"),
    balances: arr("balances"),
    sizes: arr("sizes"),
    fundingIndices: arr("fundingIndices"),
  };
}

export function orderInput(o: Order): OrderInput {
  const { slot, nonce, isBuy, size, limitPrice, expiry, flags, maxFee } = o.toCircuitInputs();
  const need = (v: string | undefined, k: string): string => {
    if (v === undefined) throw new CircuitToolError("BAD_WITNESS", `Order.toCircuitInputs() lacks ${k}`);
    return v;
  };
  return {
    slot: need(slot, "slot"),
    nonce: need(nonce, "nonce"),
    isBuy: need(isBuy, "isBuy"),
    size: need(size, "size"),
    limitPrice: need(limitPrice, "limitPrice"),
    expiry: need(expiry, "expiry"),
    flags: need(flags, "flags"),
    maxFee: need(maxFee, "maxFee"),
  };
}

export function signatureInput(s: Signature): SignatureInput {
  return { R8x: fe(s.R8x), R8y: fe(s.R8y), S: fe(s.S) };
}

const ZERO_ORDER: OrderInput = {
  slot: "0",
  nonce: "0",
  isBuy: "0",
  size: "0",
  limitPrice: "0",
  expiry: "0",
  flags: "0",
  maxFee: "0",
};
const ZERO_SIGNATURE: SignatureInput = { R8x: "0", R8y: "0", S: "0" };

/** Ports, order ports and op fields an op puts into its slot (before the account reads are filled in). */
type SlotPlan = {
  readonly ports: readonly (bigint | null)[];
  readonly orders: readonly (Order | null)[];
  readonly sigs: readonly (Signature | null)[];
  readonly fields: Partial<SlotInputs>;
};

function planOf(op: Op): SlotPlan {
  const none = { ports: [null, null], orders: [null, null], sigs: [null, null] } as const;
  switch (op.opcode) {
    case Opcode.NOOP:
      return { ...none, fields: {} };
    case Opcode.DEPOSIT:
      return {
        ...none,
        ports: [op.accountIndex, null],
        fields: {
          amount: fe(op.amount),
          asset: fe(BigInt(op.asset)),
          l1Address: fe(op.l1Address),
          pubKeyX: fe(op.pubKeyX),
          pubKeyY: fe(op.pubKeyY),
          salt: fe(op.salt),
        },
      };
    case Opcode.WITHDRAW:
      return {
        ports: [op.accountIndex, null],
        orders: [null, null],
        sigs: [op.signature, null],
        fields: {
          amount: fe(op.amount),
          asset: fe(BigInt(op.asset)),
          l1Address: fe(op.l1Address),
          nonce: fe(op.nonce),
        },
      };
    case Opcode.TRADE:
      return {
        ports: [op.maker.order.accountIndex, op.taker.order.accountIndex],
        orders: [op.maker.order, op.taker.order],
        sigs: [op.maker.signature, op.taker.signature],
        fields: {
          fill: fe(op.fill),
          price: fe(op.price),
          market: fe(BigInt(op.maker.order.market)),
          feeA: fe(op.makerFee),
          feeB: fe(op.takerFee),
        },
      };
    case Opcode.LIQUIDATE: {
      const r = op.servesForced ?? null;
      return {
        ports: [op.accountIndex, op.liquidator ? op.liquidator.order.accountIndex : 0n],
        orders: [null, op.liquidator ? op.liquidator.order : null],
        sigs: [null, op.liquidator ? op.liquidator.signature : null],
        fields: {
          fill: fe(op.fill),
          price: fe(op.price),
          market: fe(BigInt(op.market)),
          penalty: fe(op.penalty),
          liquidatorHasOrder: op.liquidator ? "1" : "0",
          servesForced: r ? "1" : "0",
          ...(r
            ? {
                pubKeyX: fe(r.pubKeyX),
                pubKeyY: fe(r.pubKeyY),
                asset: fe(BigInt(r.asset)),
                amount: fe(r.amount),
                l1Address: fe(r.l1Address),
              }
            : {}),
        },
      };
    }
    case Opcode.DELEVERAGE:
      return {
        ...none,
        ports: [op.accountIndex, op.counterparty],
        fields: { fill: fe(op.fill), price: fe(op.price), market: fe(BigInt(op.market)) },
      };
    case Opcode.FUNDING_SETTLE:
      return { ...none, ports: [op.accountIndex, null], fields: {} };
    case Opcode.FORCED_WITHDRAW:
    case Opcode.FORCED_LIQUIDATION_CHECK: {
      const r = op.request;
      return {
        ...none,
        ports: [r.accountIndex, null],
        fields: {
          pubKeyX: fe(r.pubKeyX),
          pubKeyY: fe(r.pubKeyY),
          asset: fe(BigInt(r.asset)),
          amount: fe(r.amount),
          l1Address: fe(r.l1Address),
        },
      };
    }
    default: {
      const never: never = op;
      throw new CircuitToolError("BAD_WITNESS", `unknown opcode ${(never as { opcode: number }).opcode}`);
    }
  }
}

/** The account tree and leaf preimages as they stood while the slots ran. */
class Replay {
  private readonly overrides = new Map<bigint, Account>();
  register: Account;

  constructor(
    private readonly result: BatchResult,
    readonly tree: SparseMerkleTree,
  ) {
    this.register = result.fundBefore.clone();
  }

  account(i: bigint): Account {
    if (i === 0n) return this.register.clone();
    return (this.overrides.get(i) ?? this.result.state.account(i)).clone();
  }

  put(i: bigint, a: Account): void {
    if (i === 0n) {
      this.register = a.clone();
      return;
    }
    this.overrides.set(i, a.clone());
    this.tree.set(i, a.hash());
  }
}

function sameList(a: readonly bigint[], b: readonly bigint[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function rebuildStart(result: BatchResult): Replay {
  const tree = result.state.tree.clone();
  tree.set(0n, result.fundBefore.hash());
  const replay = new Replay(result, tree);
  for (const rec of [...result.slots].reverse()) {
    for (const w of [...rec.writes].reverse()) if (w.index !== 0n) replay.put(w.index, w.before);
  }
  if (tree.root !== result.publicInputs.oldRoot) {
    throw new CircuitToolError("BAD_WITNESS", "undoing the batch's writes does not lead back to its oldRoot");
  }
  return replay;
}

function emptySlot(p: ProtocolParams): SlotInputs {
  const { accountDepth, orderDepth } = p.sizes;
  const empty = accountInput(Account.empty(p.sizes));
  return {
    opcode: "0",
    fill: "0",
    price: "0",
    market: "0",
    feeA: "0",
    feeB: "0",
    penalty: "0",
    liquidatorHasOrder: "0",
    servesForced: "0",
    amount: "0",
    asset: "0",
    l1Address: "0",
    pubKeyX: "0",
    pubKeyY: "0",
    salt: "0",
    nonce: "0",
    index: ["0", "0"],
    before: [
      empty,
      {
        ...empty,
        balances: [...empty.balances],
        sizes: [...empty.sizes],
        fundingIndices: [...empty.fundingIndices],
      },
    ],
    siblings: [Array<string>(accountDepth).fill("0"), Array<string>(accountDepth).fill("0")],
    order: [{ ...ZERO_ORDER }, { ...ZERO_ORDER }],
    sig: [{ ...ZERO_SIGNATURE }, { ...ZERO_SIGNATURE }],
    slotNonce: ["0", "0"],
    slotFilled: ["0", "0"],
    slotSiblings: [Array<string>(orderDepth).fill("0"), Array<string>(orderDepth).fill("0")],
  };
}

function slotInputs(p: ProtocolParams, rec: SlotRecord, replay: Replay): SlotInputs {
  const plan = planOf(rec.op);
  const s: SlotInputs = { ...emptySlot(p), ...plan.fields, opcode: String(rec.op.opcode) };
  let writeAt = 0;
  for (let k = 0; k < 2; k++) {
    const i = plan.ports[k];
    if (i === null || i === undefined) continue;
    const before = replay.account(i);
    const siblings = replay.tree.proof(i).siblings;
    s.index[k] = fe(i);
    s.before[k] = accountInput(before);
    s.siblings[k] = fes(siblings);
    const ord = plan.orders[k];
    if (ord) {
      const slot = before.slot(ord.slot);
      s.order[k] = orderInput(ord);
      s.slotNonce[k] = fe(slot.nonce);
      s.slotFilled[k] = fe(slot.filled);
      s.slotSiblings[k] = fes(before.slotProof(ord.slot).siblings);
    }
    const sig = plan.sigs[k];
    if (sig) s.sig[k] = signatureInput(sig);
    // The recorded write of this port (if any) must be what the replay read, and is applied before the next port
    // reads (protocol/batch.ts writes A, then B, then the fund).
    const w = rec.writes[writeAt];
    if (w && w.index === i) {
      if (!w.before.equals(before) || (w.siblings !== null && !sameList(w.siblings, siblings))) {
        throw new CircuitToolError(
          "BAD_WITNESS",
          `slot read of account ${i} disagrees with the model's write record`,
        );
      }
      replay.put(i, w.after);
      writeAt++;
    }
  }
  // A TRADE without the fund as a party also writes the fund register (fee income).
  for (const w of rec.writes.slice(writeAt)) {
    if (w.index !== 0n) throw new CircuitToolError("BAD_WITNESS", `unexpected write of account ${w.index}`);
    replay.put(0n, w.after);
  }
  return s;
}

export type BatchWitnessOptions = {
  /**
   * Ops to put into slots the model left as NOOPs, read from the state at that slot and writing nothing: how tests
   * present the circuit with an op the model rejected, in the exact context the model rejected it in.
   */
  readonly substitute?: ReadonlyMap<number, Op>;
};

/** Circuit inputs (and the model's per-slot state) for a batch the model applied. */
export function batchWitness(result: BatchResult, opts: BatchWitnessOptions = {}): BatchWitness {
  const p = result.state.params;
  const pub = result.publicInputs;
  if (result.slots.length !== p.sizes.opSlots) {
    throw new CircuitToolError(
      "BAD_WITNESS",
      `a batch has ${p.sizes.opSlots} slots, got ${result.slots.length}`,
    );
  }
  const replay = rebuildStart(result);
  const fundSiblingsBefore = replay.tree.proof(0n).siblings;
  const slots: SlotInputs[] = [];
  const trace: SlotTrace[] = [];
  for (const [i, rec] of result.slots.entries()) {
    const sub = opts.substitute?.get(i);
    if (sub && rec.op.opcode !== Opcode.NOOP) {
      throw new CircuitToolError(
        "BAD_WITNESS",
        `slot ${i} holds opcode ${rec.op.opcode}, not a NOOP to substitute`,
      );
    }
    slots.push(slotInputs(p, sub ? { ...rec, op: sub, writes: [] } : rec, replay));
    trace.push({
      root: replay.tree.root,
      depositHash: rec.depositHashAfter,
      forcedHash: rec.forcedHashAfter,
      l1EffectsHash: rec.l1EffectsHashAfter,
      fund: replay.register.clone(),
    });
  }
  if (replay.tree.root !== result.rootBeforeFundWrite || !replay.register.equals(result.fundAfter)) {
    throw new CircuitToolError(
      "BAD_WITNESS",
      "replaying the slots does not reproduce the model's final state",
    );
  }
  const inputs: BatchInputs = {
    publicInputHash: fe(result.publicInputHash),
    ...headerInputs(pub),
    ...configInputs(p.config),
    fundBefore: accountInput(result.fundBefore),
    fundSiblingsBefore: fes(fundSiblingsBefore),
    fundSiblingsAfter: fes(result.fundSiblingsAfter),
    slots,
  };
  return { inputs, trace };
}

type HeaderInputs = Pick<
  BatchInputs,
  | "chainId"
  | "contract"
  | "batchNumber"
  | "oldRoot"
  | "batchTime"
  | "depositHashOld"
  | "forcedHashOld"
  | "marketPrices"
  | "collateralPrices"
  | "fundingOld"
  | "fundingNew"
>;

function headerInputs(pub: PublicInputs): HeaderInputs {
  return {
    chainId: fe(pub.chainId),
    contract: fe(pub.contract),
    batchNumber: fe(pub.batchNumber),
    oldRoot: fe(pub.oldRoot),
    batchTime: fe(pub.batchTime),
    depositHashOld: fe(pub.depositHashOld),
    forcedHashOld: fe(pub.forcedHashOld),
    marketPrices: fes(pub.prices.markets),
    collateralPrices: fes(pub.prices.collaterals),
    fundingOld: fes(pub.fundingOld),
    fundingNew: fes(pub.fundingNew),
  };
}

/** BatchMain's template parameters for a parameter set (the order of circuits/mains.ts's "batch" entry). */
export function batchMainParams(p: ProtocolParams["sizes"]): number[] {
  return [p.accountDepth, p.orderDepth, p.markets, p.collaterals, p.tiers, p.opSlots];
}

/** A deep copy of the inputs, for tests that edit one field. */
export function cloneInputs(i: BatchInputs): BatchInputs {
  return JSON.parse(JSON.stringify(i)) as BatchInputs;
}
