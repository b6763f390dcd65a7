// The op/batch JSON encoding lives in protocol/ (shared with the sequencer); re-exported for the simulation's callers.
export * from "../../protocol/serialize.js";
