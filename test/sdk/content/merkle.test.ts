import { StandardMerkleTree as OzTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { StandardMerkleTree } from "../../../sdk/content/merkle.js";

const ENCODING = ["bytes32", "uint8", "bytes32"];
const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
const leaf = fc.tuple(hex32, fc.integer({ min: 0, max: 255 }), hex32);

describe("StandardMerkleTree (ours) against @openzeppelin/merkle-tree", () => {
  it("gives the same root and the same proof for every leaf, and both verify each other's proofs", () => {
    fc.assert(
      fc.property(fc.array(leaf, { minLength: 1, maxLength: 40 }), (values) => {
        const ours = StandardMerkleTree.of(values, ENCODING);
        const oz = OzTree.of(values, ENCODING);
        expect(ours.root).toBe(oz.root);
        values.forEach((value, i) => {
          const proof = ours.getProof(i);
          expect(proof).toEqual(oz.getProof(i));
          expect(StandardMerkleTree.verify(ours.root, ENCODING, value, proof)).toBe(true);
          expect(OzTree.verify(oz.root, ENCODING, value, proof)).toBe(true);
        });
      }),
      { numRuns: 150 },
    );
  });

  it("agrees on bytes32-only leaves (hashed without the ABI coder), in either hex case", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hex32), { minLength: 1, maxLength: 40 }), fc.boolean(), (values, upper) => {
        const given = upper ? values.map(([v]): [string] => [`0x${v.slice(2).toUpperCase()}`]) : values;
        const ours = StandardMerkleTree.of(given, ["bytes32"]);
        const oz = OzTree.of(values, ["bytes32"]);
        expect(ours.root).toBe(oz.root);
        values.forEach((value, i) => {
          expect(ours.getProof(i)).toEqual(oz.getProof(i));
          expect(
            StandardMerkleTree.verify(
              oz.root.toUpperCase().replace("0X", "0x"),
              ["bytes32"],
              given[i]!,
              oz.getProof(i),
            ),
          ).toBe(true);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a proof of another leaf, a truncated proof and a wrong root", () => {
    const values: [string, number, string][] = [0, 1, 2, 3, 4].map((i) => [
      `0x${"0".repeat(63)}${i}`,
      i,
      `0x${"a".repeat(64)}`,
    ]);
    const tree = StandardMerkleTree.of(values, ENCODING);
    const proof = tree.getProof(2);
    expect(StandardMerkleTree.verify(tree.root, ENCODING, values[3]!, proof)).toBe(false);
    expect(StandardMerkleTree.verify(tree.root, ENCODING, values[2]!, proof.slice(1))).toBe(false);
    expect(StandardMerkleTree.verify(`0x${"1".repeat(64)}`, ENCODING, values[2]!, proof)).toBe(false);
  });

  it("names the argument when the input is unusable", () => {
    expect(() => StandardMerkleTree.of([], ENCODING)).toThrow(/values must not be empty/);
    expect(() =>
      StandardMerkleTree.of([[`0x${"0".repeat(64)}`, 1, `0x${"0".repeat(64)}`]], ENCODING).getProof(1),
    ).toThrow(/no leaf at index 1/);
  });
});
