pragma circom 2.2.0;

// OpEffects(M, C) — what every opcode changes in its accounts (PROTOCOL §7), as deltas on the settled state of the two
// account ports and on the insurance-fund register; the op templates in circuits/ops decide WHETHER the op is allowed
// and whether its change is written (a refunded deposit, a rejected forced withdrawal write nothing).
//
// Why effects are not computed inside each op template: the rules of most ops depend on the margin of the proposed
// state (R(acct), TVs' ≥ IMs', the health ratio), and circom runs a component only once all its inputs are known, so
// a template cannot both produce a state and consume that state's margin. The effects are therefore this one table,
// evaluated first; the proposed state's margin is computed once per port in the slot; the op templates then see it.
//
//   DEPOSIT (A)            quote += amount·10^8 if asset = 0, else balance[asset−1] += amount
//   WITHDRAW, FORCED_W (A) the same debit, when the balance covers it (`sufficient`; otherwise the op is rejected,
//                          and the proposed state stays in range for the margin of a rejected forced withdrawal)
//   TRADE                  buyer size += fill, quote −= fill·price + fee; seller size −= fill, quote += fill·price − fee;
//                          fees to the insurance fund (on the fund's port copy when it is a party: protocol trade.ts
//                          credits the party's own after-state, before its margin rule)
//   LIQUIDATE (A = L, B = K) L reduces: sells if long, buys if short; quote ∓= fill·price; L pays the penalty to K
//   DELEVERAGE (A, B)      A reduces as in LIQUIDATE, B takes the opposite side at the same price
//
// Signals:
//   input  sel[9]                 {Bool}    opcode one-hot (OneHot(9))
//   input  fill, price            {Uint63}, {Uint56}
//   input  amount                 {Uint63}
//   input  feeA, feeB, penalty    {Uint95}
//   input  marketSel[M]           {Bool}    market one-hot
//   input  assetSel[C + 1]        {Bool}    asset one-hot (0 = quote)
//   input  isBuyA                 {Bool}    the maker order's side (TRADE)
//   input  negA                   {Bool}    port A's size at the market is negative (LIQUIDATE/DELEVERAGE direction)
//   input  fundPort[2]            {Bool}    the port is the insurance fund (active and index 0)
//   input  sufficient             {Bool}    port A's balance covers the debit (the slot computes it)
//   output deltaA                 {Int64}   port A's size change at the market (B's is −deltaA)
//   output dQuote[2]              {Int<~120>} quote change per port, on the settled quote
//   output dBal[C]                {Int64}   port A's balance changes (port B never moves collateral)
//   output dSize[2][M]            {Int64}   size change per port and market
//   output fundIncome             {Uint96}  fee income of a register that is not a port of this TRADE
// NOTE: inputs in their types (the slot range-checks fill, price, amount, fees; selectors are one-hot; negA, fundPort,
//       sufficient are booleans it computes).
// Bit budgets: |deltaA| < 2^63; deltaA·price < 2^119; fees and penalty < 2^95; amount·10^8 < 2^90 — every delta is far
//              inside the field's signed range, so after-states are the true integers (and range-checked as written).
// Cost: 15 + C + 2M products (all linear combinations are free after --O2).
include "../lib/constants.circom";

template OpEffects(M, C) {
    signal input sel[9];
    signal input fill;
    signal input price;
    signal input amount;
    signal input feeA;
    signal input feeB;
    signal input penalty;
    signal input marketSel[M];
    signal input assetSel[C + 1];
    signal input isBuyA;
    signal input negA;
    signal input fundPort[2];
    signal input sufficient;
    signal output deltaA;
    signal output dQuote[2];
    signal output dBal[C];
    signal output dSize[2][M];
    signal output fundIncome;

    // NOOP, FUNDING_SETTLE (settlement is the slot's) and FORCED_LIQUIDATION_CHECK change nothing here.
    _ <== sel[OP_NOOP()];
    _ <== sel[OP_FUNDING_SETTLE()];
    _ <== sel[OP_FORCED_LIQUIDATION_CHECK()];
    var TRADE = sel[OP_TRADE()];
    var REDUCE = sel[OP_LIQUIDATE()] + sel[OP_DELEVERAGE()];

    // A buys: as its order says in a TRADE; when short, in a reducing LIQUIDATE/DELEVERAGE.
    signal tradeBuy;
    tradeBuy <== TRADE * isBuyA;
    signal reduceBuy;
    reduceBuy <== REDUCE * negA;
    signal signedFill;
    signedFill <== fill * (2 * (tradeBuy + reduceBuy) - 1);
    deltaA <== (TRADE + REDUCE) * signedFill;
    // Cash A pays for what it buys (negative when it sells).
    signal cash;
    cash <== deltaA * price;

    signal tradeFees;
    tradeFees <== TRADE * (feeA + feeB);
    signal incomeA;
    incomeA <== fundPort[0] * tradeFees;
    signal incomeB;
    incomeB <== fundPort[1] * tradeFees;
    fundIncome <== tradeFees - incomeA - incomeB;
    signal feePaidA;
    feePaidA <== TRADE * feeA;
    signal feePaidB;
    feePaidB <== TRADE * feeB;
    signal penaltyPaid;
    penaltyPaid <== sel[OP_LIQUIDATE()] * penalty;

    // Deposit credit or covered withdrawal debit on port A's asset.
    signal debit;
    debit <== (sel[OP_WITHDRAW()] + sel[OP_FORCED_WITHDRAW()]) * sufficient;
    signal move;
    move <== (sel[OP_DEPOSIT()] - debit) * amount;
    signal quoteMove;
    quoteMove <== assetSel[0] * move * AMOUNT_SCALE();
    for (var c = 0; c < C; c++) dBal[c] <== assetSel[c + 1] * move;

    dQuote[0] <== quoteMove - cash - feePaidA - penaltyPaid + incomeA;
    dQuote[1] <== cash - feePaidB + penaltyPaid + incomeB;
    for (var m = 0; m < M; m++) {
        dSize[0][m] <== marketSel[m] * deltaA;
        dSize[1][m] <== -dSize[0][m];
    }
}
