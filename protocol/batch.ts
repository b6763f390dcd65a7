// Batch application (PROTOCOL §8–9). The builder applies ops one at a time, atomically, to a working copy and
// records for every slot what the circuit witness needs; `finish` pads with NOOPs, writes the insurance-fund
// register back to leaf 0 and computes the single public input.
import {
  DOMAIN_L1_EFFECT,
  DOMAIN_PUBLIC,
  FUNDING_INDEX_BITS,
  Opcode,
  RATE_SCALE,
  TIME_BITS,
} from "./constants.js";
import type { Account } from "./account.js";
import { fail } from "./errors.js";
import { abs, checkInt, checkUint, toField } from "./field.js";
import { checkPrices, type Prices } from "./margin.js";
import { hashTagged } from "./poseidon.js";
import type { RollupState } from "./state.js";
import { applyNoop } from "./ops/noop.js";
import { applyDeposit } from "./ops/deposit.js";
import { applyWithdraw } from "./ops/withdraw.js";
import { applyTrade } from "./ops/trade.js";
import { applyLiquidate } from "./ops/liquidate.js";
import { applyDeleverage } from "./ops/deleverage.js";
import { applyFundingSettle } from "./ops/fundingSettle.js";
import { applyForcedWithdraw } from "./ops/forcedWithdraw.js";
import { applyForcedLiquidationCheck } from "./ops/forcedLiquidationCheck.js";
import type { L1EffectEntry, Op, OpEnv, OpOutcome } from "./ops/types.js";

export interface BatchHeader {
  readonly batchTime: bigint;
  readonly prices: Prices;
  /** The new cumulative funding index per market (the funding tick, PROTOCOL §7.7). */
  readonly fundingIndices: readonly bigint[];
}

/** One account write inside a slot: before/after preimages and the Merkle siblings it was written with. */
export interface AccountWrite {
  readonly index: bigint;
  readonly before: Account;
  readonly after: Account;
  /** null for index 0, which lives in the register during the batch. */
  readonly siblings: readonly bigint[] | null;
  readonly rootBefore: bigint;
  readonly rootAfter: bigint;
}

export interface SlotRecord {
  readonly op: Op;
  readonly writes: readonly AccountWrite[];
  readonly l1Effect: L1EffectEntry | null;
  readonly depositHashBefore: bigint;
  readonly depositHashAfter: bigint;
  readonly forcedHashBefore: bigint;
  readonly forcedHashAfter: bigint;
  readonly l1EffectsHashAfter: bigint;
  readonly note?: string;
}

export interface PublicInputs {
  readonly chainId: bigint;
  readonly contract: bigint;
  readonly batchNumber: bigint;
  readonly oldRoot: bigint;
  readonly newRoot: bigint;
  readonly batchTime: bigint;
  readonly configHash: bigint;
  readonly depositHashOld: bigint;
  readonly depositHashNew: bigint;
  readonly forcedHashOld: bigint;
  readonly forcedHashNew: bigint;
  readonly l1EffectsHash: bigint;
  readonly prices: Prices;
  readonly fundingOld: readonly bigint[];
  readonly fundingNew: readonly bigint[];
}

/** The field list hashed into publicInputHash, in PROTOCOL §9 order. */
export function publicInputFields(p: PublicInputs): bigint[] {
  return [
    p.chainId,
    p.contract,
    p.batchNumber,
    p.oldRoot,
    p.newRoot,
    p.batchTime,
    p.configHash,
    p.depositHashOld,
    p.depositHashNew,
    p.forcedHashOld,
    p.forcedHashNew,
    p.l1EffectsHash,
    ...p.prices.markets,
    ...p.prices.collaterals,
    ...p.fundingOld.map(toField),
    ...p.fundingNew.map(toField),
  ];
}

export function publicInputHash(p: PublicInputs): bigint {
  return hashTagged(DOMAIN_PUBLIC, publicInputFields(p));
}

export function l1EffectHashStep(prev: bigint, e: L1EffectEntry): bigint {
  return hashTagged(DOMAIN_L1_EFFECT, [prev, BigInt(e.kind), e.l1Address, BigInt(e.asset), e.amount]);
}

export interface BatchResult {
  readonly publicInputs: PublicInputs;
  readonly publicInputHash: bigint;
  readonly slots: readonly SlotRecord[];
  readonly l1Effects: readonly L1EffectEntry[];
  /** Insurance fund at batch start and end, and the siblings of leaf 0 when it is written back. */
  readonly fundBefore: Account;
  readonly fundAfter: Account;
  readonly fundSiblingsBefore: readonly bigint[];
  readonly fundSiblingsAfter: readonly bigint[];
  /** Root after the slots, before the fund write-back. */
  readonly rootBeforeFundWrite: bigint;
  readonly state: RollupState;
}

export function applyOpTo(env: OpEnv, op: Op): OpOutcome {
  switch (op.opcode) {
    case Opcode.NOOP:
      return applyNoop(env, op);
    case Opcode.DEPOSIT:
      return applyDeposit(env, op);
    case Opcode.WITHDRAW:
      return applyWithdraw(env, op);
    case Opcode.TRADE:
      return applyTrade(env, op);
    case Opcode.LIQUIDATE:
      return applyLiquidate(env, op);
    case Opcode.DELEVERAGE:
      return applyDeleverage(env, op);
    case Opcode.FUNDING_SETTLE:
      return applyFundingSettle(env, op);
    case Opcode.FORCED_WITHDRAW:
      return applyForcedWithdraw(env, op);
    case Opcode.FORCED_LIQUIDATION_CHECK:
      return applyForcedLiquidationCheck(env, op);
    default: {
      const never: never = op;
      return fail("OUT_OF_RANGE", `unknown opcode ${(never as { opcode: number }).opcode}`);
    }
  }
}

export class BatchBuilder {
  private readonly work: RollupState;
  private fund: Account;
  private readonly fundBefore: Account;
  private readonly fundSiblingsBefore: readonly bigint[];
  private readonly slots: SlotRecord[] = [];
  private readonly effects: L1EffectEntry[] = [];
  private l1EffectsHash = 0n;
  private readonly oldRoot: bigint;
  private readonly depositHashOld: bigint;
  private readonly forcedHashOld: bigint;
  private finished = false;

  constructor(
    base: RollupState,
    readonly header: BatchHeader,
  ) {
    const p = base.params;
    checkPrices(header.prices, p.config);
    checkUint(header.batchTime, TIME_BITS, "batch time");
    if (header.batchTime < base.lastBatchTime) fail("OUT_OF_RANGE", "batch time must not go backwards");
    if (header.fundingIndices.length !== p.sizes.markets) fail("BAD_CONFIG", "one funding index per market");
    header.fundingIndices.forEach((idx, m) => {
      checkInt(idx, FUNDING_INDEX_BITS, `funding index ${m}`);
      const step = abs(idx - base.fundingIndices[m]!);
      if (step * RATE_SCALE > header.prices.markets[m]! * p.config.markets[m]!.maxFundingStep) {
        fail("FUNDING_STEP_TOO_LARGE", `market ${m}: funding index moves more than the per-batch bound`);
      }
    });
    this.work = base.clone();
    this.oldRoot = base.root;
    this.depositHashOld = base.depositHash;
    this.forcedHashOld = base.forcedHash;
    this.fund = base.account(0n);
    this.fundBefore = this.fund.clone();
    this.fundSiblingsBefore = base.tree.proof(0n).siblings;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Root of the working tree after the ops applied so far (leaf 0 still holds the batch-start fund). */
  get root(): bigint {
    return this.work.root;
  }

  get capacity(): number {
    return this.work.params.sizes.opSlots;
  }

  get full(): boolean {
    return this.slots.length >= this.capacity;
  }

  /** The account as the next op would see it (index 0: the register). */
  account(i: bigint): Account {
    return i === 0n ? this.fund.clone() : this.work.account(i);
  }

  /** What an op handler sees: the batch header and the state after the ops applied so far. */
  private env(): OpEnv {
    return {
      params: this.work.params,
      prices: this.header.prices,
      fundingIndices: this.header.fundingIndices,
      batchTime: this.header.batchTime,
      depositHash: this.work.depositHash,
      forcedHash: this.work.forcedHash,
      account: (i) => this.account(i),
    };
  }

  /** Applies one op atomically: on a ProtocolError nothing changes and the error propagates. */
  apply(op: Op): SlotRecord {
    if (this.finished) fail("TOO_MANY_OPS", "batch already finished");
    if (this.full) fail("TOO_MANY_OPS", `batch holds at most ${this.capacity} ops`);
    const out = applyOpTo(this.env(), op);
    const writes: AccountWrite[] = [];
    for (const w of out.writes) {
      const before = this.account(w.index);
      if (w.index === 0n) {
        w.account.checkBounds();
        this.fund = w.account.clone();
        writes.push({
          index: 0n,
          before,
          after: w.account.clone(),
          siblings: null,
          rootBefore: this.work.root,
          rootAfter: this.work.root,
        });
      } else {
        const rootBefore = this.work.root;
        const siblings = this.work.tree.proof(w.index).siblings;
        this.work.put(w.index, w.account);
        writes.push({
          index: w.index,
          before,
          after: w.account.clone(),
          siblings,
          rootBefore,
          rootAfter: this.work.root,
        });
      }
    }
    const depositHashBefore = this.work.depositHash;
    this.work.depositHash = out.depositHash;
    const forcedHashBefore = this.work.forcedHash;
    this.work.forcedHash = out.forcedHash;
    if (out.l1Effect) {
      this.effects.push(out.l1Effect);
      this.l1EffectsHash = l1EffectHashStep(this.l1EffectsHash, out.l1Effect);
    }
    const rec: SlotRecord = {
      op,
      writes,
      l1Effect: out.l1Effect,
      depositHashBefore,
      depositHashAfter: out.depositHash,
      forcedHashBefore,
      forcedHashAfter: out.forcedHash,
      l1EffectsHashAfter: this.l1EffectsHash,
      ...(out.note !== undefined ? { note: out.note } : {}),
    };
    this.slots.push(rec);
    return rec;
  }

  /** Dry run: would `op` be accepted now? Returns the error instead of throwing; changes nothing. */
  check(op: Op): Error | null {
    try {
      applyOpTo(this.env(), op);
      return null;
    } catch (e) {
      return e as Error;
    }
  }

  finish(): BatchResult {
    if (this.finished) fail("TOO_MANY_OPS", "batch already finished");
    while (!this.full) this.apply({ opcode: Opcode.NOOP });
    this.finished = true;
    const rootBeforeFundWrite = this.work.root;
    const fundSiblingsAfter = this.work.tree.proof(0n).siblings;
    this.work.put(0n, this.fund);
    const p = this.work.params;
    const fundingOld = [...this.work.fundingIndices];
    this.work.fundingIndices = [...this.header.fundingIndices];
    this.work.batchNumber += 1n;
    this.work.lastBatchTime = this.header.batchTime;
    const publicInputs: PublicInputs = {
      chainId: p.domain.chainId,
      contract: p.domain.contract,
      batchNumber: this.work.batchNumber,
      oldRoot: this.oldRoot,
      newRoot: this.work.root,
      batchTime: this.header.batchTime,
      configHash: p.config.hash(),
      depositHashOld: this.depositHashOld,
      depositHashNew: this.work.depositHash,
      forcedHashOld: this.forcedHashOld,
      forcedHashNew: this.work.forcedHash,
      l1EffectsHash: this.l1EffectsHash,
      prices: this.header.prices,
      fundingOld,
      fundingNew: [...this.header.fundingIndices],
    };
    return {
      publicInputs,
      publicInputHash: publicInputHash(publicInputs),
      slots: this.slots,
      l1Effects: this.effects,
      fundBefore: this.fundBefore,
      fundAfter: this.fund.clone(),
      fundSiblingsBefore: this.fundSiblingsBefore,
      fundSiblingsAfter,
      rootBeforeFundWrite,
      state: this.work,
    };
  }
}

/** Applies a whole batch; throws (changing nothing) if any op is rejected [I18]. */
export function applyBatch(state: RollupState, header: BatchHeader, ops: readonly Op[]): BatchResult {
  const b = new BatchBuilder(state, header);
  if (ops.length > b.capacity) fail("TOO_MANY_OPS", `batch holds at most ${b.capacity} ops`);
  for (const op of ops) b.apply(op);
  return b.finish();
}
