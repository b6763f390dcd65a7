// Hardhat 2 configuration. CommonJS because the repo is ESM and Hardhat 2 loads its config with require().
// The compiler is the npm `solc` package's soljson.js, pinned in package.json: Hardhat must never download a
// compiler (CI and the developers' machines have no route to the compiler mirrors), and a pinned compiler keeps
// the bytecode — and so the gas figures in docs/GAS.md — reproducible.
require("@nomicfoundation/hardhat-ethers");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");

const solc = require("solc");
const LONG_VERSION = solc.version(); // e.g. "0.8.28+commit.7893614a.Emscripten.clang"
const VERSION = LONG_VERSION.split("+")[0];

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }) => {
  if (solcVersion !== VERSION) {
    throw new Error(
      `this project compiles offline with the npm solc ${VERSION}; a source asked for ${solcVersion}`,
    );
  }
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: VERSION,
    longVersion: LONG_VERSION,
  };
});

/** @type {import("hardhat/config").HardhatUserConfig} */
module.exports = {
  solidity: {
    version: VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
    },
  },
  paths: {
    sources: "./contracts",
    tests: "./test/contracts",
    cache: "./cache",
    artifacts: "./artifacts",
  },
  networks: {
    hardhat: {
      // EIP-170 stays enforced: whatever deploys here must also deploy on a real chain.
      allowUnlimitedContractSize: false,
      hardfork: "cancun",
    },
  },
};
