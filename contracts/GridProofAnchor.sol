// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title GridProof batch anchors
/// @notice Holds the RFC 6962 Merkle root of every GridProof ingest batch, in order. Only the
///         anchoring account set at deployment can write; batch ids must be consecutive and each
///         batch must name the previous batch's root, so a gap or a rewritten history cannot be
///         written. Spec: docs/anchoring.md.
contract GridProofAnchor {
    struct Batch {
        bytes32 root;
        bytes32 prevRoot;
        uint64 count;
        uint64 start;
        uint64 end;
        uint64 anchoredAt; // block number; 0 = not anchored
    }

    address public immutable anchorer;
    uint256 public nextBatchId;
    mapping(uint256 => Batch) private batches;

    event Anchored(uint256 indexed batchId, bytes32 root, bytes32 prevRoot, uint64 count, uint64 start, uint64 end);

    error NotAnchorer(address caller);
    error OutOfOrder(uint256 expected, uint256 got);
    error PrevRootMismatch(bytes32 expected, bytes32 got);
    error BadRange(uint64 start, uint64 end);

    constructor(address anchorer_) {
        anchorer = anchorer_;
    }

    function anchor(uint256 batchId, bytes32 root, bytes32 prevRoot, uint64 count, uint64 start, uint64 end) external {
        if (msg.sender != anchorer) revert NotAnchorer(msg.sender);
        if (batchId != nextBatchId) revert OutOfOrder(nextBatchId, batchId);
        bytes32 expectedPrev = batchId == 0 ? bytes32(0) : batches[batchId - 1].root;
        if (prevRoot != expectedPrev) revert PrevRootMismatch(expectedPrev, prevRoot);
        if (end < start) revert BadRange(start, end);
        batches[batchId] = Batch(root, prevRoot, count, start, end, uint64(block.number));
        nextBatchId = batchId + 1;
        emit Anchored(batchId, root, prevRoot, count, start, end);
    }

    function getBatch(uint256 batchId) external view returns (Batch memory) {
        return batches[batchId];
    }
}
