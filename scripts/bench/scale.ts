/**
 * Scaling: how long listing one patient's records takes while other patients' records grow from a few to
 * thousands. Other patients are made in bulk by a bench-only factory contract (BenchPatients.sol).
 */
import { ContractFactory, getCreateAddress, hexlify, type BaseContract } from "ethers";

import { benchChain, mined, randomCid, ZERO_HASH } from "./chain.js";
import { setUpCare } from "./e2e.js";
import { metric, type Metric } from "./metrics.js";
import { compileBenchContract, type Compiled } from "./solc.js";
import { median } from "./timing.js";

/** Compiles BenchPatients.sol with the solc npm package (the project's compiler version). */
function compileFactory(): Promise<Compiled> {
  return compileBenchContract("BenchPatients.sol", "BenchPatientFactory");
}

export interface ScaleOptions {
  /** Records of the patient whose records are listed. */
  readonly ownRecords: number;
  /** Other patients at the two measurements (e.g. 10 and 10,000), one record each. */
  readonly othersSmall: number;
  readonly othersLarge: number;
  /** listRecords runs per measurement (the median is reported). */
  readonly runs: number;
}

type Spawner = BaseContract & {
  spawn(
    directory: string,
    registry: string,
    count: number,
    records: number,
    salt: string,
    overrides: { gasLimit: number },
  ): Promise<never>;
};

/** A chain with a patient of `ownRecords` records and a factory that adds other patients (one record each). */
async function scaleChain(compiled: Compiled, ownRecords: number) {
  const chain = await benchChain();
  await setUpCare(chain);
  const { hospital, patient, deployment } = chain;
  for (let i = 0; i < ownRecords; i++) {
    await mined(
      hospital.contracts.records.anchor(
        patient.address,
        1n << BigInt(i % 16),
        await randomCid(),
        await randomCid(),
        ZERO_HASH,
      ),
    );
  }
  const deployed = await new ContractFactory(compiled.abi as never, compiled.bytecode, chain.signers[0]).deploy();
  await deployed.waitForDeployment();
  const factory = deployed as unknown as Spawner;
  const factoryAddress = await deployed.getAddress();
  let others = 0;
  return {
    chain,
    /** Adds other patients until there are `target`. */
    async grow(target: number) {
      // ~200k gas per patient; 60 per transaction stays under the 2^24 transaction gas cap (EIP-7825). The gas
      // limit is given: estimating a transaction that creates contracts which call out is unreliable.
      const perTx = 60;
      while (others < target) {
        const count = Math.min(perTx, target - others);
        const salt = hexlify(crypto.getRandomValues(new Uint8Array(32)));
        const gasLimit = 100_000 + count * 250_000;
        await mined(factory.spawn(deployment.directory, deployment.recordRegistry, count, 1, salt, { gasLimit }));
        others += count;
      }
      // The last patient made (contract nonces start at 1) is registered and has its record.
      const last = getCreateAddress({ from: factoryAddress, nonce: others });
      if ((await hospital.contracts.records.recordCount(last)) !== 1n)
        throw new Error("scale: a patient lacks its record");
    },
    /** Lists the patient's records, as the patient's client does; returns the milliseconds it took. */
    async list(): Promise<number> {
      const start = performance.now();
      const records = await patient.client.listRecords(patient.address);
      const ms = performance.now() - start;
      if (records.length !== ownRecords) throw new Error(`scale: listed ${records.length} records`);
      return ms;
    },
  };
}

/**
 * Two chains alike but for the other patients: `othersSmall` on one, grown to `othersLarge` on the other. The
 * listing is then timed on both in alternating runs (so both see the same machine load); medians are reported.
 */
export async function scaleMetrics(options: ScaleOptions): Promise<Metric[]> {
  const compiled = await compileFactory();
  const small = await scaleChain(compiled, options.ownRecords);
  const large = await scaleChain(compiled, options.ownRecords);
  try {
    await small.grow(options.othersSmall);
    const growStart = performance.now();
    await large.grow(options.othersLarge);
    const growSeconds = (performance.now() - growStart) / 1000;
    await small.list();
    await large.list();
    const smallMs: number[] = [];
    const largeMs: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      smallMs.push(await small.list());
      largeMs.push(await large.list());
    }
    const smallMedian = median(smallMs);
    return [
      metric(
        `scale.listRecords.ms.others${options.othersSmall}`,
        smallMedian,
        "ms",
        undefined,
        `listRecords of a patient with ${options.ownRecords} records, ${options.othersSmall} other patients with ` +
          `one record each (median of ${options.runs})`,
      ),
      metric(
        `scale.listRecords.ms.others${options.othersLarge}`,
        median(largeMs),
        "ms",
        smallMedian,
        `the same listing on a chain grown to ${options.othersLarge} other patients (${growSeconds.toFixed(1)} s to ` +
          `create them), timed alternately with the others${options.othersSmall} chain; baseline: others${options.othersSmall}`,
      ),
    ];
  } finally {
    await small.chain.close();
    await large.chain.close();
  }
}
