// Crash-test child: a sequencer process the test kills with SIGKILL and starts again on the same journal and the
// same persisted in-memory L1. Its clock is frozen and its deposit salts are derived from the queue index, so the
// test can rebuild the acknowledged state independently with a fresh engine. The process loads its modules, prints
// "WARM", and touches the journal only after it reads "GO" on stdin: the test keeps one warm standby so a restart
// costs the recovery itself, not the module loading. Prints "READY <url>" when listening.
import { MemoryL1 } from "../../sequencer/adapters/memoryL1.js";
import { Engine } from "../../sequencer/engine/engine.js";
import { engineConfig, startSequencer } from "../../sequencer/main.js";
import { ADDR, baseOptions, lots } from "./setup.js";
import { CRASH_CLOCK, crashSalt, crashTraders } from "./crashPlan.js";

process.stdout.write("WARM\n");
await new Promise<void>((resolve) => {
  let buf = "";
  process.stdin.on("data", (d) => {
    buf += d.toString();
    if (buf.includes("GO")) resolve();
  });
});
const db = process.env.ZKM_DB!;
const l1Path = process.env.ZKM_L1!;
const opts = baseOptions(db, {
  clock: () => CRASH_CLOCK,
  genesisMs: CRASH_CLOCK,
  pipeline: { pollMs: 25, retryMs: 50, depositSalt: crashSalt },
});
const l1 = new MemoryL1({
  params: opts.params,
  genesisRoot: Engine.genesisState(engineConfig(opts, opts.genesisMs!)).root,
  persistPath: l1Path,
});
if ((await l1.getDeposits(0n, 1)).length === 0) {
  for (const t of crashTraders())
    l1.deposit({
      l1Address: ADDR,
      accountIndex: t.index,
      pubKeyX: t.pub.x,
      pubKeyY: t.pub.y,
      asset: 0,
      amount: lots("1000000"),
    });
}
const running = await startSequencer({ ...opts, l1 });
process.stdout.write(`READY ${running.url}\n`);
