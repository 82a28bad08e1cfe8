// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The forge cheat codes these tests use (forge-std is not installable offline).
interface Vm {
    function warp(uint256 timestamp) external;
    function roll(uint256 blockNumber) external;
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function expectRevert(bytes4 selector) external;
    function expectRevert(bytes calldata revertData) external;
    function assume(bool condition) external;
    function label(address account, string calldata name) external;
    function etch(address target, bytes calldata code) external;
    function pauseGasMetering() external;
    function resumeGasMetering() external;

    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function snapshotState() external returns (uint256);
    function revertToState(uint256 snapshotId) external returns (bool);
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
}
