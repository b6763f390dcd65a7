// Order-slot and nonce bookkeeping (PROTOCOL §4.2). An account has 2^orderDepth slots; an order names a slot and a
// nonce above every nonce the slot has seen, and a newer nonce in a slot kills the older order for good. So the
// client must (a) never reuse a nonce — it would be refused as ORDER_REPLAYED — and (b) never put a new order into
// a slot whose order is still open unless it means to replace it. The API's order views do not say which slot an
// order sits in, so the client remembers, per slot, the last nonce it signed and the clientOrderId it sent with it;
// a slot is free when that clientOrderId is not among the account's open orders. The nonce is reserved (and
// persisted) before the order is sent, so a lost reply cannot lead to the same nonce being signed twice.
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { NONCE_BITS, type Domain } from "../../protocol/index.js";
import { sdkFail } from "./errors.js";

const MAX_NONCE = (1n << BigInt(NONCE_BITS)) - 1n;

export interface SlotRecord {
  /** The highest nonce known for the slot (signed here, or seen in the settled leaf). */
  readonly nonce: bigint;
  /** The clientOrderId of the order signed with that nonce, if this client signed it. */
  readonly clientOrderId: string | null;
}

export interface SerializedSlots {
  orderDepth: number;
  slots: { slot: string; nonce: string; clientOrderId: string | null }[];
}

export class OrderSlots {
  private readonly records = new Map<bigint, SlotRecord>();

  constructor(
    readonly orderDepth: number,
    init: Iterable<readonly [bigint, SlotRecord]> = [],
  ) {
    if (!Number.isInteger(orderDepth) || orderDepth < 1 || orderDepth > 32)
      sdkFail("BAD_INPUT", `bad order-tree depth ${orderDepth}`);
    for (const [k, r] of init) {
      this.checkSlot(k);
      this.records.set(k, r);
    }
  }

  get capacity(): bigint {
    return 1n << BigInt(this.orderDepth);
  }

  private checkSlot(k: bigint): void {
    if (k < 0n || k >= this.capacity) sdkFail("BAD_INPUT", `slot ${k} outside 0..${this.capacity - 1n}`);
  }

  record(slot: bigint): SlotRecord | undefined {
    return this.records.get(slot);
  }

  /** The nonce the next order in `slot` must exceed. */
  floor(slot: bigint): bigint {
    this.checkSlot(slot);
    return this.records.get(slot)?.nonce ?? 0n;
  }

  /** Raises floors to the slot nonces of the settled leaf (the proof route's preimage), e.g. after a new install. */
  observeSettled(slots: readonly { slot: string | bigint; nonce: string | bigint }[]): void {
    for (const s of slots) {
      const k = BigInt(s.slot);
      const n = BigInt(s.nonce);
      this.checkSlot(k);
      const cur = this.records.get(k);
      if (!cur || cur.nonce < n) this.records.set(k, { nonce: n, clientOrderId: cur?.clientOrderId ?? null });
    }
  }

  /**
   * A slot for a new order. With `want`, that slot (its open order, if any, is replaced by the sequencer).
   * Otherwise the lowest slot whose last order is not open — refused when an open order's slot is unknown to this
   * client, since picking blindly could silently replace it.
   */
  choose(openClientOrderIds: readonly string[], want?: bigint): bigint {
    if (want !== undefined) {
      this.checkSlot(want);
      if (this.floor(want) >= MAX_NONCE) sdkFail("NO_FREE_SLOT", `slot ${want} has used every nonce`);
      return want;
    }
    const open = new Set(openClientOrderIds);
    const mine = new Set([...this.records.values()].map((r) => r.clientOrderId).filter((c) => c !== null));
    const strangers = [...open].filter((c) => !mine.has(c));
    if (strangers.length > 0)
      sdkFail(
        "UNKNOWN_OPEN_ORDERS",
        `${strangers.length} open order(s) (${strangers.slice(0, 3).join(", ")}) were placed elsewhere, so their ` +
          "slots are unknown here: name a slot explicitly, or cancel them first",
      );
    for (let k = 0n; k < this.capacity; k++) {
      const r = this.records.get(k);
      if (r && r.clientOrderId !== null && open.has(r.clientOrderId)) continue;
      if ((r?.nonce ?? 0n) >= MAX_NONCE) continue;
      return k;
    }
    return sdkFail(
      "NO_FREE_SLOT",
      `all ${this.capacity} order slots hold open orders: cancel one, or name a slot to replace its order`,
    );
  }

  /** Takes the next nonce of `slot` for the order sent with `clientOrderId`. Persist before sending. */
  reserve(slot: bigint, clientOrderId: string): bigint {
    const nonce = this.floor(slot) + 1n;
    if (nonce > MAX_NONCE) sdkFail("NO_FREE_SLOT", `slot ${slot} has used every nonce`);
    this.records.set(slot, { nonce, clientOrderId });
    return nonce;
  }

  serialize(): SerializedSlots {
    return {
      orderDepth: this.orderDepth,
      slots: [...this.records.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, r]) => ({ slot: k.toString(), nonce: r.nonce.toString(), clientOrderId: r.clientOrderId })),
    };
  }

  static parse(s: SerializedSlots): OrderSlots {
    try {
      return new OrderSlots(
        s.orderDepth,
        s.slots.map((r) => [
          BigInt(r.slot),
          { nonce: BigInt(r.nonce), clientOrderId: r.clientOrderId ?? null },
        ]),
      );
    } catch (e) {
      if (e instanceof SyntaxError || e instanceof TypeError)
        sdkFail("SLOT_STORE_INVALID", "malformed slot records");
      throw e;
    }
  }
}

/** Where slot records persist between runs (the CLI keeps a JSON file beside the key file). */
export interface SlotStore {
  load(id: string, orderDepth: number): Promise<OrderSlots>;
  save(id: string, slots: OrderSlots): Promise<void>;
}

/** One store may serve several deployments and accounts: records are kept apart by this id. */
export function slotStoreId(domain: Domain, accountIndex: bigint): string {
  return `${domain.chainId}:0x${domain.contract.toString(16).padStart(40, "0")}:${accountIndex}`;
}

export class MemorySlotStore implements SlotStore {
  private readonly data = new Map<string, SerializedSlots>();
  async load(id: string, orderDepth: number): Promise<OrderSlots> {
    const s = this.data.get(id);
    return s ? OrderSlots.parse(s) : new OrderSlots(orderDepth);
  }
  async save(id: string, slots: OrderSlots): Promise<void> {
    this.data.set(id, slots.serialize());
  }
}

interface SlotFile {
  format: "zkmargin-slots";
  version: 1;
  accounts: Record<string, SerializedSlots>;
}

export class FileSlotStore implements SlotStore {
  constructor(readonly path: string) {}

  private async read(): Promise<SlotFile> {
    if (!existsSync(this.path)) return { format: "zkmargin-slots", version: 1, accounts: {} };
    let f: SlotFile;
    try {
      f = JSON.parse(await readFile(this.path, "utf8")) as SlotFile;
    } catch {
      return sdkFail("SLOT_STORE_INVALID", `${this.path} is not valid JSON`);
    }
    if (f?.format !== "zkmargin-slots" || f.version !== 1 || typeof f.accounts !== "object")
      sdkFail("SLOT_STORE_INVALID", `${this.path} is not a zkmargin slot file`);
    return f;
  }

  async load(id: string, orderDepth: number): Promise<OrderSlots> {
    const s = (await this.read()).accounts[id];
    if (!s) return new OrderSlots(orderDepth);
    if (s.orderDepth !== orderDepth)
      sdkFail(
        "SLOT_STORE_INVALID",
        `${this.path}: records for ${id} have order depth ${s.orderDepth}, not ${orderDepth}`,
      );
    return OrderSlots.parse(s);
  }

  async save(id: string, slots: OrderSlots): Promise<void> {
    const f = await this.read();
    f.accounts[id] = slots.serialize();
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      await writeFile(tmp, `${JSON.stringify(f, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, this.path);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
