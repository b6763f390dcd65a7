// circom's .sym file maps every signal name to its witness position ("labelId,wireId,componentId,name" per line).
// With --O2 many signals are substituted away (wireId −1); naming such a signal in a tampering test is a test bug,
// so lookups say which of the two failures happened.
import { readFile } from "node:fs/promises";
import { CircuitToolError } from "./errors.js";

export class SignalMap {
  private constructor(
    private readonly wires: ReadonlyMap<string, number>,
    private readonly labels: ReadonlyMap<string, number>,
  ) {}

  static async read(path: string): Promise<SignalMap> {
    const wires = new Map<string, number>();
    const labels = new Map<string, number>();
    for (const line of (await readFile(path, "utf8")).split("\n")) {
      if (!line) continue;
      const parts = line.split(",");
      const name = parts.slice(3).join(",");
      const label = Number(parts[0]);
      const wire = Number(parts[1]);
      if (parts.length < 4 || !Number.isInteger(wire) || !Number.isInteger(label)) {
        throw new CircuitToolError("BAD_R1CS", `${path}: bad sym line "${line}"`);
      }
      wires.set(name, wire);
      labels.set(name, label);
    }
    return new SignalMap(wires, labels);
  }

  /** Full name ("main.x.y[2]"); a name without the "main." prefix gets it. */
  static qualify(name: string): string {
    return name === "main" || name.startsWith("main.") ? name : `main.${name}`;
  }

  has(name: string): boolean {
    return this.wires.has(SignalMap.qualify(name));
  }

  /** True when the signal survives --O2 as a witness wire. */
  isWire(name: string): boolean {
    return (this.wires.get(SignalMap.qualify(name)) ?? -1) >= 0;
  }

  wireOf(name: string): number {
    const full = SignalMap.qualify(name);
    const w = this.wires.get(full);
    if (w === undefined) throw new CircuitToolError("SIGNAL_NOT_FOUND", `no signal named ${full}`);
    if (w < 0) {
      throw new CircuitToolError(
        "SIGNAL_ELIMINATED",
        `${full} was substituted away by --O2 (it is a linear combination of other wires); tamper a surviving signal`,
      );
    }
    return w;
  }

  /**
   * circom numbers main's signals first, outputs then inputs, from label 1; so labels in [from, to) are a block
   * of main's signals. Their wires (those that survive --O2; a private input can be substituted away too).
   */
  wiresOfLabels(from: number, to: number): Set<number> {
    const out = new Set<number>();
    for (const [name, label] of this.labels) {
      const wire = this.wires.get(name)!;
      if (label >= from && label < to && wire >= 0) out.add(wire);
    }
    return out;
  }

  /** Names of every signal, with their wire or −1. */
  entries(): IterableIterator<[string, number]> {
    return this.wires.entries();
  }
}
