import { Interface, getAddress } from "ethers";
import { describe, expect, it } from "vitest";

import * as sdk from "../../../sdk/index.js";
import {
  CarechainError,
  CONTRACT_ERROR_NAMES,
  ConsentExpiryNotInFutureError,
  ContractRevertError,
  decodeRevert,
  DecryptionError,
  decryptEnvelope,
  DirectoryInvalidEncryptionKeyError,
  encryptEnvelope,
  generateDek,
  RecordReadConsentRequiredError,
  RecordWriteConsentRequiredError,
  REVERT_ERRORS,
  UnknownRevertError,
  withRevertDecoding,
} from "../../../sdk/index.js";
import {
  ConsentRegistry__factory,
  Directory__factory,
  RecordRegistry__factory,
} from "../../../sdk/contracts/typechain/index.js";

const records = new Interface(RecordRegistry__factory.abi);
const consent = new Interface(ConsentRegistry__factory.abi);
const directory = new Interface(Directory__factory.abi);

const patient = getAddress("0x00000000000000000000000000000000000000aa");
const author = getAddress("0x1111111111111111111111111111111111111111");
const recordId = `0x${"ab".repeat(32)}`;

describe("CONTRACT_ERROR_NAMES ⇄ REVERT_ERRORS", () => {
  const abiErrorNames = new Set(
    [Directory__factory.abi, ConsentRegistry__factory.abi, RecordRegistry__factory.abi]
      .flat()
      .filter((f) => f.type === "error")
      .map((f) => (f as { name: string }).name),
  );

  it("CONTRACT_ERROR_NAMES is every custom error of the three ABIs, once", () => {
    expect(new Set(CONTRACT_ERROR_NAMES)).toEqual(abiErrorNames);
    expect(CONTRACT_ERROR_NAMES.length).toBe(abiErrorNames.size);
  });

  it("every Solidity error has its named SDK class, and no class is stale", () => {
    expect(new Set(REVERT_ERRORS.keys())).toEqual(new Set(CONTRACT_ERROR_NAMES));
  });

  it.each([...REVERT_ERRORS.entries()].map(([name, cls]) => ({ name, cls })))(
    "$name → a ContractRevertError class exported from the index as <name>Error",
    ({ name, cls }) => {
      expect(cls.errorName).toBe(name);
      expect(cls.name).toBe(`${name}Error`);
      expect((sdk as Record<string, unknown>)[`${name}Error`]).toBe(cls);
      const instance = new cls({});
      expect(instance).toBeInstanceOf(ContractRevertError);
      expect(instance).toBeInstanceOf(CarechainError);
      expect(instance.errorName).toBe(name);
      expect(instance.name).toBe(`${name}Error`);
      expect(instance.code).toBe("CONTRACT_REVERT");
    },
  );
});

describe("decodeRevert", () => {
  const cases: {
    name: string;
    data: string;
    cls: sdk.RevertErrorClass;
    args: Record<string, unknown>;
  }[] = [
    {
      name: "RecordWriteConsentRequired(patient, author, category)",
      data: records.encodeErrorResult("RecordWriteConsentRequired", [patient, author, 5]),
      cls: RecordWriteConsentRequiredError,
      args: { patient, author, category: 5n },
    },
    {
      name: "RecordReadConsentRequired(patient, reader, category, purpose)",
      data: records.encodeErrorResult("RecordReadConsentRequired", [patient, author, 6, 4]),
      cls: RecordReadConsentRequiredError,
      args: { patient, reader: author, category: 6n, purpose: 4n },
    },
    {
      name: "RecordNotFound(recordId)",
      data: records.encodeErrorResult("RecordNotFound", [recordId]),
      cls: sdk.RecordNotFoundError,
      args: { recordId },
    },
    {
      name: "RecordInvalidCid(bytes)",
      data: records.encodeErrorResult("RecordInvalidCid", ["0x0155"]),
      cls: sdk.RecordInvalidCidError,
      args: { cid: "0x0155" },
    },
    {
      name: "ConsentExpiryNotInFuture(expiresAt, timestamp)",
      data: consent.encodeErrorResult("ConsentExpiryNotInFuture", [1_700_000_000n, 1_800_000_000n]),
      cls: ConsentExpiryNotInFutureError,
      args: { expiresAt: 1_700_000_000n, timestamp: 1_800_000_000n },
    },
    {
      name: "DirectoryInvalidEncryptionKey() (no arguments)",
      data: directory.encodeErrorResult("DirectoryInvalidEncryptionKey", []),
      cls: DirectoryInvalidEncryptionKeyError,
      args: {},
    },
    {
      name: "DirectoryProviderSuspensionUnchanged(provider, suspended)",
      data: directory.encodeErrorResult("DirectoryProviderSuspensionUnchanged", [author, true]),
      cls: sdk.DirectoryProviderSuspensionUnchangedError,
      args: { provider: author, suspended: true },
    },
    {
      name: "AccessControlUnauthorizedAccount(account, neededRole) (OpenZeppelin)",
      data: directory.encodeErrorResult("AccessControlUnauthorizedAccount", [author, `0x${"00".repeat(32)}`]),
      cls: sdk.AccessControlUnauthorizedAccountError,
      args: { account: author, neededRole: `0x${"00".repeat(32)}` },
    },
  ];

  it.each(cases)("$name → its class with named args", ({ data, cls, args }) => {
    const cause = new Error("provider said no");
    const error = decodeRevert(data, cause);
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(ContractRevertError);
    expect(error).not.toBeInstanceOf(UnknownRevertError);
    expect(error.errorName).toBe(cls.errorName);
    expect({ ...error.args }).toEqual(args);
    expect(Object.isFrozen(error.args)).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.shortMessage).toMatch(new RegExp(`^The contract refused the call: ${cls.errorName}\\(`));
  });

  it.each([
    { name: "an unknown selector", data: "0xdeadbeef" },
    { name: "an unknown selector with arguments", data: `0x12345678${"00".repeat(32)}` },
    { name: "empty data", data: "0x" },
    { name: "not hex", data: "revert" },
    {
      name: "a known selector with truncated arguments",
      data: records.encodeErrorResult("RecordNotFound", [recordId]).slice(0, 20),
    },
  ])("$name → UnknownRevertError", ({ data }) => {
    const error = decodeRevert(data);
    expect(error).toBeInstanceOf(UnknownRevertError);
    expect(error.errorName).toBe("Unknown");
    expect({ ...error.args }).toEqual({ data });
  });

  it("a plain Error(string) revert → UnknownRevertError named Error with the reason", () => {
    const data = new Interface(["error Error(string)"]).encodeErrorResult("Error", ["boom"]);
    const error = decodeRevert(data);
    expect(error).toBeInstanceOf(UnknownRevertError);
    expect(error.errorName).toBe("Error");
    expect(Object.values(error.args)).toEqual(["boom"]);
  });
});

describe("withRevertDecoding", () => {
  const data = records.encodeErrorResult("RecordNotFound", [recordId]);

  it("passes the result through", async () => {
    expect(await withRevertDecoding("read", async () => 42)).toBe(42);
  });

  it.each([
    { name: "data on the error", error: Object.assign(new Error("x"), { data }) },
    { name: "data nested in error.info.error", error: { info: { error: { code: 3, data } } } },
    { name: "data nested in error.cause.data.data", error: new Error("outer", { cause: { data: { data } } }) },
  ])("finds revert data ($name) and throws the typed error", async ({ error }) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- plain-object rejections are the case
    const thrown = await withRevertDecoding("read", () => Promise.reject(error)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(sdk.RecordNotFoundError);
    expect((thrown as ContractRevertError).args).toEqual({ recordId });
    expect((thrown as ContractRevertError).cause).toBe(error);
  });

  it("rethrows CarechainErrors untouched and wraps other failures with code CHAIN", async () => {
    const own = new DecryptionError("nope");
    await expect(withRevertDecoding("x", () => Promise.reject(own))).rejects.toBe(own);
    const network = new Error("ECONNREFUSED");
    const thrown = (await withRevertDecoding("grant consent", () => Promise.reject(network)).catch(
      (e: unknown) => e,
    )) as CarechainError;
    expect(thrown).toBeInstanceOf(CarechainError);
    expect(thrown.code).toBe("CHAIN");
    expect(thrown.shortMessage).toBe('The chain call "grant consent" failed.');
    expect(thrown.cause).toBe(network);
  });
});

describe("CarechainError", () => {
  it("carries code, shortMessage, details and a message combining them", () => {
    const error = new CarechainError("TEST", "Something failed.", { details: "id=7" });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("CarechainError");
    expect(error.code).toBe("TEST");
    expect(error.shortMessage).toBe("Something failed.");
    expect(error.details).toBe("id=7");
    expect(error.message).toBe("Something failed.\n\nDetails: id=7");
    expect(new DecryptionError("x").name).toBe("DecryptionError");
  });

  it("walk finds a cause by predicate, returns the deepest without one, undefined when nothing matches", () => {
    const root = new RangeError("root cause");
    const middle = new TypeError("middle", { cause: root });
    const top = new DecryptionError("top", { cause: middle });
    expect(top.walk((e) => e instanceof RangeError)).toBe(root);
    expect(top.walk((e) => e instanceof TypeError)).toBe(middle);
    expect(top.walk((e) => e instanceof DecryptionError)).toBe(top);
    expect(top.walk()).toBe(root);
    expect(top.walk((e) => e instanceof SyntaxError)).toBeUndefined();
    expect(new CarechainError("X", "alone").walk()).toBeInstanceOf(CarechainError);
  });

  it("walk reaches the cipher's error under a real DecryptionError", () => {
    const dek = generateDek();
    const sealed = encryptEnvelope(dek, new Uint8Array(5), new Uint8Array(0));
    let error: unknown;
    try {
      decryptEnvelope(generateDek(), sealed, new Uint8Array(0));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecryptionError);
    const inner = (error as DecryptionError).walk((e) => e instanceof Error && !(e instanceof CarechainError));
    expect(inner).toBeInstanceOf(Error);
    expect(inner).toBe((error as DecryptionError).cause);
  });
});
