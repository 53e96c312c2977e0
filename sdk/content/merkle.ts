/**
 * OpenZeppelin's StandardMerkleTree (npm `@openzeppelin/merkle-tree`), rebuilt on ethers' ABI coder and noble's
 * keccak so the SDK carries no second ABI coder: same leaves (`keccak256(keccak256(abi.encode(values)))`), same
 * sorted-pair node hash, same tree layout and proofs, so roots and proofs verify with OpenZeppelin's `MerkleProof` on
 * chain and equal the library's byte for byte (a differential test in test/sdk/content/merkle.test.ts holds it to
 * that). Nodes are hashed as bytes, not hex strings: hex only at the edges (the root and the proofs handed out).
 * @module
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { AbiCoder } from "ethers";

const coder = AbiCoder.defaultAbiCoder();
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** `0x` hex of `bytes`, lower case. */
const hex = (bytes: Uint8Array): string => `0x${bytesToHex(bytes)}`;

/** The bytes of 0x hex (either case); throws on anything else. */
function bytesOf(value: string): Uint8Array {
  if (!value.startsWith("0x")) throw new TypeError(`StandardMerkleTree: not 0x hex: ${value}`);
  return hexToBytes(value.slice(2));
}

/**
 * `abi.encode(encoding, values)`. A tuple of `bytes32` hex strings encodes as their concatenation, so it skips the
 * coder (the supply chain's unit leaves are all such); anything else goes through ethers' coder.
 */
function encode(encoding: readonly string[], values: readonly unknown[]): Uint8Array {
  if (encoding.length === values.length && encoding.every((t) => t === "bytes32")) {
    if (values.every((v) => typeof v === "string" && BYTES32.test(v))) {
      const out = new Uint8Array(32 * values.length);
      values.forEach((v, i) => out.set(hexToBytes((v as string).slice(2)), 32 * i));
      return out;
    }
  }
  return hexToBytes(coder.encode(encoding, values).slice(2));
}

/** The leaf hash of `values` under `encoding`, as bytes. */
function leafBytes(encoding: readonly string[], values: readonly unknown[]): Uint8Array {
  return keccak_256(keccak_256(encode(encoding, values)));
}

/** The leaf hash of `values` under `encoding`: `keccak256(keccak256(abi.encode(encoding, values)))`. */
export function standardLeafHash(encoding: readonly string[], values: readonly unknown[]): string {
  return hex(leafBytes(encoding, values));
}

/** Byte order of two nodes (a shorter prefix first). */
function compare(x: Uint8Array, y: Uint8Array): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0); // both defined below the shorter length
    if (difference !== 0) return difference;
  }
  return x.length - y.length;
}

/** The hash of two nodes: keccak256 of the pair in ascending byte order (OpenZeppelin `Hashes.commutativeKeccak256`). */
function nodeHash(a: Uint8Array, b: Uint8Array): Uint8Array {
  const [first, second] = compare(a, b) <= 0 ? [a, b] : [b, a];
  const pair = new Uint8Array(first.length + second.length);
  pair.set(first);
  pair.set(second, first.length);
  return keccak_256(pair);
}

/** The node at `index` of a complete tree (filled from the leaves up before it is read: a gap is a bug here). */
function nodeAt<N>(tree: readonly N[], index: number): N {
  const node = tree[index];
  if (node === undefined) throw new Error(`StandardMerkleTree: no node at index ${index}`);
  return node;
}

/**
 * A Merkle tree of ABI-encoded leaves, as OpenZeppelin's `StandardMerkleTree.of(values, encoding)` builds it
 * (leaves sorted by hash, a complete binary tree stored as an array).
 * @typeParam T - The tuple type of one leaf's values.
 */
export class StandardMerkleTree<T extends readonly unknown[]> {
  readonly #tree: readonly string[];
  readonly #treeIndex: readonly number[];

  private constructor(
    tree: string[],
    treeIndex: number[],
    /** The leaf values, in the order given. */
    readonly values: readonly T[],
    /** The ABI types of a leaf. */
    readonly encoding: readonly string[],
  ) {
    this.#tree = tree;
    this.#treeIndex = treeIndex;
  }

  /**
   * Builds the tree of `values`.
   * @param values - One tuple per leaf (at least one).
   * @param encoding - The ABI types of a leaf, e.g. `["bytes32", "uint8", "bytes32"]`.
   * @returns The tree.
   * @throws {RangeError} When `values` is empty.
   */
  static of<T extends readonly unknown[]>(values: readonly T[], encoding: readonly string[]): StandardMerkleTree<T> {
    if (values.length === 0) throw new RangeError("StandardMerkleTree.of: values must not be empty");
    const hashed = values.map((value, index) => ({ index, hash: leafBytes(encoding, value) }));
    hashed.sort((a, b) => compare(a.hash, b.hash));
    const nodes = new Array<Uint8Array>(2 * hashed.length - 1);
    const treeIndex = new Array<number>(values.length);
    hashed.forEach((leaf, i) => {
      nodes[nodes.length - 1 - i] = leaf.hash;
      treeIndex[leaf.index] = nodes.length - 1 - i;
    });
    for (let i = nodes.length - 1 - hashed.length; i >= 0; i--)
      nodes[i] = nodeHash(nodeAt(nodes, 2 * i + 1), nodeAt(nodes, 2 * i + 2));
    return new StandardMerkleTree(nodes.map(hex), treeIndex, values, encoding);
  }

  /**
   * Checks a proof of `values` against `root`, without the tree.
   * @param root - The root (0x hex, either case).
   * @param encoding - The ABI types of a leaf.
   * @param values - The leaf's values.
   * @param proof - The sibling nodes from the leaf up (0x hex).
   * @returns Whether the proof leads from the leaf to the root.
   * @throws {TypeError} When a proof node is not 0x hex.
   */
  static verify(
    root: string,
    encoding: readonly string[],
    values: readonly unknown[],
    proof: readonly string[],
  ): boolean {
    let node = leafBytes(encoding, values);
    for (const sibling of proof) node = nodeHash(node, bytesOf(sibling));
    return hex(node) === root.toLowerCase();
  }

  /** The root (0x hex, 32 bytes). */
  get root(): string {
    return nodeAt(this.#tree, 0);
  }

  /**
   * The proof of the leaf given at `index` of the values.
   * @param index - The leaf's position in the values given to {@link StandardMerkleTree.of}.
   * @returns The sibling nodes from the leaf up (0x hex).
   * @throws {RangeError} When `index` is out of range.
   */
  getProof(index: number): string[] {
    let i = this.#treeIndex[index];
    if (i === undefined) throw new RangeError(`StandardMerkleTree.getProof: no leaf at index ${index}`);
    const proof: string[] = [];
    while (i > 0) {
      proof.push(nodeAt(this.#tree, i % 2 === 1 ? i + 1 : i - 1));
      i = Math.floor((i - 1) / 2);
    }
    return proof;
  }
}
