// The batch circuit against the protocol model on the scripted market (client/sim/scenario.ts, the batches of
// test/vectors/batches.json): every batch proves, with the circuit's root, rolling hashes and insurance-fund quote
// after every slot equal to the model's, and its one public input equal to the vectors'.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { runScenario, type ScenarioRun } from "../../client/sim/scenario.js";
import { Opcode } from "../../protocol/index.js";
import { REPO_ROOT } from "../../circuits/tooling/compile.js";
import { batchCircuit, expectProves } from "./batch-world.js";
import type { Circuit } from "./harness/index.js";

interface VectorCase {
  readonly description: string;
  readonly publicInputs: { readonly publicInputHash: string };
}

describe("BatchMain(test) on the scripted market", () => {
  let c: Circuit;
  let run: ScenarioRun;
  let vectors: VectorCase[];
  beforeAll(async () => {
    run = runScenario({ paramSet: "test" });
    vectors = (
      JSON.parse(readFileSync(`${REPO_ROOT}/test/vectors/batches.json`, "utf8")) as { cases: VectorCase[] }
    ).cases;
    c = await batchCircuit();
  });

  it("replays the same batches as test/vectors/batches.json", () => {
    expect(run.batches.map((b) => b.result.publicInputHash.toString())).toEqual(
      vectors.map((v) => v.publicInputs.publicInputHash),
    );
  });

  it("covers every opcode but DELEVERAGE (batch-ops.test.ts has it), and deposit refunds and forced outcomes", () => {
    const ops = new Set(run.batches.flatMap((b) => b.slots.map((s) => s.op.opcode)));
    expect([...ops].sort()).toEqual(
      Object.values(Opcode)
        .filter((o) => o !== Opcode.DELEVERAGE)
        .sort(),
    );
    const notes = run.batches.flatMap((b) => b.slots.map((s) => s.note).filter((n) => n !== undefined));
    expect(notes).toEqual(
      expect.arrayContaining(["refund: key mismatch", "executed", "rejected: insufficient quote", "healthy"]),
    );
  });

  // One test per batch, so a failure names the phase.
  for (let i = 0; i < 9; i++) {
    it(`batch ${i + 1} proves with the model's per-slot roots and hashes [I12][I13][I14][I18][I19]`, async () => {
      const b = run.batches[i];
      expect(b, `the scenario has ${run.batches.length} batches`).toBeDefined();
      await expectProves(c, b!.result);
    });
  }
});
