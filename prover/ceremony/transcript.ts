// The ceremony transcript, ceremony.json: the public record of who did which step, from which key to which key,
// with the hashes snarkjs printed. It is a claim to be checked, never trusted: `verify` recomputes every hash in it
// from the files and the contribution records inside the zkeys. File names in it are relative to the ceremony folder.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { CeremonyError } from "./errors.js";
import { writeFileAtomic } from "./files.js";

export const TRANSCRIPT_FILE = "ceremony.json";
export const TRANSCRIPT_FORMAT = "zkmargin-ceremony-v1";
/** Every production key file carries this in its name; development files carry "INSECURE" instead. */
export const PRODUCTION_LABEL = "PRODUCTION";

const Hash512 = Type.String({ pattern: "^[0-9a-f]{128}$" });
const Hash256 = Type.String({ pattern: "^[0-9a-f]{64}$" });
const Time = Type.String({ pattern: "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$" });
/** A plain file name inside the ceremony folder: no separators, no "..". */
const FileName = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$", maxLength: 200 });
/** Printable ASCII, at most 64 bytes: snarkjs stores at most 64 bytes of a contribution name. */
export const PARTY_PATTERN = /^[\x20-\x7e]{1,64}$/;
const Party = Type.String({ pattern: "^[\\x20-\\x7e]{1,64}$" });

const FileRef = Type.Object(
  { file: FileName, blake2b: Hash512, bytes: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

const Ptau = Type.Object(
  {
    file: FileName,
    blake2b: Hash512,
    bytes: Type.Integer({ minimum: 0 }),
    power: Type.Integer({ minimum: 1, maximum: 28 }),
    ceremonyPower: Type.Integer({ minimum: 1, maximum: 28 }),
    /** The name the operator's file had; informational. */
    source: Type.String({ maxLength: 500 }),
    importedAt: Time,
  },
  { additionalProperties: false },
);

const Circuit = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_-]{0,63}$" }),
    r1cs: FileName,
    r1csSha256: Hash256,
    constraints: Type.Integer({ minimum: 0 }),
    nPublic: Type.Integer({ minimum: 0 }),
    /** The smallest ptau power snarkjs accepts for this circuit. */
    power: Type.Integer({ minimum: 1, maximum: 28 }),
    /** snarkjs "Circuit Hash" of the initial key. */
    circuitHash: Hash512,
  },
  { additionalProperties: false },
);

const StepBase = {
  index: Type.Integer({ minimum: 0 }),
  party: Party,
  output: FileRef,
  startedAt: Time,
  finishedAt: Time,
};

const NewStep = Type.Object({ kind: Type.Literal("new"), ...StepBase }, { additionalProperties: false });
const ContributionStep = Type.Object(
  { kind: Type.Literal("contribution"), ...StepBase, input: FileRef, contributionHash: Hash512 },
  { additionalProperties: false },
);
const BeaconStep = Type.Object(
  {
    kind: Type.Literal("beacon"),
    ...StepBase,
    input: FileRef,
    contributionHash: Hash512,
    beaconHash: Type.String({ pattern: "^([0-9a-f]{2}){1,255}$" }),
    iterationsExp: Type.Integer({ minimum: 10, maximum: 63 }),
  },
  { additionalProperties: false },
);

const Step = Type.Union([NewStep, ContributionStep, BeaconStep]);

export const TranscriptSchema = Type.Object(
  {
    format: Type.Literal(TRANSCRIPT_FORMAT),
    setup: Type.Literal(PRODUCTION_LABEL),
    ceremonyId: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$" }),
    createdAt: Time,
    ptau: Ptau,
    circuit: Type.Optional(Circuit),
    steps: Type.Array(Step),
  },
  { additionalProperties: false },
);

export type FileRef = Static<typeof FileRef>;
export type Transcript = Static<typeof TranscriptSchema>;
export type Step = Static<typeof Step>;
export type ContributionStep = Static<typeof ContributionStep>;
export type BeaconStep = Static<typeof BeaconStep>;

export function transcriptPath(dir: string): string {
  return join(dir, TRANSCRIPT_FILE);
}

/** Parses and checks the shape; the meaning (chain, hashes) is checked by verifyCeremony. */
export function parseTranscript(text: string, where = TRANSCRIPT_FILE): Transcript {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CeremonyError("TRANSCRIPT_INVALID", `${where}: not JSON (${(e as Error).message})`);
  }
  if (!Value.Check(TranscriptSchema, json)) {
    const first = Value.Errors(TranscriptSchema, json).First();
    throw new CeremonyError(
      "TRANSCRIPT_INVALID",
      `${where}: ${first ? `${first.path || "/"}: ${first.message}` : "does not match the transcript schema"}`,
    );
  }
  return json;
}

export async function readTranscript(dir: string): Promise<Transcript> {
  const path = transcriptPath(dir);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CeremonyError(
        "CEREMONY_NOT_FOUND",
        `${dir}: no ${TRANSCRIPT_FILE} (run \`ceremony import-ptau\` first)`,
      );
    }
    throw e;
  }
  return parseTranscript(text, path);
}

export function serializeTranscript(t: Transcript): string {
  return JSON.stringify(t, null, 2) + "\n";
}

export async function writeTranscript(dir: string, t: Transcript): Promise<void> {
  await writeFileAtomic(transcriptPath(dir), serializeTranscript(t));
}

/** `<circuit>.PRODUCTION.<step, 4 digits>.zkey`: sorts in chain order and can never be taken for a dev key. */
export function stepZkeyName(circuit: string, index: number): string {
  return `${circuit}.${PRODUCTION_LABEL}.${String(index).padStart(4, "0")}.zkey`;
}

export function lastStep(t: Transcript): Step | undefined {
  return t.steps[t.steps.length - 1];
}
