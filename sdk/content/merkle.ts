/**
 * OpenZeppelin's StandardMerkleTree (npm `@openzeppelin/merkle-tree`), rebuilt on ethers so the SDK carries no
 * second ABI coder: same leaves (`keccak256(keccak256(abi.encode(values)))`), same sorted-pair node hash, same tree
 * layout and proofs, so roots and proofs verify with OpenZeppelin's `MerkleProof` on chain and equal the library's
 * byte for byte (a differential test in test/sdk/content/merkle.test.ts holds it to that).
 * @module
 */
import { AbiCoder, concat, getBytes, keccak256 } from "ethers";

const coder = AbiCoder.defaultAbiCoder();

/** The leaf hash of `values` under `encoding`: `keccak256(keccak256(abi.encode(encoding, values)))`. */
export function standardLeafHash(encoding: readonly string[], values: readonly unknown[]): string {
  return keccak256(keccak256(coder.encode(encoding, values)));
}

/** The hash of two nodes: keccak256 of the pair in ascending byte order (OpenZeppelin `Hashes.commutativeKeccak256`). */
function nodeHash(a: string, b: string): string {
  return keccak256(concat(compare(a, b) <= 0 ? [a, b] : [b, a]));
}

/** The node at `index` of a complete tree (filled from the leaves up before it is read: a gap is a bug here). */
function nodeAt(tree: readonly string[], index: number): string {
  const node = tree[index];
  if (node === undefined) throw new Error(`StandardMerkleTree: no node at index ${index}`);
  return node;
}

function compare(a: string, b: string): number {
  // Equal-length hex compares as its bytes do (lower-cased: `0xAB` and `0xab` are one value).
  if (a.length === b.length && a.startsWith("0x") && b.startsWith("0x")) {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = getBytes(a);
  const y = getBytes(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0); // both defined below the shorter length
    if (difference !== 0) return difference;
  }
  return x.length - y.length;
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
   * @throws {RangeError} When `values` is empty.
   */
  static of<T extends readonly unknown[]>(values: readonly T[], encoding: readonly string[]): StandardMerkleTree<T> {
    if (values.length === 0) throw new RangeError("StandardMerkleTree.of: values must not be empty");
    const hashed = values.map((value, index) => ({ index, hash: standardLeafHash(encoding, value) }));
    hashed.sort((a, b) => compare(a.hash, b.hash));
    const tree = new Array<string>(2 * hashed.length - 1);
    const treeIndex = new Array<number>(values.length);
    hashed.forEach((leaf, i) => {
      tree[tree.length - 1 - i] = leaf.hash;
      treeIndex[leaf.index] = tree.length - 1 - i;
    });
    for (let i = tree.length - 1 - hashed.length; i >= 0; i--)
      tree[i] = nodeHash(nodeAt(tree, 2 * i + 1), nodeAt(tree, 2 * i + 2));
    return new StandardMerkleTree(tree, treeIndex, values, encoding);
  }

  /**
   * Checks a proof of `values` against `root`, without the tree.
   * @returns Whether the proof leads from the leaf to the root.
   */
  static verify(
    root: string,
    encoding: readonly string[],
    values: readonly unknown[],
    proof: readonly string[],
  ): boolean {
    return proof.reduce(nodeHash, standardLeafHash(encoding, values)) === root.toLowerCase();
  }

  /** The root (0x hex, 32 bytes). */
  get root(): string {
    return nodeAt(this.#tree, 0);
  }

  /**
   * The proof of the leaf given at `index` of the values.
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
