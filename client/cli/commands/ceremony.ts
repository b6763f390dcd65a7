// `zkmargin ceremony ...`: the production trusted setup from the operator's and the contributors' side. Every step
// works on one ceremony folder (ceremony.json plus the keys); prover/ceremony/ceremony.ts does the work and the checks,
// this file only parses flags, asks for entropy and prints what each party should publish (the hashes, in the
// layout snarkjs prints them). Failures leave through the CLI's one-line error form with the ceremony's error code.
import { createInterface } from "node:readline/promises";
import { Option, type Command } from "commander";
import type { SnarkjsLogger } from "../../../prover/setup/snarkjsApi.js";
import { CliError } from "../errors.js";

interface CommonOpts {
  dir: string;
  verbose?: boolean;
}

function logger(verbose: boolean | undefined): SnarkjsLogger {
  const line = (m: string): boolean => process.stderr.write(`${m}\n`);
  return {
    debug: (m) => {
      if (verbose) line(m);
    },
    info: (m) => line(m),
    warn: (m) => line(`warning: ${m}`),
    error: (m) => line(m),
  };
}

/** Progress only for files big enough to take a while (a production ptau is GBs). */
function progress(stage: string, done: number, total: number): void {
  if (total >= 1 << 28 && done < total) {
    process.stderr.write(`${stage}: ${(done / 2 ** 20).toFixed(0)} / ${(total / 2 ** 20).toFixed(0)} MiB\n`);
  }
}

function io(o: { verbose?: boolean }): { log: SnarkjsLogger; onProgress: typeof progress } {
  return { log: logger(o.verbose), onProgress: progress };
}

function intOption(v: string, name: string): number {
  if (!/^\d+$/.test(v)) throw new CliError("BAD_USAGE", `${name} must be a whole number`);
  return Number(v);
}

function grouped(h: string): string {
  return (h.match(/.{8}/g) ?? [])
    .reduce<string[]>((lines, g, i) => {
      if (i % 4 === 0) lines.push(g);
      else lines[lines.length - 1] += ` ${g}`;
      return lines;
    }, [])
    .map((l) => `    ${l}`)
    .join("\n");
}

async function askEntropy(): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new CliError("BAD_USAGE", "give --entropy TEXT, or run on a terminal to type it");
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const text = await rl.question(
      "Type some random text (it is mixed with OS randomness and never stored): ",
    );
    if (text.trim().length === 0) throw new CliError("BAD_USAGE", "entropy must not be empty");
    return text;
  } finally {
    rl.close();
  }
}

const dirOption = (): Option => new Option("-d, --dir <folder>", "ceremony folder").makeOptionMandatory();
const verboseOption = (): Option => new Option("-v, --verbose", "also print snarkjs's debug lines");

export function registerCeremonyCommands(program: Command): void {
  const ceremony = program
    .command("ceremony")
    .summary("production trusted setup: phase-1 import and a multi-party phase-2 ceremony")
    .description(
      "A production Groth16 key for one circuit, made by several parties in turn in one ceremony folder:\n" +
        "  import-ptau  check a public powers-of-tau file against its published BLAKE2b-512 hash and start the folder\n" +
        "  new          the initial key from the circuit's r1cs\n" +
        "  contribute   one party's contribution (their entropy plus OS randomness)\n" +
        "  beacon       the closing contribution from public randomness\n" +
        "  verify       recheck everything from the files (anyone can run it)\n" +
        "  export       the final key, verification key and Solidity verifier, labelled PRODUCTION\n" +
        'Nothing is ever downloaded: bring the ptau file yourself. See docs/PROVER.md, "Ceremony".',
    );

  ceremony
    .command("import-ptau")
    .description("check a public phase-1 file and start a ceremony folder with it")
    .requiredOption("--ptau <file>", "the powers-of-tau file (e.g. powersOfTau28_hez_final_22.ptau)")
    .requiredOption("--expect-hash <hex>", "its published BLAKE2b-512 hash (b2sum; spaces/newlines ignored)")
    .addOption(dirOption())
    .option("--r1cs <file>", "refuse the file if it is too small for this circuit")
    .option("--min-power <n>", "refuse the file if its power is below n")
    .option("--id <ceremony-id>", "ceremony id (default: zkmargin-<date>-<random>)")
    .addOption(verboseOption())
    .action(
      async (
        o: CommonOpts & { ptau: string; expectHash: string; r1cs?: string; minPower?: string; id?: string },
      ) => {
        const { importPtau } = await import("../../../prover/ceremony/ceremony.js");
        const t = await importPtau({
          ...io(o),
          ptauPath: o.ptau,
          expectHash: o.expectHash,
          dir: o.dir,
          r1csPath: o.r1cs,
          minPower: o.minPower === undefined ? undefined : intOption(o.minPower, "--min-power"),
          ceremonyId: o.id,
        });
        process.stdout.write(
          `ceremony ${t.ceremonyId}\nphase 1 ${t.ptau.source}: power ${t.ptau.power}, BLAKE2b-512 matches\n${grouped(t.ptau.blake2b)}\n`,
        );
      },
    );

  ceremony
    .command("new")
    .description("make the initial phase-2 key (step 0) for a circuit")
    .addOption(dirOption())
    .requiredOption("--r1cs <file>", "the circuit's r1cs (compiled with --O2, as the provers use it)")
    .requiredOption("--circuit <name>", "circuit name; keys are <name>.PRODUCTION.*")
    .option("--party <name>", "who runs this step", "coordinator")
    .addOption(verboseOption())
    .action(async (o: CommonOpts & { r1cs: string; circuit: string; party: string }) => {
      const { newCeremony } = await import("../../../prover/ceremony/ceremony.js");
      const s = await newCeremony({
        ...io(o),
        dir: o.dir,
        r1csPath: o.r1cs,
        circuitName: o.circuit,
        party: o.party,
      });
      process.stdout.write(`step 0: ${s.output.file}\n${grouped(s.output.blake2b)}\n`);
    });

  ceremony
    .command("contribute")
    .description("add your contribution to the latest key")
    .addOption(dirOption())
    .requiredOption(
      "--name <party>",
      "your name as it will appear in the key and the transcript (≤ 64 ASCII)",
    )
    .option(
      "--entropy <text>",
      "random text (prompted on a terminal when omitted; OS randomness is always added)",
    )
    .option("--verify-first", "run the whole verify before contributing")
    .addOption(verboseOption())
    .action(async (o: CommonOpts & { name: string; entropy?: string; verifyFirst?: boolean }) => {
      const { contribute } = await import("../../../prover/ceremony/ceremony.js");
      const entropy = o.entropy ?? (await askEntropy());
      const s = await contribute({
        ...io(o),
        dir: o.dir,
        party: o.name,
        entropy,
        verifyFirst: o.verifyFirst,
      });
      process.stdout.write(
        `step ${s.index}: ${s.output.file} by ${s.party}\ncontribution hash (publish it):\n${grouped(s.contributionHash)}\n`,
      );
    });

  ceremony
    .command("beacon")
    .description("close the ceremony with a public random beacon")
    .addOption(dirOption())
    .requiredOption(
      "--beacon <hex>",
      "public randomness fixed after the last contribution (e.g. a future block hash)",
    )
    .option("--iterations <exp>", "hash the beacon 2^exp times (10..63)", "10")
    .option("--name <party>", "name recorded for the beacon step", "beacon")
    .addOption(verboseOption())
    .action(async (o: CommonOpts & { beacon: string; iterations: string; name: string }) => {
      const { beacon } = await import("../../../prover/ceremony/ceremony.js");
      const s = await beacon({
        ...io(o),
        dir: o.dir,
        beaconHex: o.beacon,
        iterationsExp: intOption(o.iterations, "--iterations"),
        party: o.name,
      });
      process.stdout.write(
        `step ${s.index}: ${s.output.file} (beacon)\ncontribution hash:\n${grouped(s.contributionHash)}\n`,
      );
    });

  ceremony
    .command("verify")
    .description("recheck the whole ceremony: hashes, chain, contribution records, snarkjs zkey verify")
    .addOption(dirOption())
    .option("--ptau <file>", "check against your own copy of the phase-1 file")
    .option("--r1cs <file>", "check against an r1cs you compiled yourself")
    .option("--every-step", "run snarkjs's full check on every intermediate key too")
    .option("--json", "print the report as JSON")
    .addOption(verboseOption())
    .action(async (o: CommonOpts & { ptau?: string; r1cs?: string; everyStep?: boolean; json?: boolean }) => {
      const { verifyCeremony } = await import("../../../prover/ceremony/ceremony.js");
      const r = await verifyCeremony({
        ...io(o),
        dir: o.dir,
        ptauPath: o.ptau,
        r1csPath: o.r1cs,
        everyStep: o.everyStep,
      });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r)}\n`);
      } else {
        process.stdout.write(`ceremony ${r.ceremonyId}, circuit ${r.circuit ?? "(none)"}\n`);
        process.stdout.write(`transcript sha256 ${r.transcriptSha256}\n`);
        for (const s of r.steps) {
          process.stdout.write(`  step ${s.index} ${s.kind} by ${s.party}\n`);
          if (s.contributionHash) process.stdout.write(`${grouped(s.contributionHash)}\n`);
        }
        process.stdout.write(
          r.ok ? `OK${r.finalized ? " (finalized by a beacon)" : " (no beacon yet)"}\n` : "",
        );
      }
      if (!r.ok) {
        const { CeremonyError } = await import("../../../prover/ceremony/errors.js");
        const list = r.issues.map((i) => `${i.code}: ${i.message}`).join("; ");
        throw new CeremonyError("VERIFY_FAILED", `${r.issues.length} problem(s): ${list}`);
      }
    });

  ceremony
    .command("export")
    .description("verify, then write the PRODUCTION zkey, vkey JSON, Solidity verifier and transcript copy")
    .addOption(dirOption())
    .requiredOption("-o, --out <folder>", "output folder")
    .option("--contract-name <name>", "Solidity contract name (default Groth16Verifier)")
    .option("--allow-no-beacon", "export a chain without a beacon (rehearsals only)")
    .option("--ptau <file>", "verify against your own copy of the phase-1 file")
    .option("--r1cs <file>", "verify against an r1cs you compiled yourself")
    .addOption(verboseOption())
    .action(
      async (
        o: CommonOpts & {
          out: string;
          contractName?: string;
          allowNoBeacon?: boolean;
          ptau?: string;
          r1cs?: string;
        },
      ) => {
        const { exportCeremony } = await import("../../../prover/ceremony/ceremony.js");
        const r = await exportCeremony({
          ...io(o),
          dir: o.dir,
          outDir: o.out,
          contractName: o.contractName,
          allowNoBeacon: o.allowNoBeacon,
          ptauPath: o.ptau,
          r1csPath: o.r1cs,
        });
        process.stdout.write(
          `${r.label}\n${r.zkeyPath}\n${r.vkeyPath}\n${r.solidityPath}\n${r.transcriptPath}\n`,
        );
      },
    );
}
