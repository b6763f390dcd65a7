// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Types, events and errors of the zkmargin settlement contract (docs/CONTRACTS.md). Every event and custom
/// error lives here so off-chain code (deploy module, sequencer's L1 submitter, client) decodes one ABI.
interface IZkMarginRollupTypes {
    /// Values an admin may change, each only through the timelock.
    struct Params {
        /// A deposit not consumed by a batch within this many blocks lets anyone freeze the rollup.
        uint64 depositTimeoutBlocks;
        /// A forced request not served within this many blocks lets anyone freeze the rollup.
        uint64 gracePeriodBlocks;
        /// Wei a forced request must pay (spam cost; kept by the contract, swept by the admin).
        uint128 forcedRequestFee;
        /// Forced requests accepted per block, both kinds together.
        uint32 maxForcedPerBlock;
        /// Oldest oracle report timestamp a batch may use, in seconds before the block.
        uint32 maxPriceAge;
        /// Largest move of any price from the last settled one, in ppm of the last one.
        uint32 maxPriceDeviationPpm;
    }

    /// Constructor input (PROTOCOL §4.4's global state at genesis plus the deployment's wiring).
    struct Deployment {
        uint8 accountDepth;
        uint8 markets;
        /// tokens[0] is the quote token (asset 0), tokens[1..C] the collateral assets.
        address[] tokens;
        /// poseidons[n] hashes n inputs; only the widths the protocol uses need be set.
        address[17] poseidons;
        address verifier;
        uint256 configHash;
        uint256 genesisRoot;
        uint64 genesisBatchTime;
        uint256 fundPubKeyX;
        uint256 fundPubKeyY;
        address fundOwner;
        address admin;
        address sequencer;
        address[] oracleSigners;
        uint8 oracleQuorum;
        Params params;
        uint64 timelockDelayBlocks;
    }

    /// One signer's EIP-712 signed price report (docs/CONTRACTS.md "Oracle reports").
    struct PriceReport {
        uint64 timestamp;
        uint64[] marketPrices;
        uint64[] collateralPrices;
        bytes signature;
    }

    /// The batch's public header; every field is checked against storage or bound by the proof.
    struct BatchHeader {
        uint64 batchNumber;
        uint256 oldRoot;
        uint256 newRoot;
        uint64 batchTime;
        /// Queue positions after the batch: deposits / forced requests consumed since genesis.
        uint64 depositCount;
        uint64 forcedCount;
        int64[] fundingIndices;
    }

    /// An L1 effect of the batch (PROTOCOL §8): a withdrawal or a deposit refund, credited to `l1Address`.
    struct L1Effect {
        uint8 kind;
        address l1Address;
        uint8 asset;
        /// Internal units (1e-8 of a whole token).
        uint64 amount;
    }

    struct Groth16Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    struct Account {
        uint256 pubKeyX;
        uint256 pubKeyY;
        address owner;
    }

    enum ChangeKind {
        Verifier,
        ConfigHash,
        OracleSigners,
        Params,
        Sequencer,
        Admin
    }

    enum FreezeReason {
        None,
        ForcedRequestOverdue,
        DepositOverdue
    }
}

interface IZkMarginRollupEvents is IZkMarginRollupTypes {
    event AccountRegistered(uint256 indexed accountIndex, uint256 pubKeyX, uint256 pubKeyY, address indexed owner);
    /// The preimage of depositHashes[depositId + 1]; reclaimDeposit needs it back after a freeze.
    event Deposited(
        uint256 indexed depositId,
        address indexed depositor,
        uint256 indexed accountIndex,
        uint256 pubKeyX,
        uint256 pubKeyY,
        uint8 asset,
        uint64 amount,
        uint256 depositHash
    );
    /// Sub-unit remainder of a deposit (fee-on-transfer tokens) sent back to the depositor.
    event DustReturned(address indexed depositor, uint8 asset, uint256 tokenAmount);
    event ForcedRequestFiled(
        uint256 indexed requestId,
        uint8 kind,
        uint256 indexed accountIndex,
        uint8 asset,
        uint64 amount,
        address indexed requester,
        uint256 forcedHash
    );
    event BatchSettled(
        uint64 indexed batchNumber,
        uint256 oldRoot,
        uint256 newRoot,
        uint64 depositCount,
        uint64 forcedCount,
        uint256 publicInputHash
    );
    event Credited(address indexed to, uint8 indexed asset, uint256 tokenAmount, uint8 kind);
    event Withdrawn(address indexed to, uint8 indexed asset, uint256 tokenAmount);
    event Frozen(FreezeReason reason, uint256 queuePosition);
    event DepositReclaimed(uint256 indexed depositId, address indexed depositor, uint8 asset, uint256 tokenAmount);
    event ChangeProposed(bytes32 indexed id, ChangeKind kind, bytes data, uint256 readyBlock);
    event ChangeExecuted(bytes32 indexed id, ChangeKind kind, bytes data);
    event ChangeCancelled(bytes32 indexed id);
    event FeesSwept(address indexed to, uint256 amount);
}

interface IZkMarginRollupErrors {
    // --- roles and lifecycle
    error NotAdmin(address caller);
    error NotSequencer(address caller);
    error RollupFrozen();
    error RollupNotFrozen();
    error NotFreezable();
    // --- value checks
    error NotAFieldElement(uint256 value);
    error UnknownAsset(uint256 asset);
    error AccountIndexOutOfRange(uint256 accountIndex);
    error ZeroPublicKey();
    /// @notice The key is off the Baby Jubjub curve or of small order (PROTOCOL §6, I20).
    error InvalidPublicKey(uint256 x, uint256 y);
    error ZeroAmount();
    error AmountTooLarge(uint256 internalAmount);
    error AmountNotExact(uint256 tokenAmount, uint256 tokenUnitsPerInternalUnit);
    // --- registry (PROTOCOL §7.8)
    error PublicKeyMismatch(uint256 accountIndex);
    error AccountNotRegistered(uint256 accountIndex);
    error NotAccountOwner(uint256 accountIndex, address caller);
    // --- forced requests
    error InsufficientFee(uint256 sent, uint256 required);
    error ForcedRequestCapReached(uint256 blockNumber);
    // --- batches
    error WrongBatchNumber(uint64 expected, uint64 given);
    error StaleRoot(uint256 expected, uint256 given);
    error DepositQueuePosition(uint64 consumed, uint64 given, uint64 total);
    error ForcedQueuePosition(uint64 consumed, uint64 given, uint64 total);
    error BatchTimeOutOfRange(uint64 given, uint64 lastBatchTime, uint256 blockTime);
    error FundingIndexCount(uint256 given, uint256 expected);
    error InvalidEffect(uint256 index);
    error InvalidProof();
    error PoseidonFailed(uint256 width);
    // --- oracle reports
    error OracleQuorumNotMet(uint256 reports, uint256 quorum);
    error OracleSignatureInvalid(uint256 report);
    error OracleSignerUnknown(address signer);
    error OracleSignersNotAscending(address previous, address next);
    error OraclePriceCount(uint256 report, uint256 markets, uint256 collaterals);
    error OracleReportStale(uint64 timestamp, uint256 blockTime);
    error OracleReportFromFuture(uint64 timestamp, uint256 blockTime);
    /// `index` counts markets first, then collateral assets.
    error PriceOutOfRange(uint256 index, uint256 price);
    error PriceDeviationTooLarge(uint256 index, uint256 lastPrice, uint256 price);
    // --- deposits after a freeze
    error DepositNotReclaimable(uint256 depositId);
    error DepositAlreadyReclaimed(uint256 depositId);
    error DepositPreimageMismatch(uint256 depositId);
    // --- withdrawals
    error NothingToWithdraw(address account, uint8 asset);
    error NothingToSweep();
    error EtherTransferFailed(address to);
    // --- admin and timelock
    error ZeroAddress();
    error NotAContract(address target);
    error InvalidDeployment(string reason);
    error InvalidQuorum(uint256 quorum, uint256 signers);
    error DuplicateOracleSigner(address signer);
    error TimelockShorterThanExitWindow(uint256 timelockBlocks, uint256 exitWindowBlocks);
    error InvalidParams(string reason);
    error ChangeAlreadyProposed(bytes32 id);
    error ChangeNotProposed(bytes32 id);
    error ChangeNotReady(bytes32 id, uint256 readyBlock);
}

interface IZkMarginRollup is IZkMarginRollupEvents, IZkMarginRollupErrors {
    function deposit(uint256 accountIndex, uint256 pubKeyX, uint256 pubKeyY, uint8 asset, uint256 tokenAmount) external;

    function forceWithdrawal(uint256 accountIndex, uint8 asset, uint64 amount) external payable;

    function forceLiquidation(uint256 accountIndex) external payable;

    function submitBatch(
        BatchHeader calldata header,
        PriceReport[] calldata reports,
        L1Effect[] calldata effects,
        Groth16Proof calldata proof
    ) external;

    function withdraw(uint8 asset) external;

    function freeze() external;

    function reclaimDeposit(
        uint256 depositId,
        address depositor,
        uint256 accountIndex,
        uint256 pubKeyX,
        uint256 pubKeyY,
        uint8 asset,
        uint64 amount
    ) external;

    function proposeChange(ChangeKind kind, bytes calldata data) external returns (bytes32 id);

    function executeChange(ChangeKind kind, bytes calldata data) external;

    function cancelChange(bytes32 id) external;

    function sweepFees(address payable to) external;
}
