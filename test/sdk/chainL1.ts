// TEST-ONLY L1 port: the sequencer's L1Port over the real rollup contract on Hardhat's in-process network, so the
// trader's whole path — deposit through ethers, trade, settle, check the account against the contract's root,
// withdraw and pull — runs on a chain. Deposits are read from the contract's Deposited events; each batch is
// settled with oracle reports signed by the world's oracle keys and a real Groth16 proof of its public-input hash
// from the stand-in circuit (test/contracts/helpers), which proves nothing about the batch. It stands in until the
// sequencer's own ethers adapter exists; forced requests are not read.
import type { Contract } from "ethers";
import type {
  BatchSubmission,
  L1Deposit,
  L1ForcedRequest,
  L1Port,
  L1SettledState,
  SubmitReceipt,
} from "../../sequencer/ports.js";
import { effectsOf, ethers, latestTime, prove, signReports, type World } from "../contracts/helpers/world.js";

export class ContractL1 implements L1Port {
  readonly name = "test: rollup contract on Hardhat, stand-in proofs";
  submitted = 0;

  constructor(private readonly w: World) {}

  private get rollup(): Contract {
    return this.w.rollup;
  }

  private async read<T>(fn: string, ...args: unknown[]): Promise<T> {
    return (await this.rollup.getFunction(fn)(...args)) as T;
  }

  async getSettled(): Promise<L1SettledState> {
    const consumed = await this.read<bigint>("consumedDeposits");
    const forced = await this.read<bigint>("consumedForced");
    return {
      batchNumber: await this.read<bigint>("batchNumber"),
      root: await this.read<bigint>("stateRoot"),
      depositsConsumed: consumed,
      depositHash: await this.read<bigint>("depositHashAt", consumed),
      forcedConsumed: forced,
      forcedHash: await this.read<bigint>("forcedHashAt", forced),
      fundingIndices: [...(await this.read<bigint[]>("fundingIndices"))],
    };
  }

  async getDeposits(fromIndex: bigint, max: number): Promise<readonly L1Deposit[]> {
    const total = await this.read<bigint>("depositCount");
    if (fromIndex >= total) return [];
    const logs = await this.rollup.queryFilter(this.rollup.filters.Deposited!(), 0);
    return logs
      .flatMap((l) => ("args" in l ? [l.args] : []))
      .map((a) => ({
        index: BigInt(a.depositId),
        l1Address: BigInt(a.depositor),
        accountIndex: BigInt(a.accountIndex),
        pubKeyX: BigInt(a.pubKeyX),
        pubKeyY: BigInt(a.pubKeyY),
        asset: Number(a.asset),
        amount: BigInt(a.amount),
      }))
      .filter((d) => d.index >= fromIndex)
      .sort((a, b) => (a.index < b.index ? -1 : 1))
      .slice(0, max);
  }

  async getForcedRequests(): Promise<readonly L1ForcedRequest[]> {
    return [];
  }

  async submitBatch(s: BatchSubmission): Promise<SubmitReceipt> {
    const pi = s.publicInputs;
    const consumed = await this.read<bigint>("consumedDeposits");
    const total = await this.read<bigint>("depositCount");
    let depositCount = -1n;
    for (let k = consumed; k <= total && depositCount < 0n; k++)
      if ((await this.read<bigint>("depositHashAt", k)) === pi.depositHashNew) depositCount = k;
    if (depositCount < 0n)
      throw new Error(`batch ${s.batchNumber}: its deposit hash matches no queue position`);
    // The contract wants batchTime ≤ block time; Hardhat's clock may trail the sequencer's by a second.
    if ((await latestTime()) < pi.batchTime)
      await ethers.provider.send("evm_setNextBlockTimestamp", [Number(pi.batchTime)]);
    const header = {
      batchNumber: pi.batchNumber,
      oldRoot: pi.oldRoot,
      newRoot: pi.newRoot,
      batchTime: pi.batchTime,
      depositCount,
      forcedCount: await this.read<bigint>("consumedForced"),
      fundingIndices: [...pi.fundingNew],
    };
    const reports = await signReports(this.w, pi.prices, pi.batchTime);
    const proof = await prove(this.w, s.publicInputHash);
    const tx = await (this.rollup.connect(this.w.sequencer) as Contract).getFunction("submitBatch")(
      header,
      reports,
      effectsOf(s.l1Effects),
      proof,
    );
    const receipt = (await tx.wait()) as { hash: string; blockNumber: number };
    this.submitted++;
    return { txHash: receipt.hash, blockNumber: BigInt(receipt.blockNumber) };
  }
}
