// A circuit's identity for the prover is the sha256 of its .r1cs: keys are cached under it (prover/keys), and a
// witness generator records the R1CS it was compiled with, so a key and a witness from different circuits never meet.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}
