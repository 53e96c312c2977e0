// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Bench-only (scripts/bench/indexer.ts compiles it with the solc npm package; it is not part of the build): emits
// event logs given in calldata, so the indexer benchmark can build a history of a million Carechain events
// cheaply. The logs are encoded off chain from the contracts' generated ABIs (sdk/contracts/generated/abi.ts), so
// they are exactly the events Directory, ConsentRegistry and RecordRegistry emit, from an emitter deployed at
// each of the three addresses the indexer watches.
//
// Calldata: a sequence of [uint8 topicCount][topicCount x bytes32 topics][uint16 dataLength][data].
contract LogEmitter {
    fallback() external {
        assembly {
            let p := 0
            let end := calldatasize()
            for {} lt(p, end) {} {
                let n := shr(248, calldataload(p))
                p := add(p, 1)
                let t0 := calldataload(p)
                let t1 := calldataload(add(p, 32))
                let t2 := calldataload(add(p, 64))
                let t3 := calldataload(add(p, 96))
                p := add(p, mul(n, 32))
                let len := shr(240, calldataload(p))
                p := add(p, 2)
                calldatacopy(0, p, len)
                p := add(p, len)
                switch n
                case 1 {
                    log1(0, len, t0)
                }
                case 2 {
                    log2(0, len, t0, t1)
                }
                case 3 {
                    log3(0, len, t0, t1, t2)
                }
                case 4 {
                    log4(0, len, t0, t1, t2, t3)
                }
                default {
                    revert(0, 0)
                }
            }
        }
    }
}
