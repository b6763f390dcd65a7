// Prover workers on the sequencer's own machine (`zkmargin start`): child processes running the operator's prover
// daemon (prover/daemon) against the sequencer's prover API over loopback, exactly as remote `zkmargin prover`
// daemons do. Processes rather than an in-process loop because the witness is computed by circom's calculator on
// the daemon's main thread: 2.3–3.2 s per batch of the `test` set on these machines (and far more for `prod`) that
// would otherwise stall the sequencer's event loop, and a prover that runs out of memory or crashes takes only its
// own process down — it is restarted, and its job returns to the queue when its lease runs out.
//
// This file is also the child's entry point (run with tsx as the loader, like prover/pool's workers).
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Files a prover needs for the batch circuit; prover/keys ensureDevKeys gives them for development keys. */
export interface CircuitFiles {
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly vkeyPath: string;
}

export interface LocalProverConfig {
  readonly sequencerUrl: string;
  readonly token?: string;
  /** "<set>/<main>" of the circuit the files are for. */
  readonly circuit: string;
  readonly files: CircuitFiles;
  readonly backend?: string;
  /** Threads of each process's backend (default: the backend's, every core). */
  readonly threads?: number;
  readonly leaseTtlMs: number;
  readonly workerId: string;
}

const SELF = fileURLToPath(import.meta.url);
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const CONFIG_ENV = "ZKMARGIN_LOCAL_PROVER_CONFIG";
/** A stopping child gets this long to hand its job back before it is killed. */
const STOP_GRACE_MS = 10_000;
const RESTART_DELAY_MS = 1_000;

interface Child {
  proc: ChildProcess;
  exited: Promise<void>;
}

export class LocalProvers {
  private readonly children: Child[] = [];
  private stopping = false;

  private constructor(
    private readonly cfg: LocalProverConfig,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts `count` single-slot daemon processes. */
  static start(count: number, cfg: LocalProverConfig, log: (line: string) => void): LocalProvers {
    if (!Number.isInteger(count) || count < 1 || count > 64) throw new RangeError("local provers: 1..64");
    const p = new LocalProvers(cfg, log);
    for (let i = 0; i < count; i++) p.children.push(p.spawn(i));
    return p;
  }

  private spawn(slot: number): Child {
    const cfg: LocalProverConfig = { ...this.cfg, workerId: `${this.cfg.workerId}-${slot}` };
    const proc = fork(SELF, [], {
      execArgv: ["--import", TSX],
      // The token travels in the environment, not in argv where `ps` shows it.
      env: { ...process.env, [CONFIG_ENV]: JSON.stringify(cfg) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const forward = (buf: Buffer): void => {
      for (const line of buf.toString("utf8").split("\n")) if (line.trim()) this.log(line);
    };
    proc.stdout?.on("data", forward);
    proc.stderr?.on("data", forward);
    const exited = new Promise<void>((resolve) => {
      proc.once("exit", (code, signal) => {
        resolve();
        if (this.stopping) return;
        this.log(`local prover ${slot} exited (${signal ?? code}); restarting`);
        setTimeout(() => {
          if (!this.stopping) this.children[slot] = this.spawn(slot);
        }, RESTART_DELAY_MS).unref();
      });
    });
    return { proc, exited };
  }

  /** Stops every process; each hands its in-flight job back first (the prover API must still be up). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(async (c) => {
        if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
        const kill = setTimeout(() => c.proc.kill("SIGKILL"), STOP_GRACE_MS);
        if (c.proc.connected) c.proc.send("stop");
        else c.proc.kill("SIGTERM");
        await c.exited;
        clearTimeout(kill);
      }),
    );
  }
}

// ---------------------------------------------------------------- child process

async function childMain(cfg: LocalProverConfig): Promise<void> {
  const [{ runProverDaemon }, { ArtifactManifest }, { createBackend }, { witnessFromInput, InputRejected }] =
    await Promise.all([
      import("../../prover/daemon/daemon.js"),
      import("../../prover/jobs/artifacts.js"),
      import("../../prover/backend/registry.js"),
      import("../../prover/daemon/prover.js"),
    ]);
  const stop = new AbortController();
  process.on("message", (m) => {
    if (m === "stop") stop.abort();
  });
  // The sequencer is gone: nothing to prove for.
  process.on("disconnect", () => stop.abort());
  process.on("SIGTERM", () => stop.abort());
  const manifest = new ArtifactManifest(
    new Map([
      [cfg.circuit, { wasm: cfg.files.wasmPath, zkey: cfg.files.zkeyPath, vkey: cfg.files.vkeyPath }],
    ]),
  );
  await runProverDaemon({
    sequencerUrl: cfg.sequencerUrl,
    ...(cfg.token !== undefined ? { token: cfg.token } : {}),
    concurrency: 1,
    workerId: cfg.workerId,
    manifest,
    leaseTtlMs: cfg.leaseTtlMs,
    waitMs: 5_000,
    signal: stop.signal,
    log: (line) => process.stderr.write(`${line}\n`),
    makeProver: async () => {
      const backend = await createBackend(
        cfg.backend,
        cfg.threads !== undefined ? { threads: cfg.threads } : {},
      );
      return {
        async prove(art, kind, payload) {
          if (!art.zkey || !art.wasm) throw new Error(`${cfg.circuit}: no zkey or wasm`);
          let witness = payload;
          if (kind === "input") {
            let input: unknown;
            try {
              input = JSON.parse(Buffer.from(payload).toString("utf8"));
            } catch {
              throw new InputRejected("the job's input is not JSON");
            }
            witness = await witnessFromInput(input as Record<string, unknown>, art.wasm);
          }
          const r = await backend.prove(art.zkey, witness);
          return { proof: r.proof, publicSignals: r.publicSignals };
        },
        close: () => backend.close(),
      };
    },
  });
}

if (process.argv[1] === SELF && process.env[CONFIG_ENV]) {
  childMain(JSON.parse(process.env[CONFIG_ENV]) as LocalProverConfig).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`local prover failed: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
