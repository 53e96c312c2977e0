// sdk/contracts/enums.ts against the deployed contracts: every enum value and constant code is sent to the contracts
// and read back (from a view or an event), each name is checked to mean on chain what its name says, and the value
// one past each list is refused, so a list that is short, long or out of order fails here.
import { readFileSync } from "node:fs";

import { getAddress, id } from "ethers";
import type {} from "@nomicfoundation/hardhat-ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DAG_PB_CODE, RAW_CODE } from "../../../sdk/content/cid.js";
import {
  ACTIONS,
  DELEGATE_KINDS,
  EMERGENCY_PURPOSES,
  enumName,
  enumValue,
  IPS_CATEGORIES,
  MAX_CATEGORY,
  PROVIDER_KINDS,
  PURPOSES,
  RECORD_CID_CODECS,
} from "../../../sdk/contracts/enums.js";
import * as clientTypes from "../../../sdk/client/types.js";
import * as indexerAccess from "../../../indexer/lib/access.js";
import {
  cidOf,
  connectContracts,
  ConsentInvalidDelegateError,
  ConsentInvalidPurposesError,
  ConsentNotEmergencyProviderError,
  deployCarechain,
  DirectoryInvalidProviderKindError,
  generateIdentity,
  PurposeOfUse,
  purposeMask,
  RecordInvalidCidError,
  withRevertDecoding,
  type CarechainContracts,
} from "../../../sdk/index.js";
import { toHex } from "../../../sdk/crypto/bytes.js";
import { ifAssigned } from "../../helpers/teardown.js";
import { createChain, type ChainConnection } from "../../helpers/chain.js";

type Connection = ChainConnection;
type Signer = Awaited<ReturnType<Connection["ethers"]["getSigners"]>>[number];

let connection: Connection;
let signers: Signer[];
let registrar: CarechainContracts;
let patient: CarechainContracts;
let patientAddress: string;
let hospitalAddress: string;
/** Signers handed out once each: 0 registrar, 1 patient, 2 hospital, then {@link nextSigner}. */
let next = 3;

const key = () => toHex(generateIdentity().publicKey);
let addresses = 0;
/** A fresh account that never signs (a registered provider or a delegate that is only read about). */
const anAddress = () => getAddress(id(`enums.test account ${addresses++}`).slice(0, 42));
const nextSigner = () => {
  const signer = signers[next++];
  if (!signer) throw new Error("enums.test: out of Hardhat accounts");
  return signer;
};
const mined = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
const send = (label: string, tx: () => Promise<{ wait(): Promise<unknown> }>) =>
  withRevertDecoding(label, async () => mined(tx()));
const farFuture = async () =>
  BigInt((await connection.ethers.provider.getBlock("latest"))!.timestamp + 365 * 24 * 3600);

beforeAll(async () => {
  connection = await createChain();
  signers = await connection.ethers.getSigners();
  const deployment = await deployCarechain(signers[0]!);
  registrar = await connectContracts(deployment, signers[0]!);
  patient = await connectContracts(deployment, signers[1]!);
  patientAddress = signers[1]!.address;
  hospitalAddress = signers[2]!.address;
  await mined(patient.directory.registerPatient(key()));
  await mined(
    registrar.directory.registerProvider(hospitalAddress, enumValue("kind", PROVIDER_KINDS, "hospital"), key()),
  );
});

afterAll(async () => {
  await ifAssigned(connection)?.close();
});

describe("enumValue / enumName", () => {
  it("map names to indices and back, and refuse what is not in the list", () => {
    PROVIDER_KINDS.forEach((name, i) => {
      expect(enumValue("kind", PROVIDER_KINDS, name)).toBe(i);
      expect(enumName("kind", PROVIDER_KINDS, i)).toBe(name);
      expect(enumName("kind", PROVIDER_KINDS, BigInt(i))).toBe(name);
    });
    expect(() => enumValue("kind", PROVIDER_KINDS, "surgeon" as never)).toThrow(
      new RangeError(
        "kind: expected one of none, hospital, clinic, lab, pharmacy, insurer, research, emergency, got surgeon",
      ),
    );
    for (const bad of [-1, 8, 1.5, 8n, Number.NaN]) {
      expect(() => enumName("kind", PROVIDER_KINDS, bad)).toThrow(RangeError);
    }
    expect(() => enumName("action", ACTIONS, 2)).toThrow(
      new RangeError("action: expected an on-chain value 0 to 1, got 2"),
    );
  });
});

describe("IDirectory.ProviderKind ⇄ PROVIDER_KINDS", () => {
  it("registers a provider of every kind and reads the kind back from the view and the event", async () => {
    for (const [i, name] of PROVIDER_KINDS.entries()) {
      if (name === "none") continue;
      const account = anAddress();
      const receipt = (await mined(registrar.directory.registerProvider(account, i, key()))) as {
        logs: { topics: string[]; data: string }[];
      };
      const entry = (await registrar.directory.getFunction("provider").staticCall(account)) as { kind: bigint };
      expect(enumName("kind", PROVIDER_KINDS, entry.kind)).toBe(name);
      const event = receipt.logs
        .map((log) => registrar.directory.interface.parseLog(log))
        .find((l) => l?.name === "ProviderRegistered");
      expect(enumName("kind", PROVIDER_KINDS, event!.args.kind as bigint)).toBe(name);
    }
  });

  it('"none" is refused, and there is no kind after the last', async () => {
    await expect(
      send("registerProvider", () => registrar.directory.registerProvider(anAddress(), 0, key())),
    ).rejects.toBeInstanceOf(DirectoryInvalidProviderKindError);
    await expect(
      mined(registrar.directory.registerProvider(anAddress(), PROVIDER_KINDS.length, key())),
    ).rejects.toThrow();
  });

  it('only "emergency" opens break-glass', async () => {
    for (const [i, name] of PROVIDER_KINDS.entries()) {
      if (name === "none") continue;
      const signer = nextSigner();
      await mined(registrar.directory.registerProvider(signer.address, i, key()));
      const consent = (await connectContracts(await deploymentOf(), signer)).consent;
      const open = send("openBreakGlass", () => consent.openBreakGlass(patientAddress, `0x${"11".repeat(32)}`, 60n));
      if (name === "emergency") await expect(open).resolves.toBeTruthy();
      else await expect(open).rejects.toBeInstanceOf(ConsentNotEmergencyProviderError);
    }
  });
});

describe("IConsentRegistry.DelegateKind ⇄ DELEGATE_KINDS", () => {
  it("names a delegate of every kind and reads the kind back from delegateOf, delegatesOf and the event", async () => {
    for (const [i, name] of DELEGATE_KINDS.entries()) {
      if (name === "none") continue;
      const delegate = anAddress();
      const receipt = (await mined(patient.consent.addDelegate(patientAddress, delegate, i))) as {
        logs: { topics: string[]; data: string }[];
      };
      expect(enumName("kind", DELEGATE_KINDS, await patient.consent.delegateOf(patientAddress, delegate))).toBe(name);
      const listed = (await patient.consent.delegatesOf(patientAddress)).find((d) => d.delegate === delegate);
      expect(enumName("kind", DELEGATE_KINDS, listed!.kind)).toBe(name);
      const event = receipt.logs
        .map((log) => patient.consent.interface.parseLog(log))
        .find((l) => l?.name === "DelegateAdded");
      expect(enumName("kind", DELEGATE_KINDS, event!.args.kind as bigint)).toBe(name);
    }
  });

  it('"guardian" may name delegates and "proxy" may not; "none" is refused; nothing after the last', async () => {
    const guardian = nextSigner();
    const proxy = nextSigner();
    await mined(
      patient.consent.addDelegate(patientAddress, guardian.address, enumValue("kind", DELEGATE_KINDS, "guardian")),
    );
    await mined(patient.consent.addDelegate(patientAddress, proxy.address, enumValue("kind", DELEGATE_KINDS, "proxy")));
    const deployment = await deploymentOf();
    const asGuardian = (await connectContracts(deployment, guardian)).consent;
    const asProxy = (await connectContracts(deployment, proxy)).consent;
    await mined(asGuardian.addDelegate(patientAddress, anAddress(), enumValue("kind", DELEGATE_KINDS, "proxy")));
    await expect(mined(asProxy.addDelegate(patientAddress, anAddress(), 2))).rejects.toThrow();
    await expect(
      send("addDelegate", () => patient.consent.addDelegate(patientAddress, anAddress(), 0)),
    ).rejects.toBeInstanceOf(ConsentInvalidDelegateError);
    await expect(
      mined(patient.consent.addDelegate(patientAddress, anAddress(), DELEGATE_KINDS.length)),
    ).rejects.toThrow();
  });
});

describe("Action ⇄ ACTIONS, Purpose ⇄ PURPOSES, MAX_CATEGORY", () => {
  it('"read" follows the read mask and "write" the write mask; there is no action after the last', async () => {
    const [readOnly, writeOnly] = [5, 6];
    await mined(
      patient.consent.grant(hospitalAddress, {
        readMask: 1n << BigInt(readOnly),
        writeMask: 1n << BigInt(writeOnly),
        purposes: purposeMask(PURPOSES),
        expiresAt: await farFuture(),
      }),
    );
    const can = (category: number, action: number) =>
      patient.consent.canAccess(patientAddress, hospitalAddress, category, action);
    expect(await can(readOnly, enumValue("action", ACTIONS, "read"))).toBe(true);
    expect(await can(readOnly, enumValue("action", ACTIONS, "write"))).toBe(false);
    expect(await can(writeOnly, enumValue("action", ACTIONS, "read"))).toBe(false);
    expect(await can(writeOnly, enumValue("action", ACTIONS, "write"))).toBe(true);
    await expect(can(readOnly, ACTIONS.length)).rejects.toThrow();
  });

  it("each purpose alone allows exactly its own reads, and the log of a read carries its index", async () => {
    const category = 7;
    const content = await cidOf(new TextEncoder().encode("enums: purposes"));
    const keyring = await cidOf(new TextEncoder().encode("enums: keyring"));
    await mined(
      patient.records.anchor(
        patientAddress,
        1n << BigInt(category),
        content.bytes,
        keyring.bytes,
        `0x${"00".repeat(32)}`,
      ),
    );
    const recordId = await patient.records.recordIdOf(patientAddress, patientAddress, toHex(content.multihash.digest));
    const hospital = await connectContracts(await deploymentOf(), signers[2]!);
    for (const code of PURPOSES) {
      expect(PurposeOfUse[code]).toBe(enumValue("purpose", PURPOSES, code));
      await mined(
        patient.consent.grant(hospitalAddress, {
          readMask: 1n << BigInt(category),
          writeMask: 0n,
          purposes: purposeMask([code]),
          expiresAt: await farFuture(),
        }),
      );
      for (const other of PURPOSES) {
        const allowed = await patient.consent.canAccessForPurpose(
          patientAddress,
          hospitalAddress,
          category,
          0,
          PurposeOfUse[other],
        );
        expect(allowed, `grant for ${code}, read for ${other}`).toBe(other === code);
      }
      const receipt = (await mined(hospital.records.logAccess(recordId, PurposeOfUse[code]))) as {
        logs: { topics: string[]; data: string }[];
      };
      const event = receipt.logs
        .map((log) => hospital.records.interface.parseLog(log))
        .find((l) => l?.name === "RecordAccessed");
      expect(enumName("purpose", PURPOSES, event!.args.purpose as bigint)).toBe(code);
    }
    // A purpose bit past the last is refused, so the list is complete.
    await expect(
      send("grant", async () =>
        patient.consent.grant(hospitalAddress, {
          readMask: 1n,
          writeMask: 0n,
          purposes: 1n << BigInt(PURPOSES.length),
          expiresAt: await farFuture(),
        }),
      ),
    ).rejects.toBeInstanceOf(ConsentInvalidPurposesError);
    await expect(
      patient.consent.canAccessForPurpose(patientAddress, hospitalAddress, category, 0, PURPOSES.length),
    ).rejects.toThrow();
  });

  it("break-glass reads count for EMERGENCY_PURPOSES only, in IPS_CATEGORIES by default", async () => {
    const other = nextSigner();
    const otherPatient = await connectContracts(await deploymentOf(), other);
    await mined(otherPatient.directory.registerPatient(key()));
    expect(await patient.consent.emergencyCategoriesOf(other.address)).toBe(IPS_CATEGORIES);
    const ems = nextSigner();
    await mined(
      registrar.directory.registerProvider(ems.address, enumValue("kind", PROVIDER_KINDS, "emergency"), key()),
    );
    const asEms = (await connectContracts(await deploymentOf(), ems)).consent;
    await mined(asEms.openBreakGlass(other.address, `0x${"22".repeat(32)}`, 600n));
    for (let category = 0; category <= MAX_CATEGORY; category++) {
      const emergency = ((IPS_CATEGORIES >> BigInt(category)) & 1n) === 1n;
      for (const code of PURPOSES) {
        const allowed = await patient.consent.canAccessForPurpose(
          other.address,
          ems.address,
          category,
          0,
          PurposeOfUse[code],
        );
        expect(allowed, `category ${category}, ${code}`).toBe(emergency && EMERGENCY_PURPOSES.includes(code));
      }
    }
  });

  it("MAX_CATEGORY is the last category a grant can name", async () => {
    await mined(
      patient.consent.grant(hospitalAddress, {
        readMask: 1n << BigInt(MAX_CATEGORY),
        writeMask: 0n,
        purposes: purposeMask(["TREAT"]),
        expiresAt: await farFuture(),
      }),
    );
    const read = enumValue("action", ACTIONS, "read");
    expect(await patient.consent.canAccess(patientAddress, hospitalAddress, MAX_CATEGORY, read)).toBe(true);
    expect(await patient.consent.canAccess(patientAddress, hospitalAddress, MAX_CATEGORY + 1, read)).toBe(false);
    await expect(
      mined(
        patient.consent.grant(hospitalAddress, {
          readMask: 1n << BigInt(MAX_CATEGORY + 1),
          writeMask: 0n,
          purposes: 1n,
          expiresAt: await farFuture(),
        }),
      ),
    ).rejects.toThrow(); // does not fit a uint64
  });
});

describe("RECORD_CID_CODECS", () => {
  it("anchors a CID of each codec and reads the codec back; any other codec is refused", async () => {
    expect(RECORD_CID_CODECS).toEqual({ raw: RAW_CODE, dagPb: DAG_PB_CODE });
    for (const [name, codec] of Object.entries(RECORD_CID_CODECS)) {
      const digest = (await cidOf(new TextEncoder().encode(`enums: ${name}`))).multihash.digest;
      const cid = Uint8Array.of(0x01, codec, 0x12, 0x20, ...digest);
      await mined(patient.records.anchor(patientAddress, 1n, cid, cid, `0x${"00".repeat(32)}`));
      const recordId = await patient.records.recordIdOf(patientAddress, patientAddress, toHex(digest));
      expect(Number((await patient.records.record(recordId)).codec), name).toBe(codec);
    }
    const digest = (await cidOf(new TextEncoder().encode("enums: dag-cbor"))).multihash.digest;
    const dagCbor = Uint8Array.of(0x01, 0x71, 0x12, 0x20, ...digest);
    await expect(
      send("anchor", () => patient.records.anchor(patientAddress, 1n, dagCbor, dagCbor, `0x${"00".repeat(32)}`)),
    ).rejects.toBeInstanceOf(RecordInvalidCidError);
  });
});

/** The members of `enum name { ... }` in a Solidity source file, in declaration order. */
function solidityEnum(file: string, name: string): string[] {
  const source = readFileSync(new URL(`../../../${file}`, import.meta.url), "utf8");
  const body = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(source)?.[1];
  if (body === undefined) throw new Error(`${file}: no enum ${name}`);
  return body
    .split(",")
    .map((member) => member.trim())
    .filter(Boolean);
}

describe("names ⇄ the Solidity declarations (the contracts treat some values alike, so order is checked here)", () => {
  it("each list is its enum's members in declaration order", () => {
    const lower = (names: string[]) => names.map((n) => n.toLowerCase());
    expect(lower(solidityEnum("contracts/interfaces/IDirectory.sol", "ProviderKind"))).toEqual([...PROVIDER_KINDS]);
    expect(lower(solidityEnum("contracts/interfaces/IConsentRegistry.sol", "DelegateKind"))).toEqual([
      ...DELEGATE_KINDS,
    ]);
    expect(lower(solidityEnum("contracts/types/Action.sol", "Action"))).toEqual([...ACTIONS]);
    // HL7 v3 ActReason codes of the Purpose members (http://terminology.hl7.org/CodeSystem/v3-ActReason).
    const hl7: Record<string, string> = {
      Treatment: "TREAT",
      Payment: "HPAYMT",
      Operations: "HOPERAT",
      Research: "HRESCH",
      EmergencyTreatment: "ETREAT",
      BreakTheGlass: "BTG",
    };
    expect(solidityEnum("contracts/types/Purpose.sol", "Purpose").map((m) => hl7[m])).toEqual([...PURPOSES]);
  });
});

describe("copies elsewhere (the client's until sdk/client imports this module; the indexer's)", () => {
  it("equal the lists here", () => {
    expect(clientTypes.PROVIDER_KINDS).toEqual(PROVIDER_KINDS);
    expect(clientTypes.DELEGATE_KINDS).toEqual(DELEGATE_KINDS);
  });

  it("the indexer's consent rule uses the same constants (it is its own package and keeps a copy)", () => {
    expect(indexerAccess.MAX_CATEGORY).toBe(MAX_CATEGORY);
    expect(indexerAccess.IPS_CATEGORIES).toBe(IPS_CATEGORIES);
  });
});

/** The deployment the contracts above are bound to. */
async function deploymentOf() {
  const { chainId } = await connection.ethers.provider.getNetwork();
  return {
    chainId,
    directory: await registrar.directory.getAddress(),
    consentRegistry: await registrar.consent.getAddress(),
    recordRegistry: await registrar.records.getAddress(),
  };
}
