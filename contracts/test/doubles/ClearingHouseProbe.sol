// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPoint} from "../../src/libraries/FixedPoint.sol";
import {IInsuranceFund} from "../../src/interfaces/IInsuranceFund.sol";
import {IVamm} from "../../src/interfaces/IVamm.sol";
import {IVault} from "../../src/interfaces/IVault.sol";
import {ClearingHouse} from "../../src/ClearingHouse.sol";

/// @notice The clearing house with test hooks, etched over the real one's code (same storage, same
/// immutables) so a test can run the liquidation's sizing rule by brute force: apply a partial
/// liquidation of any size for real and read the margin group's spot value. Each hook leaves what
/// it did applied; the test rolls the chain back.
contract ClearingHouseProbe is ClearingHouse {
    using FixedPoint for uint256;
    using FixedPoint for int256;

    constructor(address owner_, IVault vault_, IInsuranceFund insuranceFund_, Params memory params_, address admin_)
        ClearingHouse(owner_, vault_, insuranceFund_, params_, admin_)
    {}

    /// @notice The reduce a partial liquidation of `quote` starts with (swap, realised PnL, carry).
    /// @return feasible whether the position's margin can then pay the penalty (always, for a cross one)
    function reduceForLiquidation(address trader, bytes32 market, uint256 quote) external returns (bool feasible) {
        Position memory position = _positions[trader][market];
        PositionResp memory resp = _openReversePosition(
            _markets[market], market, trader, position.isolated, position.size < 0, quote, FixedPoint.ONE, 0, IVamm.Band.Ignore
        );
        uint256 penalty = resp.exchangedQuote.mulD(params.liquidationFeeRatio);
        feasible = !position.isolated || (resp.badDebt == 0 && resp.position.margin >= penalty);
    }

    /// @notice Closes `quote` of `trader`'s position in `market` as a partial liquidation does
    /// (swap, carry, penalty; no payout, no events of the liquidation).
    /// @return restores whether the margin group's spot ratio is back at maintenance
    function applyPartialLiquidation(address trader, bytes32 market, uint256 quote) external returns (bool restores) {
        _applyPartialLiquidation(trader, _markets[market], market, _positions[trader][market], quote);
        GroupValue memory v = _groupValue(trader, _marginGroup(trader, market), Valuation.Spot, false);
        restores = v.notional == 0 || v.value.divD(int256(v.notional)) >= int256(params.maintenanceMarginRatio);
    }

    /// @notice Value and notional at spot of the margin group that holds `trader`'s position in `market`.
    function spotGroupValue(address trader, bytes32 market) external view returns (int256 value, uint256 notional) {
        GroupValue memory v = _groupValue(trader, _marginGroup(trader, market), Valuation.Spot, false);
        return (v.value, v.notional);
    }
}
