// The local chain of `zkmargin start`: Hardhat's network in this process, served as JSON-RPC on localhost so that
// wallets, `zkmargin verify-batch --rpc` and the trader CLI in another terminal see the same chain the stack uses.
// Hardhat 2's own `node` task blocks forever; its create-server subtask gives a server we can listen on and close.
import hre from "hardhat";
import { HDNodeWallet, JsonRpcProvider } from "ethers";

export interface LocalChain {
  readonly url: string;
  readonly chainId: bigint;
  readonly provider: JsonRpcProvider;
  /** Hardhat's funded development accounts (its public default mnemonic: never use on a real chain). */
  readonly wallets: readonly HDNodeWallet[];
  close(): Promise<void>;
}

interface JsonRpcServer {
  listen(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

/** Hardhat's default development accounts (`test test … junk`), the ones its network funds at genesis. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

export async function startLocalChain(
  o: { port?: number; log?: (s: string) => void } = {},
): Promise<LocalChain> {
  const log = o.log ?? (() => {});
  log("compiling contracts (Hardhat, npm solc)");
  await hre.run("compile", { quiet: true });
  const server = (await hre.run("node:create-server", {
    hostname: "127.0.0.1",
    port: o.port ?? 8545,
    provider: hre.network.provider,
  })) as JsonRpcServer;
  const { address, port } = await server.listen();
  const url = `http://${address}:${port}`;
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 250 });
  const chainId = (await provider.getNetwork()).chainId;
  // m/44'/60'/0'/0/i of the default mnemonic: the accounts Hardhat funds.
  const wallets = Array.from({ length: 10 }, (_, i) =>
    HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider),
  );
  log(`chain: Hardhat network (chain id ${chainId}) on ${url}`);
  return {
    url,
    chainId,
    provider,
    wallets,
    async close() {
      provider.destroy();
      await server.close();
    },
  };
}
