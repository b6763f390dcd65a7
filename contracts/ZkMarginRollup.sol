// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IZkMarginRollup} from "./interfaces/IZkMarginRollup.sol";
import {IBatchVerifier} from "./interfaces/IBatchVerifier.sol";
import {OracleLib} from "./libraries/OracleLib.sol";
import {PoseidonHasher} from "./libraries/PoseidonHasher.sol";
import {PublicInputs} from "./libraries/PublicInputs.sol";
import {BabyJubKey} from "./libraries/BabyJubKey.sol";
import {TokenUnits} from "./libraries/TokenUnits.sol";
import {
    AMOUNT_BITS,
    EFFECT_DEPOSIT_REFUND,
    EFFECT_WITHDRAWAL,
    FORCED_KIND_LIQUIDATION,
    FORCED_KIND_WITHDRAWAL,
    TIME_BITS
} from "./libraries/generated/ProtocolConstants.sol";

/// @title zkmargin settlement contract
/// @notice Holds the collateral, the account registry, the deposit and forced-request queues and the settled state
/// root; accepts a batch only with a Groth16 proof over a public input it rebuilds from its own storage plus the
/// calldata it verifies (PROTOCOL §9). Payouts are pull-based so no token can block a batch. Rules and their
/// reasons: docs/CONTRACTS.md.
contract ZkMarginRollup is IZkMarginRollup, ReentrancyGuard, EIP712 {
    using SafeERC20 for IERC20;

    /// Fields of a deposit / forced request / L1 effect preimage, as hashed (PROTOCOL §7.1, §7.8, §8).
    uint256 private constant DEPOSIT_FIELDS = 7;
    uint256 private constant FORCED_FIELDS = 8;
    uint256 private constant EFFECT_FIELDS = 5;

    struct Progress {
        uint64 batchNumber;
        uint64 lastBatchTime;
        uint64 consumedDeposits;
        uint64 consumedForced;
    }

    uint8 public immutable accountDepth;
    uint8 public immutable marketCount;
    uint8 public immutable collateralCount;
    /// Blocks between proposing and executing an admin change; at least the exit window (constructor-enforced).
    uint64 public immutable timelockDelayBlocks;

    address[17] private _hashers;
    IERC20[] private _tokens;
    uint8[] private _decimals;

    address public admin;
    address public sequencer;
    IBatchVerifier public verifier;
    uint256 public configHash;
    address[] private _oracleSigners;
    mapping(address => bool) public isOracleSigner;
    uint8 public oracleQuorum;
    Params private _params;

    uint256 public stateRoot;
    Progress private _progress;
    int64[] private _fundingIndices;
    uint64[] private _lastPrices;
    bool public frozen;

    /// depositHashes[i] is the rolling hash after i deposits (index 0: genesis, 0).
    uint256[] private _depositHashes;
    uint64[] private _depositBlocks;
    mapping(uint256 => bool) public depositReclaimed;
    uint256[] private _forcedHashes;
    uint64[] private _forcedBlocks;
    uint64 private _forcedBlockNumber;
    uint32 private _forcedInBlock;

    mapping(uint256 => Account) private _accounts;
    /// Token units owed to an address, withdrawn by that address (pull pattern).
    mapping(address => mapping(uint8 => uint256)) public pending;
    /// Per asset, token units: received by deposits / owed (credited, not withdrawn) / paid out.
    uint256[] private _totalDeposited;
    uint256[] private _totalOwed;
    uint256[] private _totalPaid;
    uint256 public collectedFees;
    mapping(bytes32 => uint256) public changeReadyBlock;

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    modifier whenLive() {
        if (frozen) revert RollupFrozen();
        _;
    }

    constructor(Deployment memory d) EIP712("zkmargin", "1") {
        if (d.accountDepth == 0 || d.accountDepth > 64) revert InvalidDeployment("accountDepth");
        if (d.markets == 0) revert InvalidDeployment("markets");
        if (d.tokens.length == 0 || d.tokens.length > 256) revert InvalidDeployment("tokens");
        accountDepth = d.accountDepth;
        marketCount = d.markets;
        collateralCount = uint8(d.tokens.length - 1);
        for (uint256 i = 0; i < d.tokens.length; i++) {
            if (d.tokens[i].code.length == 0) revert NotAContract(d.tokens[i]);
            uint8 dec = IERC20Metadata(d.tokens[i]).decimals();
            if (dec > TokenUnits.MAX_DECIMALS) revert InvalidDeployment("token decimals");
            _tokens.push(IERC20(d.tokens[i]));
            _decimals.push(dec);
            _totalDeposited.push(0);
            _totalOwed.push(0);
            _totalPaid.push(0);
        }
        _hashers = d.poseidons;
        _requireHasher(DEPOSIT_FIELDS);
        _requireHasher(FORCED_FIELDS);
        _requireHasher(EFFECT_FIELDS);
        _requireHasher(12 + 3 * uint256(d.markets) + (d.tokens.length - 1));

        _checkVerifier(d.verifier);
        verifier = IBatchVerifier(d.verifier);
        _checkField(d.configHash);
        configHash = d.configHash;
        _checkField(d.genesisRoot);
        stateRoot = d.genesisRoot;
        if (d.genesisBatchTime >= 1 << TIME_BITS) revert InvalidDeployment("genesisBatchTime");
        _progress.lastBatchTime = d.genesisBatchTime;
        if (d.admin == address(0) || d.sequencer == address(0) || d.fundOwner == address(0)) revert ZeroAddress();
        admin = d.admin;
        sequencer = d.sequencer;
        _setOracle(d.oracleSigners, d.oracleQuorum);
        if (d.timelockDelayBlocks == 0) revert InvalidDeployment("timelockDelayBlocks");
        timelockDelayBlocks = d.timelockDelayBlocks;
        _checkParams(d.params);
        _params = d.params;

        for (uint256 m = 0; m < d.markets; m++) _fundingIndices.push(0);
        for (uint256 a = 0; a < uint256(d.markets) + d.tokens.length - 1; a++) _lastPrices.push(0);
        _depositHashes.push(0);
        _forcedHashes.push(0);
        // Account 0 is the insurance fund, registered in the genesis root (PROTOCOL §4.3): the registry agrees.
        _checkKey(d.fundPubKeyX, d.fundPubKeyY);
        _accounts[0] = Account(d.fundPubKeyX, d.fundPubKeyY, d.fundOwner);
        emit AccountRegistered(0, d.fundPubKeyX, d.fundPubKeyY, d.fundOwner);
    }

    // ------------------------------------------------------------------ deposits (PROTOCOL §7.1)

    /// @notice Deposits `tokenAmount` token units of `asset` into account `accountIndex`, registering the account to
    /// (pubKey, msg.sender) if it is new. The amount must be a whole number of internal units; what actually arrives
    /// is credited (fee-on-transfer tokens), and a remainder below one internal unit is sent back.
    function deposit(
        uint256 accountIndex,
        uint256 pubKeyX,
        uint256 pubKeyY,
        uint8 asset,
        uint256 tokenAmount
    ) external nonReentrant whenLive {
        _checkAsset(asset);
        _checkAccountIndex(accountIndex);
        _checkKey(pubKeyX, pubKeyY);
        Account storage acc = _accounts[accountIndex];
        bool isNew = acc.owner == address(0);
        if (!isNew && (acc.pubKeyX != pubKeyX || acc.pubKeyY != pubKeyY)) revert PublicKeyMismatch(accountIndex);
        (uint64 amount, uint256 dust) = _pullTokens(asset, tokenAmount);
        if (isNew) {
            _accounts[accountIndex] = Account(pubKeyX, pubKeyY, msg.sender);
            emit AccountRegistered(accountIndex, pubKeyX, pubKeyY, msg.sender);
        }
        uint256 id = _depositHashes.length - 1;
        uint256 h = PublicInputs.depositStep(_hashers, _depositHashes[id], msg.sender, accountIndex, pubKeyX, pubKeyY, asset, amount);
        _depositHashes.push(h);
        _depositBlocks.push(uint64(block.number));
        emit Deposited(id, msg.sender, accountIndex, pubKeyX, pubKeyY, asset, amount, h);
        if (dust > 0) {
            _tokens[asset].safeTransfer(msg.sender, dust);
            emit DustReturned(msg.sender, asset, dust);
        }
    }

    /// Pulls `tokenAmount` from the caller and returns what arrived, in internal units, plus the token-unit
    /// remainder to send back. The received amount is only known after the transfer; nonReentrant covers it.
    function _pullTokens(uint8 asset, uint256 tokenAmount) private returns (uint64 amount, uint256 dust) {
        if (tokenAmount == 0) revert ZeroAmount();
        uint8 dec = _decimals[asset];
        uint256 unit = TokenUnits.tokenPerInternal(dec);
        if (tokenAmount % unit != 0) revert AmountNotExact(tokenAmount, unit);
        IERC20 t = _tokens[asset];
        uint256 before = t.balanceOf(address(this));
        t.safeTransferFrom(msg.sender, address(this), tokenAmount);
        uint256 received = t.balanceOf(address(this)) - before;
        uint256 internalAmount;
        (internalAmount, dust) = TokenUnits.toInternal(received, dec);
        if (internalAmount == 0) revert ZeroAmount();
        if (internalAmount >= 1 << AMOUNT_BITS) revert AmountTooLarge(internalAmount);
        amount = uint64(internalAmount);
        _totalDeposited[asset] += received - dust;
    }

    // ------------------------------------------------------------------ forced requests (PROTOCOL §7.8)

    /// @notice The registered owner of `accountIndex` forces a withdrawal of `amount` internal units of `asset` to
    /// itself; a batch must serve it within the grace period or anyone may freeze the rollup.
    function forceWithdrawal(uint256 accountIndex, uint8 asset, uint64 amount) external payable nonReentrant whenLive {
        _checkAsset(asset);
        _checkAccountIndex(accountIndex);
        Account storage acc = _accounts[accountIndex];
        if (acc.owner != msg.sender) revert NotAccountOwner(accountIndex, msg.sender);
        if (amount == 0) revert ZeroAmount();
        if (amount >= 1 << AMOUNT_BITS) revert AmountTooLarge(amount);
        _fileForced(FORCED_KIND_WITHDRAWAL, accountIndex, acc, asset, amount);
    }

    /// @notice Anyone asks that `accountIndex` be proven healthy or liquidated by a batch within the grace period.
    function forceLiquidation(uint256 accountIndex) external payable nonReentrant whenLive {
        _checkAccountIndex(accountIndex);
        Account storage acc = _accounts[accountIndex];
        if (acc.owner == address(0)) revert AccountNotRegistered(accountIndex);
        _fileForced(FORCED_KIND_LIQUIDATION, accountIndex, acc, 0, 0);
    }

    function _fileForced(uint8 kind, uint256 accountIndex, Account storage acc, uint8 asset, uint64 amount) private {
        Params memory p = _params;
        if (msg.value < p.forcedRequestFee) revert InsufficientFee(msg.value, p.forcedRequestFee);
        if (_forcedBlockNumber != block.number) {
            _forcedBlockNumber = uint64(block.number);
            _forcedInBlock = 0;
        }
        if (_forcedInBlock >= p.maxForcedPerBlock) revert ForcedRequestCapReached(block.number);
        _forcedInBlock++;
        collectedFees += msg.value;
        uint256 id = _forcedHashes.length - 1;
        uint256 h = PublicInputs.forcedStep(
            _hashers,
            _forcedHashes[id],
            kind,
            accountIndex,
            acc.pubKeyX,
            acc.pubKeyY,
            asset,
            amount,
            msg.sender
        );
        _forcedHashes.push(h);
        _forcedBlocks.push(uint64(block.number));
        emit ForcedRequestFiled(id, kind, accountIndex, asset, amount, msg.sender, h);
    }

    // ------------------------------------------------------------------ batches (PROTOCOL §8, §9)

    /// @notice Settles one batch. Everything the proof is checked against comes from storage or from calldata
    /// checked here: the header against storage, the prices from a quorum of signed oracle reports, the effects by
    /// their on-chain hash. Effects are credited to `pending`, never transferred, so no token can block a batch.
    function submitBatch(
        BatchHeader calldata header,
        PriceReport[] calldata reports,
        L1Effect[] calldata effects,
        Groth16Proof calldata proof
    ) external whenLive {
        if (msg.sender != sequencer) revert NotSequencer(msg.sender);
        Progress memory p = _progress;
        PublicInputs.Fields memory f = _checkHeader(header, p);
        f.prices = OracleLib.medianPrices(reports, _domainSeparatorV4(), isOracleSigner, _lastPrices, _oracleRules());
        f.l1EffectsHash = _effectsHash(effects);
        uint256 pih = PublicInputs.publicInputHash(_hashers, f);
        if (!_verify(proof, pih)) revert InvalidProof();

        stateRoot = header.newRoot;
        _progress = Progress(header.batchNumber, header.batchTime, header.depositCount, header.forcedCount);
        for (uint256 m = 0; m < f.fundingNew.length; m++) _fundingIndices[m] = f.fundingNew[m];
        for (uint256 a = 0; a < f.prices.length; a++) _lastPrices[a] = uint64(f.prices[a]);
        for (uint256 i = 0; i < effects.length; i++) {
            L1Effect calldata e = effects[i];
            uint256 amount = TokenUnits.toToken(e.amount, _decimals[e.asset]);
            pending[e.l1Address][e.asset] += amount;
            _totalOwed[e.asset] += amount;
            emit Credited(e.l1Address, e.asset, amount, e.kind);
        }
        emit BatchSettled(header.batchNumber, f.oldRoot, header.newRoot, header.depositCount, header.forcedCount, pih);
    }

    function _checkHeader(BatchHeader calldata h, Progress memory p) private view returns (PublicInputs.Fields memory f) {
        if (h.batchNumber != p.batchNumber + 1) revert WrongBatchNumber(p.batchNumber + 1, h.batchNumber);
        if (h.oldRoot != stateRoot) revert StaleRoot(stateRoot, h.oldRoot);
        uint64 deposits = uint64(_depositHashes.length - 1);
        if (h.depositCount < p.consumedDeposits || h.depositCount > deposits) {
            revert DepositQueuePosition(p.consumedDeposits, h.depositCount, deposits);
        }
        uint64 forced = uint64(_forcedHashes.length - 1);
        if (h.forcedCount < p.consumedForced || h.forcedCount > forced) {
            revert ForcedQueuePosition(p.consumedForced, h.forcedCount, forced);
        }
        if (h.batchTime < p.lastBatchTime || h.batchTime > block.timestamp || h.batchTime >= 1 << TIME_BITS) {
            revert BatchTimeOutOfRange(h.batchTime, p.lastBatchTime, block.timestamp);
        }
        if (h.fundingIndices.length != marketCount) revert FundingIndexCount(h.fundingIndices.length, marketCount);
        f.chainId = block.chainid;
        f.contractAddress = uint256(uint160(address(this)));
        f.batchNumber = h.batchNumber;
        f.oldRoot = stateRoot;
        f.newRoot = h.newRoot;
        f.batchTime = h.batchTime;
        f.configHash = configHash;
        f.depositHashOld = _depositHashes[p.consumedDeposits];
        f.depositHashNew = _depositHashes[h.depositCount];
        f.forcedHashOld = _forcedHashes[p.consumedForced];
        f.forcedHashNew = _forcedHashes[h.forcedCount];
        f.fundingOld = _fundingIndices;
        f.fundingNew = h.fundingIndices;
    }

    function _effectsHash(L1Effect[] calldata effects) private view returns (uint256 h) {
        for (uint256 i = 0; i < effects.length; i++) {
            L1Effect calldata e = effects[i];
            bool kindOk = e.kind == EFFECT_WITHDRAWAL || e.kind == EFFECT_DEPOSIT_REFUND;
            if (!kindOk || e.asset > collateralCount || e.amount == 0 || e.amount >= 1 << AMOUNT_BITS) {
                revert InvalidEffect(i);
            }
            h = PublicInputs.l1EffectStep(_hashers, h, e.kind, e.l1Address, e.asset, e.amount);
        }
    }

    function _verify(Groth16Proof calldata proof, uint256 pih) private view returns (bool) {
        // A verifier that reverts (malformed points, out of gas in a precompile) rejects the proof like one that
        // returns false.
        try verifier.verifyProof(proof.a, proof.b, proof.c, [pih]) returns (bool ok) {
            return ok;
        } catch {
            return false;
        }
    }

    function _oracleRules() private view returns (OracleLib.Rules memory) {
        return
            OracleLib.Rules({
                markets: marketCount,
                collaterals: collateralCount,
                quorum: oracleQuorum,
                maxAge: _params.maxPriceAge,
                maxDeviationPpm: _params.maxPriceDeviationPpm
            });
    }

    // ------------------------------------------------------------------ payouts

    /// @notice Pays out everything owed to the caller in `asset` (batch withdrawals, refunds, reclaimed deposits).
    function withdraw(uint8 asset) external nonReentrant {
        _checkAsset(asset);
        uint256 amount = pending[msg.sender][asset];
        if (amount == 0) revert NothingToWithdraw(msg.sender, asset);
        pending[msg.sender][asset] = 0;
        _totalOwed[asset] -= amount;
        _totalPaid[asset] += amount;
        _tokens[asset].safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, asset, amount);
    }

    /// @notice Sends the forced-request fees collected so far to `to`.
    function sweepFees(address payable to) external onlyAdmin nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = collectedFees;
        if (amount == 0) revert NothingToSweep();
        collectedFees = 0;
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert EtherTransferFailed(to);
        emit FeesSwept(to, amount);
    }

    // ------------------------------------------------------------------ freeze and exit

    /// @notice Whether the rollup may be frozen now, and why: the oldest unserved forced request has waited the
    /// grace period, or the oldest unconsumed deposit the deposit timeout.
    function freezable() public view returns (FreezeReason reason, uint256 queuePosition) {
        Progress memory p = _progress;
        if (p.consumedForced < _forcedHashes.length - 1) {
            if (block.number >= uint256(_forcedBlocks[p.consumedForced]) + _params.gracePeriodBlocks) {
                return (FreezeReason.ForcedRequestOverdue, p.consumedForced);
            }
        }
        if (p.consumedDeposits < _depositHashes.length - 1) {
            if (block.number >= uint256(_depositBlocks[p.consumedDeposits]) + _params.depositTimeoutBlocks) {
                return (FreezeReason.DepositOverdue, p.consumedDeposits);
            }
        }
        return (FreezeReason.None, 0);
    }

    /// @notice Anyone freezes an operator that stopped serving the queues. A frozen rollup accepts no batch, no
    /// deposit and no forced request; owed tokens stay withdrawable and unconsumed deposits reclaimable.
    function freeze() external whenLive {
        (FreezeReason reason, uint256 position) = freezable();
        if (reason == FreezeReason.None) revert NotFreezable();
        frozen = true;
        emit Frozen(reason, position);
    }

    /// @notice After a freeze, returns an unconsumed deposit to its depositor's `pending` balance. The preimage is
    /// the one the Deposited event logged; it is checked against the stored queue hashes. Never possible while live:
    /// a later batch could still consume the deposit, and the depositor would be paid twice.
    function reclaimDeposit(
        uint256 depositId,
        address depositor,
        uint256 accountIndex,
        uint256 pubKeyX,
        uint256 pubKeyY,
        uint8 asset,
        uint64 amount
    ) external nonReentrant {
        if (!frozen) revert RollupNotFrozen();
        if (depositId < _progress.consumedDeposits || depositId >= _depositHashes.length - 1) {
            revert DepositNotReclaimable(depositId);
        }
        if (depositReclaimed[depositId]) revert DepositAlreadyReclaimed(depositId);
        _checkAsset(asset);
        uint256 h = PublicInputs.depositStep(
            _hashers,
            _depositHashes[depositId],
            depositor,
            accountIndex,
            pubKeyX,
            pubKeyY,
            asset,
            amount
        );
        if (h != _depositHashes[depositId + 1]) revert DepositPreimageMismatch(depositId);
        depositReclaimed[depositId] = true;
        uint256 tokens = TokenUnits.toToken(amount, _decimals[asset]);
        pending[depositor][asset] += tokens;
        _totalOwed[asset] += tokens;
        emit DepositReclaimed(depositId, depositor, asset, tokens);
    }

    // ------------------------------------------------------------------ admin changes behind the timelock

    /// @notice Queues a change; it becomes executable `timelockDelayBlocks` later, which is at least the exit
    /// window, so every user can leave (forced withdrawal or deposit timeout, then freeze) before it applies.
    function proposeChange(ChangeKind kind, bytes calldata data) external onlyAdmin returns (bytes32 id) {
        _validateChange(kind, data);
        id = keccak256(abi.encode(kind, data));
        if (changeReadyBlock[id] != 0) revert ChangeAlreadyProposed(id);
        uint256 ready = block.number + timelockDelayBlocks;
        changeReadyBlock[id] = ready;
        emit ChangeProposed(id, kind, data, ready);
    }

    function executeChange(ChangeKind kind, bytes calldata data) external onlyAdmin {
        bytes32 id = keccak256(abi.encode(kind, data));
        uint256 ready = changeReadyBlock[id];
        if (ready == 0) revert ChangeNotProposed(id);
        if (block.number < ready) revert ChangeNotReady(id, ready);
        delete changeReadyBlock[id];
        _validateChange(kind, data);
        if (kind == ChangeKind.Verifier) {
            verifier = IBatchVerifier(abi.decode(data, (address)));
        } else if (kind == ChangeKind.ConfigHash) {
            configHash = abi.decode(data, (uint256));
        } else if (kind == ChangeKind.OracleSigners) {
            (address[] memory signers, uint8 quorum) = abi.decode(data, (address[], uint8));
            for (uint256 i = 0; i < _oracleSigners.length; i++) isOracleSigner[_oracleSigners[i]] = false;
            delete _oracleSigners;
            _setOracle(signers, quorum);
        } else if (kind == ChangeKind.Params) {
            _params = abi.decode(data, (Params));
        } else if (kind == ChangeKind.Sequencer) {
            sequencer = abi.decode(data, (address));
        } else {
            admin = abi.decode(data, (address));
        }
        emit ChangeExecuted(id, kind, data);
    }

    function cancelChange(bytes32 id) external onlyAdmin {
        if (changeReadyBlock[id] == 0) revert ChangeNotProposed(id);
        delete changeReadyBlock[id];
        emit ChangeCancelled(id);
    }

    function _validateChange(ChangeKind kind, bytes calldata data) private view {
        if (kind == ChangeKind.Verifier) {
            _checkVerifier(abi.decode(data, (address)));
        } else if (kind == ChangeKind.ConfigHash) {
            _checkField(abi.decode(data, (uint256)));
        } else if (kind == ChangeKind.OracleSigners) {
            (address[] memory signers, uint8 quorum) = abi.decode(data, (address[], uint8));
            _checkOracle(signers, quorum);
        } else if (kind == ChangeKind.Params) {
            _checkParams(abi.decode(data, (Params)));
        } else {
            if (abi.decode(data, (address)) == address(0)) revert ZeroAddress();
        }
    }

    // ------------------------------------------------------------------ checks

    function _checkAsset(uint256 asset) private view {
        if (asset > collateralCount) revert UnknownAsset(asset);
    }

    function _checkAccountIndex(uint256 accountIndex) private view {
        if (accountIndex >> accountDepth != 0) revert AccountIndexOutOfRange(accountIndex);
    }

    function _checkField(uint256 x) private pure {
        if (x >= PublicInputs.FIELD_MODULUS) revert NotAFieldElement(x);
    }

    function _checkKey(uint256 x, uint256 y) private pure {
        // (0, 0) is PROTOCOL §4.1's "unregistered" marker, not a key.
        if (x == 0 && y == 0) revert ZeroPublicKey();
        _checkField(x);
        _checkField(y);
        if (!BabyJubKey.isValid(x, y)) revert InvalidPublicKey(x, y);
    }

    function _checkVerifier(address v) private view {
        if (v.code.length == 0) revert NotAContract(v);
    }

    function _requireHasher(uint256 fields) private view {
        uint256 first = fields < PoseidonHasher.CHAIN_CHUNK ? fields : PoseidonHasher.CHAIN_CHUNK;
        if (_hashers[first + 1].code.length == 0) revert NotAContract(_hashers[first + 1]);
        for (uint256 start = PoseidonHasher.CHAIN_CHUNK; start < fields; start += PoseidonHasher.CHAIN_CHUNK) {
            uint256 m = fields - start < PoseidonHasher.CHAIN_CHUNK ? fields - start : PoseidonHasher.CHAIN_CHUNK;
            if (_hashers[m + 1].code.length == 0) revert NotAContract(_hashers[m + 1]);
        }
    }

    function _checkOracle(address[] memory signers, uint8 quorum) private pure {
        if (quorum == 0 || quorum > signers.length) revert InvalidQuorum(quorum, signers.length);
        for (uint256 i = 0; i < signers.length; i++) {
            if (signers[i] == address(0)) revert ZeroAddress();
            for (uint256 j = 0; j < i; j++) if (signers[j] == signers[i]) revert DuplicateOracleSigner(signers[i]);
        }
    }

    function _setOracle(address[] memory signers, uint8 quorum) private {
        _checkOracle(signers, quorum);
        for (uint256 i = 0; i < signers.length; i++) {
            _oracleSigners.push(signers[i]);
            isOracleSigner[signers[i]] = true;
        }
        oracleQuorum = quorum;
    }

    function _checkParams(Params memory p) private view {
        if (p.depositTimeoutBlocks == 0) revert InvalidParams("depositTimeoutBlocks");
        if (p.gracePeriodBlocks == 0) revert InvalidParams("gracePeriodBlocks");
        if (p.maxForcedPerBlock == 0) revert InvalidParams("maxForcedPerBlock");
        if (p.maxPriceAge == 0) revert InvalidParams("maxPriceAge");
        if (p.maxPriceDeviationPpm == 0) revert InvalidParams("maxPriceDeviationPpm");
        // A user must be able to see a change coming and leave before it applies: a deposit in flight is consumed
        // or times out, then a forced withdrawal is served or its grace period ends (both freeze the rollup).
        uint256 exitWindow = uint256(p.depositTimeoutBlocks) + p.gracePeriodBlocks;
        if (timelockDelayBlocks < exitWindow) revert TimelockShorterThanExitWindow(timelockDelayBlocks, exitWindow);
    }

    // ------------------------------------------------------------------ views

    function params() external view returns (Params memory) {
        return _params;
    }

    function batchNumber() external view returns (uint64) {
        return _progress.batchNumber;
    }

    function lastBatchTime() external view returns (uint64) {
        return _progress.lastBatchTime;
    }

    function consumedDeposits() external view returns (uint64) {
        return _progress.consumedDeposits;
    }

    function consumedForced() external view returns (uint64) {
        return _progress.consumedForced;
    }

    function depositCount() external view returns (uint256) {
        return _depositHashes.length - 1;
    }

    function forcedCount() external view returns (uint256) {
        return _forcedHashes.length - 1;
    }

    /// The deposit queue's rolling hash after `position` deposits.
    function depositHashAt(uint256 position) external view returns (uint256) {
        return _depositHashes[position];
    }

    function forcedHashAt(uint256 position) external view returns (uint256) {
        return _forcedHashes[position];
    }

    function depositBlock(uint256 depositId) external view returns (uint64) {
        return _depositBlocks[depositId];
    }

    function forcedBlock(uint256 requestId) external view returns (uint64) {
        return _forcedBlocks[requestId];
    }

    function accounts(uint256 accountIndex) external view returns (Account memory) {
        return _accounts[accountIndex];
    }

    function fundingIndices() external view returns (int64[] memory) {
        return _fundingIndices;
    }

    /// Last settled prices: markets, then collateral assets.
    function lastPrices() external view returns (uint64[] memory) {
        return _lastPrices;
    }

    function oracleSigners() external view returns (address[] memory) {
        return _oracleSigners;
    }

    function token(uint8 asset) external view returns (IERC20) {
        return _tokens[asset];
    }

    function tokenDecimals(uint8 asset) external view returns (uint8) {
        return _decimals[asset];
    }

    function hasher(uint256 inputs) external view returns (address) {
        return _hashers[inputs];
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// Token units per asset: received by deposits, owed (credited, not yet withdrawn), paid out. The contract's
    /// balance covers deposited − paid, and owed ≤ balance, unless a proof credited more than was deposited.
    function assetTotals(uint8 asset) external view returns (uint256 deposited, uint256 owed, uint256 paid) {
        return (_totalDeposited[asset], _totalOwed[asset], _totalPaid[asset]);
    }
}
