// The trader's side of the rollup contract (contracts/ZkMarginRollup.sol) through ethers v6: deposits (ERC-20
// approve, then deposit, which registers the account's key on first use and returns the L1 queue index), the
// settled state root (what the local mirror checks its Merkle path against), and the pull of withdrawn funds.
// The ABI is written out as human-readable fragments for just these calls, so the SDK needs no build artifacts;
// test/sdk/chain.test.ts checks every fragment against the compiled contract. Reverts come back as SdkErrors coded
// `CONTRACT_<ERROR_NAME>` (e.g. CONTRACT_PUBLIC_KEY_MISMATCH) from the contract's custom errors.
import {
  Contract,
  Interface,
  JsonRpcProvider,
  Network,
  Wallet,
  isError,
  type ContractRunner,
  type Provider,
  type Signer,
  type TransactionReceipt,
} from "ethers";
import {
  AMOUNT_DECIMALS,
  makeDomain,
  parseDecimal,
  type Domain,
  type PublicKey,
} from "../../protocol/index.js";
import { SdkError, sdkFail } from "./errors.js";
import type { SettledRoot, SettledRootSource } from "./mirror.js";

export const ROLLUP_ABI = [
  "function deposit(uint256 accountIndex, uint256 pubKeyX, uint256 pubKeyY, uint8 asset, uint256 tokenAmount)",
  "function withdraw(uint8 asset)",
  "function stateRoot() view returns (uint256)",
  "function batchNumber() view returns (uint64)",
  "function pending(address account, uint8 asset) view returns (uint256)",
  "function token(uint8 asset) view returns (address)",
  "function tokenDecimals(uint8 asset) view returns (uint8)",
  "function collateralCount() view returns (uint8)",
  "function accountDepth() view returns (uint8)",
  "function accounts(uint256 accountIndex) view returns (tuple(uint256 pubKeyX, uint256 pubKeyY, address owner))",
  "function depositCount() view returns (uint256)",
  "function consumedDeposits() view returns (uint64)",
  "function frozen() view returns (bool)",
  "event Deposited(uint256 indexed depositId, address indexed depositor, uint256 indexed accountIndex, uint256 pubKeyX, uint256 pubKeyY, uint8 asset, uint64 amount, uint256 depositHash)",
  "event BatchSettled(uint64 indexed batchNumber, uint256 oldRoot, uint256 newRoot, uint64 depositCount, uint64 forcedCount, uint256 publicInputHash)",
  "event Withdrawn(address indexed to, uint8 indexed asset, uint256 tokenAmount)",
  "event DustReturned(address indexed depositor, uint8 asset, uint256 tokenAmount)",
  "error RollupFrozen()",
  "error NotAFieldElement(uint256 value)",
  "error UnknownAsset(uint256 asset)",
  "error AccountIndexOutOfRange(uint256 accountIndex)",
  "error ZeroPublicKey()",
  "error InvalidPublicKey(uint256 x, uint256 y)",
  "error ZeroAmount()",
  "error AmountTooLarge(uint256 internalAmount)",
  "error AmountNotExact(uint256 tokenAmount, uint256 tokenUnitsPerInternalUnit)",
  "error PublicKeyMismatch(uint256 accountIndex)",
  "error AccountNotRegistered(uint256 accountIndex)",
  "error NothingToWithdraw(address account, uint8 asset)",
  "error ReentrancyGuardReentrantCall()",
  "error SafeERC20FailedOperation(address token)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
] as const;

export const ERC20_ABI = [
  "function approve(address spender, uint256 amount) returns (bool)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function balanceOf(address account) view returns (uint256)",
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
] as const;

const INTERNAL_DECIMALS = AMOUNT_DECIMALS;

// ---------------------------------------------------------------- token units (PROTOCOL §2)

/**
 * Token units for a human amount ("1.5") of a token with `decimals`. The contract keeps 8 decimals internally and
 * refuses amounts that do not convert exactly, so more decimals than min(decimals, 8) are refused here, not rounded.
 */
export function tokenUnits(human: string, decimals: number): bigint {
  const d = Math.min(decimals, INTERNAL_DECIMALS);
  const v = parseDecimal(human, d, "amount") * 10n ** BigInt(Math.max(0, decimals - INTERNAL_DECIMALS));
  if (v <= 0n) sdkFail("BAD_INPUT", "the amount must be positive");
  return v;
}

/** The contract's internal units (1e-8 of a whole token) for an exact token amount. */
export function internalUnits(tokenAmount: bigint, decimals: number): bigint {
  if (decimals <= INTERNAL_DECIMALS) return tokenAmount * 10n ** BigInt(INTERNAL_DECIMALS - decimals);
  const unit = 10n ** BigInt(decimals - INTERNAL_DECIMALS);
  if (tokenAmount % unit !== 0n)
    sdkFail(
      "AMOUNT_NOT_EXACT",
      `${tokenAmount} token units is not a whole number of 1e-8 units (${unit} each)`,
    );
  return tokenAmount / unit;
}

// ---------------------------------------------------------------- errors

/** PublicKeyMismatch → PUBLIC_KEY_MISMATCH; digits go (ERC20 → TOKEN) since error codes are A–Z and _ only. */
const snake = (name: string): string =>
  name
    .replace(/ERC20/g, "Token")
    .replace(/[0-9]/g, "")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toUpperCase();

const ERRORS = new Interface([...ROLLUP_ABI, ...ERC20_ABI]);

/** Maps an ethers failure to an SdkError; custom errors keep their name as `CONTRACT_<NAME>`. */
export function l1Error(e: unknown, what: string): SdkError {
  if (e instanceof SdkError) return e;
  if (isError(e, "CALL_EXCEPTION")) {
    // A revert during a send's gas estimation reaches ethers through the provider, which knows no ABI: decode here.
    let r: { name: string; args: readonly unknown[] } | null = e.revert;
    if (!r && typeof e.data === "string" && e.data.length >= 10) {
      try {
        r = ERRORS.parseError(e.data);
      } catch {
        r = null;
      }
    }
    if (r) {
      const args = r.args.map((a: unknown) => String(a)).join(", ");
      return new SdkError(
        `CONTRACT_${snake(r.name)}`,
        `${what}: the contract refused it with ${r.name}(${args})`,
      );
    }
    return new SdkError("CHAIN_REVERTED", `${what}: reverted (${e.shortMessage})`);
  }
  if (isError(e, "INSUFFICIENT_FUNDS"))
    return new SdkError("CHAIN_INSUFFICIENT_FUNDS", `${what}: not enough ether for gas`);
  const m =
    (e as { shortMessage?: string; message?: string }).shortMessage ?? (e as Error).message ?? String(e);
  return new SdkError("CHAIN_ERROR", `${what}: ${m}`);
}

async function l1<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw l1Error(e, what);
  }
}

// ---------------------------------------------------------------- connection

/**
 * A provider for a JSON-RPC URL whose chain is detected once, with a timeout: ethers' own detection retries forever
 * (and logs) when the endpoint is down, which would hang a CLI command instead of failing it.
 */
export async function connectRpc(url: string, timeoutMs = 10_000): Promise<JsonRpcProvider> {
  let chainId: bigint;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { result?: string };
    if (typeof body.result !== "string") throw new Error(`HTTP ${res.status}, no chain id`);
    chainId = BigInt(body.result);
  } catch (e) {
    const err = e as Error;
    const cause = (err.cause as Error | undefined)?.message ?? err.message;
    throw new SdkError("NETWORK", `cannot reach the chain at ${url}: ${cause}`, undefined, { cause: e });
  }
  return new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, pollingInterval: 250 });
}

/** An L1 signer: a private key (0x + 64 hex), or an account the node holds unlocked (an index into eth_accounts, or its address). */
export async function l1Signer(
  provider: JsonRpcProvider,
  who: { privateKey: string } | { account: string },
): Promise<Signer> {
  if ("privateKey" in who) {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(who.privateKey.trim()))
      sdkFail("BAD_INPUT", "an L1 private key is 32 bytes: 64 hex digits");
    return new Wallet(who.privateKey.trim().replace(/^(?!0x)/, "0x"), provider);
  }
  const a = who.account.trim();
  if (/^[0-9]{1,4}$/.test(a)) {
    const accounts = await l1("eth_accounts", () => provider.send("eth_accounts", []) as Promise<string[]>);
    const addr = accounts[Number(a)];
    if (!addr) sdkFail("BAD_INPUT", `the node holds ${accounts.length} unlocked accounts; there is no #${a}`);
    return provider.getSigner(addr);
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(a))
    sdkFail("BAD_INPUT", `"${a}" is neither an account number nor an address`);
  return provider.getSigner(a);
}

// ---------------------------------------------------------------- the contract

export interface AssetInfo {
  readonly asset: number;
  readonly token: string;
  readonly decimals: number;
  readonly symbol: string;
}

export interface DepositReceipt {
  /** Position in the contract's deposit queue; the sequencer consumes deposits strictly in this order. */
  readonly depositId: bigint;
  readonly accountIndex: bigint;
  readonly asset: number;
  /** Internal units credited (1e-8 of the asset). */
  readonly amount: bigint;
  readonly tokenAmount: bigint;
  readonly txHash: string;
  readonly blockNumber: number;
  readonly approveTxHash: string | null;
}

export interface ClaimReceipt {
  readonly asset: number;
  readonly tokenAmount: bigint;
  readonly txHash: string;
}

export class RollupChain {
  readonly contract: Contract;

  constructor(
    readonly address: string,
    readonly runner: ContractRunner,
    /** First block to search for BatchSettled logs (the deployment block); RPC providers limit log ranges. */
    readonly fromBlock = 0,
  ) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(address)) sdkFail("BAD_INPUT", `"${address}" is not a contract address`);
    this.contract = new Contract(address, ROLLUP_ABI, runner);
  }

  private get provider(): Provider {
    const p = this.runner.provider;
    if (!p) return sdkFail("CHAIN_ERROR", "the chain connection has no provider");
    return p;
  }

  async domain(): Promise<Domain> {
    const n = await l1("chain id", () => this.provider.getNetwork());
    return makeDomain(n.chainId, this.address);
  }

  /** The settled batch number and root, read at one block so they belong together. */
  async settled(): Promise<SettledRoot> {
    return l1("read the settled root", async () => {
      const blockTag = await this.provider.getBlockNumber();
      const [n, root] = await Promise.all([
        this.contract.getFunction("batchNumber")({ blockTag }) as Promise<bigint>,
        this.contract.getFunction("stateRoot")({ blockTag }) as Promise<bigint>,
      ]);
      return { batchNumber: BigInt(n), root: BigInt(root) };
    });
  }

  /** The root the chain settled for batch `n` (0 = genesis), or null if batch `n` is not settled yet. */
  async rootAt(n: bigint): Promise<bigint | null> {
    const cur = await this.settled();
    if (n === cur.batchNumber) return cur.root;
    if (n > cur.batchNumber) return null;
    // Batch n's new root; for genesis, batch 1's old root.
    const target = n === 0n ? 1n : n;
    const logs = await l1("read BatchSettled logs", () =>
      this.contract.queryFilter(this.contract.filters.BatchSettled!(target), this.fromBlock),
    );
    const ev = logs.find((l) => "args" in l);
    if (!ev || !("args" in ev)) return null;
    return BigInt(n === 0n ? ev.args.oldRoot : ev.args.newRoot);
  }

  /** This contract as the mirror's source of settled roots. */
  rootSource(): SettledRootSource {
    return {
      name: `L1 contract ${this.address}`,
      settled: () => this.settled(),
      rootAt: (n) => this.rootAt(n),
    };
  }

  async asset(asset: number): Promise<AssetInfo> {
    return l1(`asset ${asset}`, async () => {
      const collaterals = Number(await this.contract.getFunction("collateralCount")());
      if (!Number.isInteger(asset) || asset < 0 || asset > collaterals)
        sdkFail("UNKNOWN_ASSET", `asset ${asset} does not exist (0 = quote, 1..${collaterals} = collateral)`);
      const token = (await this.contract.getFunction("token")(asset)) as string;
      const decimals = Number(await this.contract.getFunction("tokenDecimals")(asset));
      const erc20 = new Contract(token, ERC20_ABI, this.runner);
      let symbol = `asset${asset}`;
      try {
        symbol = (await erc20.getFunction("symbol")()) as string;
      } catch {
        // symbol() is optional in ERC-20.
      }
      return { asset, token, decimals, symbol };
    });
  }

  async registry(accountIndex: bigint): Promise<{ pubKeyX: bigint; pubKeyY: bigint; owner: string }> {
    return l1(`registry entry ${accountIndex}`, async () => {
      const a = (await this.contract.getFunction("accounts")(accountIndex)) as {
        pubKeyX: bigint;
        pubKeyY: bigint;
        owner: string;
      };
      return { pubKeyX: a.pubKeyX, pubKeyY: a.pubKeyY, owner: a.owner };
    });
  }

  /**
   * Approves exactly `tokenAmount` (if the allowance is short) and deposits it into `accountIndex` under `publicKey`.
   * The first deposit to an index registers the key there; a deposit naming another key is refused by the contract.
   */
  async deposit(
    signer: Signer,
    d: { accountIndex: bigint; publicKey: PublicKey; asset: number; tokenAmount: bigint },
  ): Promise<DepositReceipt> {
    if (d.tokenAmount <= 0n) sdkFail("BAD_INPUT", "the deposit amount must be positive");
    const info = await this.asset(d.asset);
    internalUnits(d.tokenAmount, info.decimals);
    const owner = await l1("signer address", () => signer.getAddress());
    const erc20 = new Contract(info.token, ERC20_ABI, signer);
    const balance = await l1("token balance", () => erc20.getFunction("balanceOf")(owner) as Promise<bigint>);
    if (balance < d.tokenAmount)
      sdkFail(
        "INSUFFICIENT_TOKEN_BALANCE",
        `${owner} holds ${balance} units of ${info.symbol}, the deposit needs ${d.tokenAmount}`,
      );
    let approveTxHash: string | null = null;
    const allowance = await l1(
      "token allowance",
      () => erc20.getFunction("allowance")(owner, this.address) as Promise<bigint>,
    );
    if (allowance < d.tokenAmount) {
      const r = await l1(`approve ${info.symbol}`, async () => {
        const tx = await erc20.getFunction("approve")(this.address, d.tokenAmount);
        return (await tx.wait()) as TransactionReceipt;
      });
      approveTxHash = r.hash;
    }
    const receipt = await l1("deposit", async () => {
      const c = this.contract.connect(signer) as Contract;
      const tx = await c.getFunction("deposit")(
        d.accountIndex,
        d.publicKey.x,
        d.publicKey.y,
        d.asset,
        d.tokenAmount,
      );
      return (await tx.wait()) as TransactionReceipt;
    });
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.address.toLowerCase()) continue;
      const p = this.contract.interface.parseLog(log);
      if (p?.name !== "Deposited") continue;
      return {
        depositId: BigInt(p.args.depositId),
        accountIndex: BigInt(p.args.accountIndex),
        asset: Number(p.args.asset),
        amount: BigInt(p.args.amount),
        tokenAmount: d.tokenAmount,
        txHash: receipt.hash,
        blockNumber: receipt.blockNumber,
        approveTxHash,
      };
    }
    return sdkFail("BAD_RESPONSE", `deposit ${receipt.hash} emitted no Deposited event`);
  }

  /** Token units owed to `address` in `asset` (settled withdrawals and refunds), waiting to be pulled. */
  async pending(address: string, asset: number): Promise<bigint> {
    return l1("pending balance", async () =>
      BigInt(await this.contract.getFunction("pending")(address, asset)),
    );
  }

  /** Pulls everything owed to the signer in `asset` (the contract's withdraw). */
  async claim(signer: Signer, asset: number): Promise<ClaimReceipt> {
    const receipt = await l1(`withdraw asset ${asset}`, async () => {
      const c = this.contract.connect(signer) as Contract;
      const tx = await c.getFunction("withdraw")(asset);
      return (await tx.wait()) as TransactionReceipt;
    });
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.address.toLowerCase()) continue;
      const p = this.contract.interface.parseLog(log);
      if (p?.name === "Withdrawn")
        return { asset, tokenAmount: BigInt(p.args.tokenAmount), txHash: receipt.hash };
    }
    return sdkFail("BAD_RESPONSE", `withdraw ${receipt.hash} emitted no Withdrawn event`);
  }
}
