pragma circom 2.1.0;

// Stand-in for the batch circuit while it is being written: the same public interface as PROTOCOL §9 (exactly one
// public input, publicInputHash) and a few constraints that bind it, so the settlement contract is tested with the
// real snarkjs-generated verifier and real Groth16 proofs. It proves NOTHING about a batch — whoever holds its
// proving key can prove any hash — so it is used with the INSECURE development setup in tests only.
template PublicInputBinding() {
    signal input publicInputHash;
    signal square;
    signal cube;

    // Non-linear constraints on the public input: --O2 cannot fold them away, so the input stays in the R1CS.
    square <== publicInputHash * publicInputHash;
    cube <== square * publicInputHash;
}

component main {public [publicInputHash]} = PublicInputBinding();
