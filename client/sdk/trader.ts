// One trader's session: key, deployment, sequencer client and slot records together, so placing an order is one
// call that picks a free slot, reserves the next nonce (persisted before sending), signs and sends; withdrawals
// take the account's current nonce; and the mirror check fetches the path and the settled root. The CLI is a thin
// layer over this class.
import { type Domain, type ParamSetName, paramSet } from "../../protocol/index.js";
import type { SequencerClient } from "./client.js";
import { type AuthContext } from "./client.js";
import { sdkFail } from "./errors.js";
import type { TraderKey } from "./keys.js";
import {
  AccountMirror,
  inferSizes,
  type MirrorCheck,
  type MirrorSizes,
  type SettledRootSource,
} from "./mirror.js";
import { newClientOrderId, signOrder, signWithdrawal, type OrderFlags } from "./signing.js";
import { MemorySlotStore, slotStoreId, type SlotStore } from "./slots.js";
import type { PlaceResultView, ProofView, WithdrawView } from "./types.js";

export interface TraderOptions {
  readonly key: TraderKey;
  readonly domain: Domain;
  readonly client: SequencerClient;
  /** Known account index (otherwise register() asks the sequencer). */
  readonly accountIndex?: bigint;
  readonly paramSet?: ParamSetName;
  readonly slots?: SlotStore;
}

export interface PlaceOrderInput extends OrderFlags {
  readonly market: number;
  readonly isBuy: boolean;
  /** Amount, 1e-8 contract units. */
  readonly size: bigint;
  /** Price, 1e-8 USD. */
  readonly limitPrice: bigint;
  /** Unix seconds. */
  readonly expiry: bigint;
  /** ppm of notional. */
  readonly maxFee: bigint;
  /** A slot to use (replacing its open order, if any); by default a free one. */
  readonly slot?: bigint;
  readonly clientOrderId?: string;
}

export interface PlacedOrder extends PlaceResultView {
  readonly slot: bigint;
  readonly nonce: bigint;
}

export class Trader {
  readonly key: TraderKey;
  readonly domain: Domain;
  readonly client: SequencerClient;
  private index: bigint | null;
  private sizes: MirrorSizes | null;
  private readonly slotStore: SlotStore;
  private mirrorCache: AccountMirror | null = null;

  constructor(o: TraderOptions) {
    this.key = o.key;
    this.domain = o.domain;
    this.client = o.client;
    this.index = o.accountIndex ?? null;
    this.sizes = o.paramSet ? paramSet(o.paramSet) : null;
    this.slotStore = o.slots ?? new MemorySlotStore();
    if (this.index !== null) this.client.setAuth(this.auth(this.index));
  }

  private auth(accountIndex: bigint): AuthContext {
    return { key: this.key, domain: this.domain, accountIndex };
  }

  get accountIndex(): bigint {
    if (this.index === null) return sdkFail("NO_ACCOUNT", "no account index yet: register() first");
    return this.index;
  }

  /**
   * Asks the sequencer for this key's account index (reserving one for a new key; the same index again for a key it
   * knows). The account becomes active once an L1 deposit to that index is consumed.
   */
  async register(): Promise<{ accountIndex: bigint; status: string }> {
    const r = await this.client.register(this.key.publicKey);
    this.index = BigInt(r.accountIndex);
    this.client.setAuth(this.auth(this.index));
    return { accountIndex: this.index, status: r.status };
  }

  async ensureIndex(): Promise<bigint> {
    if (this.index === null) await this.register();
    return this.accountIndex;
  }

  private async proofAndSizes(): Promise<{ proof: ProofView; sizes: MirrorSizes }> {
    const proof = await this.client.proof(await this.ensureIndex());
    this.sizes ??= inferSizes(proof);
    if (!this.sizes) return sdkFail("BAD_RESPONSE", "the account proof matches no known parameter set");
    return { proof, sizes: this.sizes };
  }

  /** Picks a slot, reserves its next nonce, signs and sends the order. */
  async placeOrder(o: PlaceOrderInput): Promise<PlacedOrder> {
    const idx = await this.ensureIndex();
    const { proof, sizes } = await this.proofAndSizes();
    const id = slotStoreId(this.domain, idx);
    const slots = await this.slotStore.load(id, sizes.orderDepth);
    const settled = (proof.account as { slots?: { slot: string; nonce: string }[] } | null)?.slots ?? [];
    slots.observeSettled(settled);
    const open = (await this.client.orders(idx)).open.map((x) => x.clientOrderId);
    const slot = slots.choose(open, o.slot);
    const clientOrderId = o.clientOrderId ?? newClientOrderId();
    const nonce = slots.reserve(slot, clientOrderId);
    // Saved before sending: if the reply is lost, the nonce is still spent here, never signed twice.
    await this.slotStore.save(id, slots);
    const body = signOrder(
      this.key,
      this.domain,
      {
        accountIndex: idx,
        market: o.market,
        isBuy: o.isBuy,
        size: o.size,
        limitPrice: o.limitPrice,
        slot,
        nonce,
        expiry: o.expiry,
        maxFee: o.maxFee,
        ...(o.reduceOnly !== undefined ? { reduceOnly: o.reduceOnly } : {}),
        ...(o.postOnly !== undefined ? { postOnly: o.postOnly } : {}),
        ...(o.ioc !== undefined ? { ioc: o.ioc } : {}),
      },
      clientOrderId,
    );
    const res = await this.client.placeOrder(body);
    return { ...res, slot, nonce };
  }

  /** Signs a withdrawal with the account's current nonce; the L1 credit follows once its batch settles. */
  async withdraw(w: { asset: number; amount: bigint; l1Address: string | bigint }): Promise<WithdrawView> {
    const idx = await this.ensureIndex();
    const acct = await this.client.account(idx);
    const body = signWithdrawal(this.key, this.domain, {
      accountIndex: idx,
      asset: w.asset,
      amount: w.amount,
      l1Address: w.l1Address,
      nonce: BigInt(acct.nonce),
    });
    return this.client.withdraw(body);
  }

  mirror(): AccountMirror {
    const idx = this.accountIndex;
    this.mirrorCache ??= new AccountMirror(idx, this.key.publicKey, this.sizes ?? undefined);
    return this.mirrorCache;
  }

  /** Fetches the account's path and checks it against the root `source` settled. */
  async checkMirror(source: SettledRootSource): Promise<MirrorCheck> {
    await this.ensureIndex();
    return this.mirror().refresh(this.client, source);
  }
}
