pragma circom 2.2.0;

// TradeOp — the rules of TRADE (opcode 3, PROTOCOL §7.3; protocol/ops/trade.ts) between the maker's order (port A)
// and the taker's (port B). Each rule carries the model's rejection code:
//   SAME_ACCOUNT             maker and taker accounts differ
//   ACCOUNT_NOT_REGISTERED   both registered
//   BAD_SIGNATURE            both order signatures (the slot's verifiers, enabled by this opcode)
//   MARKET_MISMATCH          structural: both order messages hash the slot's market, so an order for another market
//                            has another message and its signature fails; UNKNOWN_MARKET is the slot's market one-hot
//   SAME_SIDE                one buys, one sells
//   ORDER_EXPIRED, ORDER_REPLAYED, OVERFILL, PRICE_OUTSIDE_LIMIT, FEE_TOO_HIGH   the two OrderPorts (used = sel)
//   OUT_OF_RANGE             fill > 0, price > 0 (here); fill Uint63, price Uint56, fees Uint95 (the slot); every
//                            written field in range (the written leaves, the register) [I11]
//   REDUCE_ONLY_VIOLATED     a reduce-only order's account does not grow or flip its position [I17]
//   UNDER_MARGINED           R(maker), R(taker) on the settled before and the proposed after-state [I5][I6]
// Footprint: ports A and B written (fees to the fund: OpEffects); both order ports and both signatures used.
//
// Reduce-only as "not risk-increasing": protocol requireReduceOnly(before, after) accepts iff 0 ≤ after ≤ before or
// before ≤ after ≤ 0, i.e. |after| ≤ |before| and (after = 0 or after has before's sign). isRiskIncreasing(before,
// after) is false iff after = 0, or before ≠ 0 with the same sign and |after| ≤ |before| — the same set (for
// after ≠ 0 a same sign implies before ≠ 0). So the port's riskIncreasing flag decides both rules.
//
// Signals:
//   input  sel                {Bool}  opcode is TRADE
//   input  registered[2]      {Bool}  each port's leaf has a key
//   input  sameIndex          {Bool}  the two port indices are equal
//   input  fillZero           {Bool}  fill = 0
//   input  priceZero          {Bool}  price = 0
//   input  isBuy[2]           {Bool}  the orders' signed sides (OrderPort checks them boolean)
//   input  reduceOnly[2]      {Bool}  order flag bit 0
//   input  riskIncreasing[2]  {Bool}  each port's PortMarginRules
//   input  fillOk[2]          {Bool}  R(acct) of each port (PortMarginRules)
// NOTE: every input is a boolean the slot derives.
// Cost: 11 constraints.
template TradeOp() {
    signal input sel;
    signal input registered[2];
    signal input sameIndex;
    signal input fillZero;
    signal input priceZero;
    signal input isBuy[2];
    signal input reduceOnly[2];
    signal input riskIncreasing[2];
    signal input fillOk[2];

    sel * sameIndex === 0; // SAME_ACCOUNT
    sel * fillZero === 0; // OUT_OF_RANGE (fill)
    sel * priceZero === 0; // OUT_OF_RANGE (price)
    sel * (isBuy[0] + isBuy[1] - 1) === 0; // SAME_SIDE
    signal reducing[2];
    for (var k = 0; k < 2; k++) {
        sel * (1 - registered[k]) === 0; // ACCOUNT_NOT_REGISTERED
        reducing[k] <== sel * reduceOnly[k];
        reducing[k] * riskIncreasing[k] === 0; // REDUCE_ONLY_VIOLATED
        sel * (1 - fillOk[k]) === 0; // UNDER_MARGINED
    }
}
