pragma circom 2.2.0;

// OpSlot(accountDepth, orderDepth, M, C, T) — one op of a batch (PROTOCOL §7), whatever its opcode: the generic slot
// of the batch circuit. It reads two account ports and two order ports, settles funding of the touched accounts,
// computes every opcode's effect and rules once (each gated by its opcode selector), writes the ports in the order
// protocol/batch.ts does (A, then B, then fee income to the fund register), and advances the three rolling hashes.
//
// Which ports an opcode uses (port A = index[0], port B = index[1]; "order k" is the order of account port k):
//   opcode                    port A (read/written)      port B       orders / signatures      hashes
//   NOOP                      —                          —            —                        —
//   DEPOSIT                   account (iff credited)     —            —                        deposit; refund → L1
//   WITHDRAW                  account                    —            sig A on the withdrawal  L1 effect
//   TRADE                     maker                      taker        order + sig A and B      —
//   LIQUIDATE                 liquidated L               liquidator K order + sig B iff K signs forced iff servesForced
//   DELEVERAGE                bankrupt A                 counterparty —                        —
//   FUNDING_SETTLE            account                    —            —                        —
//   FORCED_WITHDRAW           account (iff executed)     —            —                        forced; L1 iff executed
//   FORCED_LIQUIDATION_CHECK  account (read only)        —            —                        forced
// A port names index 0 → it reads and writes the insurance-fund register instead of a leaf [I13].
//
// Signals (batch-wide inputs are range-checked or validated once by BatchMain):
//   input  chainId {Uint64}, contract {Uint160}, batchTime {Uint40}
//   input  marketPrices[M], collateralPrices[C] {Uint56, > 0}; fundingIndices[M] {Int64} (the batch's new indices)
//   input  tierStart[M][T] {Uint120}, imr[M][T] {Rate}, mmr[M][T] {Rate}, liquidationFee[M] {Rate}, haircut[C] {Rate}
//   input  rootIn {Field}, depositHashIn {Field}, forcedHashIn {Field}, l1EffectsHashIn {Field}   threaded state
//   input  fundIn {AccountFields(M, C)}   the insurance-fund register
//   input  op {SlotInput}                 the slot's own fields (every one range-checked here where it matters)
//   output rootOut {Field}, depositHashOut {Field}, forcedHashOut {Field}, l1EffectsHashOut {Field}
//   output fundOut {AccountFields(M, C)}
// NOTE: every op-specific signal an opcode does not use is 0 in honest witnesses; the circuit needs no such
//       convention for soundness — unused values only meet constraints multiplied by a zero selector, or range
//       checks that 0 passes — but a prover that deviates only makes its own witness fail.
// Cost: test 32,269, dev 43,317, prod 64,413 — account paths 30 %, margins 20 %, order ports 18 %, signatures 13 %
// at prod (circuits/tooling/batchCosts.ts; docs/CIRCUITS.md, "Batch circuit").
// NOTE: settled quotes enter AccountMargin, whose shown TV must be Int126: an account whose unsettled funding is
//       beyond ±2^124 Value units (≈ 2·10^21 USD) cannot be touched by any op (the model would still compute its
//       margin). Unreachable for real markets; noted in docs/CIRCUITS.md.
include "../../node_modules/circomlib/circuits/comparators.circom";
include "../lib/constants.circom";
include "../lib/uint_range.circom";
include "../lib/int_range.circom";
include "../lib/abs.circom";
include "../lib/hash_tagged.circom";
include "../lib/settle_funding.circom";
include "../lib/account_margin.circom";
include "buses.circom";
include "one_hot.circom";
include "stored_account_leaf.circom";
include "order_port.circom";
include "signature_check.circom";
include "op_effects.circom";
include "port_margin_rules.circom";
include "port_write.circom";
include "../ops/deposit.circom";
include "../ops/withdraw.circom";
include "../ops/trade.circom";
include "../ops/liquidate.circom";
include "../ops/deleverage.circom";
include "../ops/funding_settle.circom";
include "../ops/forced_withdraw.circom";
include "../ops/forced_liquidation_check.circom";

template OpSlot(accountDepth, orderDepth, M, C, T) {
    // Batch-wide (BatchMain checks them once).
    signal input chainId;
    signal input contract;
    signal input batchTime;
    signal input marketPrices[M];
    signal input collateralPrices[C];
    signal input fundingIndices[M];
    signal input tierStart[M][T];
    signal input imr[M][T];
    signal input mmr[M][T];
    signal input liquidationFee[M];
    signal input haircut[C];
    // Threaded state.
    signal input rootIn;
    signal input depositHashIn;
    signal input forcedHashIn;
    signal input l1EffectsHashIn;
    input AccountFields(M, C) fundIn;
    input SlotInput(accountDepth, orderDepth, M, C) op;
    signal output rootOut;
    signal output depositHashOut;
    signal output forcedHashOut;
    signal output l1EffectsHashOut;
    output AccountFields(M, C) fundOut;

    // ---- Opcode: an unknown value has no witness.
    component opcode = OneHot(9);
    opcode.in <== op.opcode; // OUT_OF_RANGE (unknown opcode)
    signal sel[9];
    sel <== opcode.out;
    var FILL_OP = sel[OP_TRADE()] + sel[OP_LIQUIDATE()] + sel[OP_DELEVERAGE()];
    signal active[2];
    active[0] <== 1 - sel[OP_NOOP()];
    active[1] <== FILL_OP;

    // ---- Slot fields: ranges of PROTOCOL §2 (the model's check* calls). Fields that only enter the forced hash for a
    // LIQUIDATE or FORCED_LIQUIDATION_CHECK come from the contract's queue, which files asset = amount = 0 and an
    // address, so checking them for every opcode rejects nothing the contract can produce.
    component fillRange = UintRange(AMOUNT_BITS());
    fillRange.in <== op.fill; // OUT_OF_RANGE (fill)
    component priceRange = UintRange(PRICE_BITS());
    priceRange.in <== op.price; // OUT_OF_RANGE (price)
    component amountRange = UintRange(AMOUNT_BITS());
    amountRange.in <== op.amount; // OUT_OF_RANGE (amount)
    component addressRange = UintRange(ADDRESS_BITS());
    addressRange.in <== op.l1Address; // OUT_OF_RANGE (l1Address)
    // Fees and penalties: checkCharge, Uint(QUOTE_BITS − 1).
    component feeARange = UintRange(QUOTE_BITS() - 1);
    feeARange.in <== op.feeA; // OUT_OF_RANGE (feeA)
    component feeBRange = UintRange(QUOTE_BITS() - 1);
    feeBRange.in <== op.feeB; // OUT_OF_RANGE (feeB)
    component penaltyRange = UintRange(QUOTE_BITS() - 1);
    penaltyRange.in <== op.penalty; // OUT_OF_RANGE (penalty)
    // Range checks only: the bits are not needed.
    _ <== fillRange.bits;
    _ <== priceRange.bits;
    _ <== amountRange.bits;
    _ <== addressRange.bits;
    _ <== feeARange.bits;
    _ <== feeBRange.bits;
    _ <== penaltyRange.bits;
    component fillZero = IsZero();
    fillZero.in <== op.fill;
    component priceZero = IsZero();
    priceZero.in <== op.price;
    component amountZero = IsZero();
    amountZero.in <== op.amount;
    // UNKNOWN_MARKET, UNKNOWN_ASSET: market < M, asset ≤ C (0 = quote).
    component market = OneHot(M);
    market.in <== op.market; // UNKNOWN_MARKET
    component asset = OneHot(C + 1);
    asset.in <== op.asset; // UNKNOWN_ASSET

    // ---- Account ports: read, settle funding (PROTOCOL §7: every touched account first), margin before.
    component beforeLeaf[2];
    component isFund[2];
    signal fundPort[2];
    component keyXZero[2];
    component keyYZero[2];
    signal unregistered[2];
    signal registered[2];
    component settle[2];
    component marginBefore[2];
    signal sizeAtTerm[2][M];
    signal sizeAt[2];
    component position[2];
    for (var k = 0; k < 2; k++) {
        beforeLeaf[k] = StoredAccountLeaf(M, C);
        beforeLeaf[k].acct <== op.before[k];
        isFund[k] = IsZero();
        isFund[k].in <== op.index[k];
        fundPort[k] <== active[k] * isFund[k].out;
        // Registered ⇔ (pubKeyX, pubKeyY) ≠ (0, 0) (PROTOCOL §4.1).
        keyXZero[k] = IsZero();
        keyXZero[k].in <== op.before[k].pubKeyX;
        keyYZero[k] = IsZero();
        keyYZero[k].in <== op.before[k].pubKeyY;
        unregistered[k] <== keyXZero[k].out * keyYZero[k].out;
        registered[k] <== 1 - unregistered[k];

        settle[k] = SettleFunding(M);
        settle[k].quote <== op.before[k].quote;
        settle[k].sizes <== op.before[k].sizes;
        settle[k].fundingIndices <== op.before[k].fundingIndices;
        settle[k].indices <== fundingIndices;

        marginBefore[k] = AccountMargin(M, C, T);
        marginBefore[k].quote <== settle[k].newQuote;
        marginBefore[k].balances <== op.before[k].balances;
        marginBefore[k].sizes <== op.before[k].sizes;
        marginBefore[k].marketPrices <== marketPrices;
        marginBefore[k].collateralPrices <== collateralPrices;
        marginBefore[k].tierStart <== tierStart;
        marginBefore[k].imr <== imr;
        marginBefore[k].mmr <== mmr;
        marginBefore[k].haircut <== haircut;
        // SettleFunding's new indices are the batch's (PortWrite takes them directly); tiers and the shown IM of the
        // settled account decide nothing (the rules use TVs, MMs, TV, MM and the flags); port B's TVs, healthy,
        // liquidatable and bankrupt are unused (only port A's decide LIQUIDATE, DELEVERAGE and health proofs).
        _ <== settle[k].newFundingIndices;
        _ <== marginBefore[k].tier;
        _ <== marginBefore[k].im;
        _ <== marginBefore[k].imS;
        _ <== marginBefore[k].mmS;
        _ <== marginBefore[k].healthy;
        if (k == 1) {
            _ <== marginBefore[k].tvS;
            _ <== marginBefore[k].liquidatable;
            _ <== marginBefore[k].bankrupt;
        }

        // The position at the op's market (settlement leaves sizes unchanged).
        var s = 0;
        for (var m = 0; m < M; m++) {
            sizeAtTerm[k][m] <== market.out[m] * op.before[k].sizes[m];
            s += sizeAtTerm[k][m];
        }
        sizeAt[k] <== s;
        position[k] = Abs(SIZE_BITS());
        position[k].in <== sizeAt[k];
    }
    component sameIndex = IsEqual();
    sameIndex.in[0] <== op.index[0];
    sameIndex.in[1] <== op.index[1];

    // ---- Facts about port A and the L1-facing fields.
    component keyXMatch = IsEqual();
    keyXMatch.in[0] <== op.before[0].pubKeyX;
    keyXMatch.in[1] <== op.pubKeyX;
    component keyYMatch = IsEqual();
    keyYMatch.in[0] <== op.before[0].pubKeyY;
    keyYMatch.in[1] <== op.pubKeyY;
    signal keyMatch;
    keyMatch <== keyXMatch.out * keyYMatch.out;
    component opKeyXZero = IsZero();
    opKeyXZero.in <== op.pubKeyX;
    component opKeyYZero = IsZero();
    opKeyYZero.in <== op.pubKeyY;
    signal opKeyZero;
    opKeyZero <== opKeyXZero.out * opKeyYZero.out;
    component nonceMatch = IsEqual();
    nonceMatch.in[0] <== op.nonce;
    nonceMatch.in[1] <== op.before[0].nonce;
    // The stored balance of the op's asset (0 for the quote asset).
    signal balanceTerm[C];
    var selected = 0;
    for (var c = 0; c < C; c++) {
        balanceTerm[c] <== asset.out[c + 1] * op.before[0].balances[c];
        selected += balanceTerm[c];
    }
    signal selectedBalance;
    selectedBalance <== selected;
    // Does the settled balance cover a debit of `amount`? Quote: settled − amount·10^8 ≥ 0, Int135 (settled quote
    // Int134 by SettleFunding's budget, amount·10^8 < 2^90); collateral: balance − amount ∈ (−2^63, 2^64), Int66.
    component quoteLeft = IntRange(QUOTE_BITS() + 39);
    quoteLeft.in <== settle[0].newQuote - op.amount * AMOUNT_SCALE();
    component balanceLeft = IntRange(BALANCE_BITS() + 2);
    balanceLeft.in <== selectedBalance - op.amount;
    signal sufficient;
    sufficient <== asset.out[0] * (balanceLeft.neg - quoteLeft.neg) + 1 - balanceLeft.neg;

    // ---- Order ports. Port B's order pays feeB in a TRADE and no fee as a liquidator's order.
    signal orderUsed[2];
    orderUsed[0] <== sel[OP_TRADE()];
    orderUsed[1] <== sel[OP_TRADE()] + op.liquidatorHasOrder;
    signal orderFee[2];
    orderFee[0] <== op.feeA;
    orderFee[1] <== sel[OP_TRADE()] * op.feeB;
    component order[2];
    for (var k = 0; k < 2; k++) {
        order[k] = OrderPort(orderDepth);
        order[k].used <== orderUsed[k];
        order[k].accountIndex <== op.index[k];
        order[k].chainId <== chainId;
        order[k].contract <== contract;
        order[k].market <== op.market;
        order[k].fill <== op.fill;
        order[k].price <== op.price;
        order[k].fee <== orderFee[k];
        order[k].batchTime <== batchTime;
        order[k].order <== op.order[k];
        order[k].slotNonce <== op.slotNonce[k];
        order[k].slotFilled <== op.slotFilled[k];
        order[k].slotSiblings <== op.slotSiblings[k];
        order[k].ordersRoot <== op.before[k].ordersRoot;
    }

    // ---- Signatures (PROTOCOL §6), enabled by the opcode: A signs a withdrawal or the maker order, B the taker or
    // liquidator order.
    component withdrawal = HashTagged(DOMAIN_WITHDRAW(), 7);
    withdrawal.in[0] <== chainId;
    withdrawal.in[1] <== contract;
    withdrawal.in[2] <== op.index[0];
    withdrawal.in[3] <== op.asset;
    withdrawal.in[4] <== op.amount;
    withdrawal.in[5] <== op.l1Address;
    withdrawal.in[6] <== op.nonce;
    signal withdrawalTerm;
    withdrawalTerm <== sel[OP_WITHDRAW()] * withdrawal.out;
    signal makerTerm;
    makerTerm <== sel[OP_TRADE()] * order[0].message;
    signal sigEnabled[2];
    sigEnabled[0] <== sel[OP_WITHDRAW()] + sel[OP_TRADE()];
    sigEnabled[1] <== orderUsed[1];
    signal message[2];
    message[0] <== withdrawalTerm + makerTerm;
    message[1] <== order[1].message;
    component signature[2];
    for (var k = 0; k < 2; k++) {
        signature[k] = SignatureCheck();
        signature[k].enabled <== sigEnabled[k];
        signature[k].Ax <== op.before[k].pubKeyX;
        signature[k].Ay <== op.before[k].pubKeyY;
        signature[k].R8x <== op.sig[k].R8x;
        signature[k].R8y <== op.sig[k].R8y;
        signature[k].S <== op.sig[k].S;
        signature[k].M <== message[k];
    }

    // ---- Effects and the proposed state's margin.
    component effects = OpEffects(M, C);
    effects.sel <== sel;
    effects.fill <== op.fill;
    effects.price <== op.price;
    effects.amount <== op.amount;
    effects.feeA <== op.feeA;
    effects.feeB <== op.feeB;
    effects.penalty <== op.penalty;
    effects.marketSel <== market.out;
    effects.assetSel <== asset.out;
    effects.isBuyA <== op.order[0].isBuy;
    effects.negA <== position[0].neg;
    effects.fundPort <== fundPort;
    effects.sufficient <== sufficient;

    signal proposedQuote[2];
    signal proposedBalances[2][C];
    signal proposedSizes[2][M];
    component marginAfter[2];
    component rules[2];
    for (var k = 0; k < 2; k++) {
        proposedQuote[k] <== settle[k].newQuote + effects.dQuote[k];
        for (var c = 0; c < C; c++) {
            if (k == 0) proposedBalances[k][c] <== op.before[k].balances[c] + effects.dBal[c];
            else proposedBalances[k][c] <== op.before[k].balances[c];
        }
        for (var m = 0; m < M; m++) proposedSizes[k][m] <== op.before[k].sizes[m] + effects.dSize[k][m];

        marginAfter[k] = AccountMargin(M, C, T);
        marginAfter[k].quote <== proposedQuote[k];
        marginAfter[k].balances <== proposedBalances[k];
        marginAfter[k].sizes <== proposedSizes[k];
        marginAfter[k].marketPrices <== marketPrices;
        marginAfter[k].collateralPrices <== collateralPrices;
        marginAfter[k].tierStart <== tierStart;
        marginAfter[k].imr <== imr;
        marginAfter[k].mmr <== mmr;
        marginAfter[k].haircut <== haircut;
        // The proposed state's rules need TVs, IMs, TV, MM and `healthy` only.
        _ <== marginAfter[k].tier;
        _ <== marginAfter[k].im;
        _ <== marginAfter[k].mmS;
        _ <== marginAfter[k].liquidatable;
        _ <== marginAfter[k].bankrupt;

        rules[k] = PortMarginRules();
        rules[k].absBefore <== position[k].out;
        rules[k].negBefore <== position[k].neg;
        rules[k].sizeAfter <== sizeAt[k] + (1 - 2 * k) * effects.deltaA;
        rules[k].tvBefore <== marginBefore[k].tv;
        rules[k].mmBefore <== marginBefore[k].mm;
        rules[k].tvSAfter <== marginAfter[k].tvS;
        rules[k].imSAfter <== marginAfter[k].imS;
        rules[k].tvAfter <== marginAfter[k].tv;
        rules[k].mmAfter <== marginAfter[k].mm;
        rules[k].healthyAfter <== marginAfter[k].healthy;
    }

    // ---- The rules of each opcode (circuits/ops), each gated by its selector.
    component deposit = DepositOp();
    deposit.sel <== sel[OP_DEPOSIT()];
    deposit.registered <== registered[0];
    deposit.keyMatch <== keyMatch;
    deposit.opKeyZero <== opKeyZero;
    deposit.amountZero <== amountZero.out;
    deposit.proposedQuote <== proposedQuote[0];
    deposit.selectedBalance <== selectedBalance;
    deposit.amount <== op.amount;

    component withdraw = WithdrawOp();
    withdraw.sel <== sel[OP_WITHDRAW()];
    withdraw.registered <== registered[0];
    withdraw.amountZero <== amountZero.out;
    withdraw.nonceMatch <== nonceMatch.out;
    withdraw.sufficient <== sufficient;
    withdraw.imOk <== rules[0].imOk;

    // Port B is never the subject of TVs' ≥ IMs' (withdrawals) or the health-ratio rule (liquidations) alone.
    _ <== rules[1].imOk;
    _ <== rules[1].hrnd;

    component trade = TradeOp();
    trade.sel <== sel[OP_TRADE()];
    trade.registered <== registered;
    trade.sameIndex <== sameIndex.out;
    trade.fillZero <== fillZero.out;
    trade.priceZero <== priceZero.out;
    for (var k = 0; k < 2; k++) {
        trade.isBuy[k] <== op.order[k].isBuy;
        trade.reduceOnly[k] <== order[k].reduceOnly;
        trade.riskIncreasing[k] <== rules[k].riskIncreasing;
        trade.fillOk[k] <== rules[k].fillOk;
    }

    // P[m] and liquidationFee[m] at the op's market.
    signal markTerm[M];
    signal feeTerm[M];
    var mark = 0;
    var fee = 0;
    for (var m = 0; m < M; m++) {
        markTerm[m] <== market.out[m] * marketPrices[m];
        feeTerm[m] <== market.out[m] * liquidationFee[m];
        mark += markTerm[m];
        fee += feeTerm[m];
    }
    component liquidate = LiquidateOp();
    liquidate.sel <== sel[OP_LIQUIDATE()];
    liquidate.hasOrder <== op.liquidatorHasOrder;
    liquidate.servesForced <== op.servesForced;
    liquidate.isFund[0] <== isFund[0].out;
    liquidate.isFund[1] <== isFund[1].out;
    liquidate.registered <== registered;
    liquidate.sameIndex <== sameIndex.out;
    liquidate.fillZero <== fillZero.out;
    liquidate.priceZero <== priceZero.out;
    liquidate.liquidatable <== marginBefore[0].liquidatable;
    liquidate.absL <== position[0].out;
    liquidate.negL <== position[0].neg;
    liquidate.fill <== op.fill;
    liquidate.isBuyK <== op.order[1].isBuy;
    liquidate.markPrice <== mark;
    liquidate.liquidationFee <== fee;
    liquidate.penalty <== op.penalty;
    liquidate.hrndL <== rules[0].hrnd;
    liquidate.fillOkK <== rules[1].fillOk;
    liquidate.reduceOnlyK <== order[1].reduceOnly;
    liquidate.riskIncreasingK <== rules[1].riskIncreasing;

    component deleverage = DeleverageOp();
    deleverage.sel <== sel[OP_DELEVERAGE()];
    deleverage.isFund[0] <== isFund[0].out;
    deleverage.isFund[1] <== isFund[1].out;
    deleverage.registered <== registered;
    deleverage.sameIndex <== sameIndex.out;
    deleverage.fillZero <== fillZero.out;
    deleverage.priceZero <== priceZero.out;
    deleverage.bankrupt <== marginBefore[0].bankrupt;
    deleverage.tvS <== marginBefore[0].tvS;
    deleverage.tvSAfter <== marginAfter[0].tvS;
    deleverage.fundQuote <== fundIn.quote;
    deleverage.absA <== position[0].out;
    deleverage.negA <== position[0].neg;
    deleverage.absB <== position[1].out;
    deleverage.negB <== position[1].neg;
    deleverage.fill <== op.fill;
    deleverage.fillOkB <== rules[1].fillOk;

    component fundingSettle = FundingSettleOp();
    fundingSettle.sel <== sel[OP_FUNDING_SETTLE()];
    fundingSettle.registered <== registered[0];

    component forcedWithdraw = ForcedWithdrawOp();
    forcedWithdraw.sel <== sel[OP_FORCED_WITHDRAW()];
    forcedWithdraw.registered <== registered[0];
    forcedWithdraw.keyMatch <== keyMatch;
    forcedWithdraw.amountZero <== amountZero.out;
    forcedWithdraw.sufficient <== sufficient;
    forcedWithdraw.imOk <== rules[0].imOk;

    component forcedCheck = ForcedLiquidationCheckOp();
    forcedCheck.sel <== sel[OP_FORCED_LIQUIDATION_CHECK()];
    forcedCheck.liquidatable <== marginBefore[0].liquidatable;

    // ---- Writes: A, then B (whose path is taken in the tree after A's write), then fee income to the register.
    signal written[2];
    written[0] <== deposit.credited + sel[OP_WITHDRAW()] + FILL_OP + sel[OP_FUNDING_SETTLE()] + forcedWithdraw.executed;
    written[1] <== FILL_OP;
    signal setSalt;
    setSalt <== sel[OP_DEPOSIT()] * unregistered[0];
    component port[2];
    for (var k = 0; k < 2; k++) {
        port[k] = PortWrite(accountDepth, M, C);
        port[k].active <== active[k];
        port[k].fundPort <== fundPort[k];
        port[k].written <== written[k];
        port[k].index <== op.index[k];
        port[k].before <== op.before[k];
        port[k].beforeHash <== beforeLeaf[k].out;
        port[k].siblings <== op.siblings[k];
        port[k].quote <== proposedQuote[k];
        port[k].balances <== proposedBalances[k];
        port[k].sizes <== proposedSizes[k];
        port[k].ordersRoot <== order[k].ordersRootAfter;
        port[k].pubKeyX <== op.pubKeyX;
        port[k].pubKeyY <== op.pubKeyY;
        port[k].salt <== op.salt;
        port[k].fundingIndices <== fundingIndices;
        if (k == 0) {
            port[k].setKey <== sel[OP_DEPOSIT()];
            port[k].setSalt <== setSalt;
            port[k].incNonce <== sel[OP_WITHDRAW()];
            port[k].rootIn <== rootIn;
            port[k].regIn <== fundIn;
        } else {
            port[k].setKey <== 0;
            port[k].setSalt <== 0;
            port[k].incNonce <== 0;
            port[k].rootIn <== port[0].rootOut;
            port[k].regIn <== port[0].regOut;
        }
    }
    rootOut <== port[1].rootOut;

    // Fee income when the fund is not a party; the register's quote stays Int96 after every op [I11].
    fundOut.pubKeyX <== port[1].regOut.pubKeyX;
    fundOut.pubKeyY <== port[1].regOut.pubKeyY;
    fundOut.nonce <== port[1].regOut.nonce;
    fundOut.salt <== port[1].regOut.salt;
    fundOut.ordersRoot <== port[1].regOut.ordersRoot;
    fundOut.quote <== port[1].regOut.quote + effects.fundIncome;
    fundOut.balances <== port[1].regOut.balances;
    fundOut.sizes <== port[1].regOut.sizes;
    fundOut.fundingIndices <== port[1].regOut.fundingIndices;
    component fundQuoteRange = IntRange(QUOTE_BITS());
    fundQuoteRange.in <== fundOut.quote; // OUT_OF_RANGE (fund quote)
    _ <== fundQuoteRange.neg;

    // ---- Rolling hashes (PROTOCOL §7.1, §7.8, §8), computed every slot and advanced by selector.
    component depositStep = HashTagged(DOMAIN_DEPOSIT(), 7);
    depositStep.in[0] <== depositHashIn;
    depositStep.in[1] <== op.l1Address;
    depositStep.in[2] <== op.index[0];
    depositStep.in[3] <== op.pubKeyX;
    depositStep.in[4] <== op.pubKeyY;
    depositStep.in[5] <== op.asset;
    depositStep.in[6] <== op.amount;
    depositHashOut <== depositHashIn + sel[OP_DEPOSIT()] * (depositStep.out - depositHashIn);

    // The request kind is fixed by the opcode: FORCED_WITHDRAW serves withdrawals, the other two liquidations.
    var forcedKind = FORCED_KIND_LIQUIDATION() + sel[OP_FORCED_WITHDRAW()] * (FORCED_KIND_WITHDRAWAL() - FORCED_KIND_LIQUIDATION());
    component forcedStep = HashTagged(DOMAIN_FORCED(), 8);
    forcedStep.in[0] <== forcedHashIn;
    forcedStep.in[1] <== forcedKind;
    forcedStep.in[2] <== op.index[0];
    forcedStep.in[3] <== op.pubKeyX;
    forcedStep.in[4] <== op.pubKeyY;
    forcedStep.in[5] <== op.asset;
    forcedStep.in[6] <== op.amount;
    forcedStep.in[7] <== op.l1Address;
    signal forcedAdvance;
    forcedAdvance <== sel[OP_FORCED_WITHDRAW()] + sel[OP_FORCED_LIQUIDATION_CHECK()] + op.servesForced;
    forcedHashOut <== forcedHashIn + forcedAdvance * (forcedStep.out - forcedHashIn);

    // An L1 effect: an executed (forced) withdrawal, or a deposit refund.
    var effectKind = EFFECT_WITHDRAWAL() + sel[OP_DEPOSIT()] * (EFFECT_DEPOSIT_REFUND() - EFFECT_WITHDRAWAL());
    component effectStep = HashTagged(DOMAIN_L1_EFFECT(), 5);
    effectStep.in[0] <== l1EffectsHashIn;
    effectStep.in[1] <== effectKind;
    effectStep.in[2] <== op.l1Address;
    effectStep.in[3] <== op.asset;
    effectStep.in[4] <== op.amount;
    signal effect;
    effect <== sel[OP_WITHDRAW()] + forcedWithdraw.executed + deposit.refund;
    l1EffectsHashOut <== l1EffectsHashIn + effect * (effectStep.out - l1EffectsHashIn);
}
