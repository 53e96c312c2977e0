import { describe, expect, it } from "vitest";

import {
  ConsentDelegateAlreadyConfirmedError,
  ConsentDelegateNotFoundError,
  ConsentSignatureStaleError,
  ConsentUnauthorizedActorError,
  InvalidAccountNonceError,
  RecordReadConsentRequiredError,
} from "../e2e/_sdk.js";
import { extraClients, heartRate, registeredFixture } from "../helpers/fixtures.js";

describe("consent that stays revoked (a hostile relay holding signed requests)", () => {
  it("a signed grant withheld by the relay is refused after the patient revokes directly", async () => {
    const f = await registeredFixture();
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    const terms = {
      read: ["VitalSigns"] as const,
      write: ["VitalSigns"] as const,
      expiresAt: (await f.now()) + 30 * 86400,
    };
    await f.patient.grant(hospital, terms);
    // A renewal signed and handed to a relay, which sits on it.
    const withheld = await f.patient.signGrant(hospital, terms);
    await f.patient.revoke(hospital);

    await expect(f.stranger.relayGrant(withheld)).rejects.toBeInstanceOf(ConsentSignatureStaleError);
    await expect(f.hospital.relayGrant(withheld)).rejects.toBeInstanceOf(ConsentSignatureStaleError);
    expect(await f.patient.canAccess(patient, hospital, "VitalSigns", "read")).toBe(false);
    const later = await f.patient.addRecord(patient, heartRate(70));
    await expect(f.hospital.readRecord(later.recordId)).rejects.toBeInstanceOf(RecordReadConsentRequiredError);
  });

  it("a delegate's withheld signed grant dies with the patient's revoke, and a withheld revoke can't undo a newer grant", async () => {
    const f = await registeredFixture();
    const [proxy] = await extraClients(f, 1);
    const [patient, lab, proxyAddress] = [await f.patient.address(), await f.lab.address(), await proxy!.address()];
    await f.patient.addDelegate(proxyAddress, "proxy");
    const terms = { read: ["Laboratory"] as const, expiresAt: (await f.now()) + 86400 };
    await f.patient.grant(lab, terms);
    const byProxy = await proxy!.signGrant(lab, terms, { patient });
    const oldRevoke = await proxy!.signRevoke(lab, { patient });
    await f.patient.revoke(lab);
    await expect(f.stranger.relayGrant(byProxy)).rejects.toBeInstanceOf(ConsentSignatureStaleError);

    await f.patient.grant(lab, terms);
    // The proxy's nonce is still unused (the stale grant was refused), but the revoke was signed before the newest
    // grant.
    await expect(f.stranger.relayRevoke(oldRevoke)).rejects.toBeInstanceOf(ConsentSignatureStaleError);
    expect(await f.patient.canAccess(patient, lab, "Laboratory", "read")).toBe(true);
  });

  it("the patient cancels a nonce: the signed grant carrying it can never be relayed", async () => {
    const f = await registeredFixture();
    const [patient, lab] = [await f.patient.address(), await f.lab.address()];
    const signed = await f.patient.signGrant(lab, { read: ["Laboratory"], expiresAt: (await f.now()) + 3600 });
    const cancelled = await f.patient.cancelNonce();
    expect(cancelled.nonce).toBe(signed.request.nonce);
    await expect(f.stranger.relayGrant(signed)).rejects.toBeInstanceOf(InvalidAccountNonceError);
    expect(await f.patient.canAccess(patient, lab, "Laboratory", "read")).toBe(false);
    await expect(f.patient.cancelNonce(signed.request.nonce)).rejects.toBeInstanceOf(InvalidAccountNonceError);
    // A request signed now uses the next nonce and works.
    await f.stranger.relayGrant(
      await f.patient.signGrant(lab, { read: ["Laboratory"], expiresAt: (await f.now()) + 3600 }),
    );
    expect(await f.patient.canAccess(patient, lab, "Laboratory", "read")).toBe(true);
  });

  it("a removed and re-named delegate's old unspent signature stays dead", async () => {
    const f = await registeredFixture();
    const [guardian] = await extraClients(f, 1);
    const [patient, lab, guardianAddress] = [
      await f.patient.address(),
      await f.lab.address(),
      await guardian!.address(),
    ];
    await f.patient.addDelegate(guardianAddress, "guardian");
    const withheld = await guardian!.signGrant(
      lab,
      { read: ["Laboratory"], expiresAt: (await f.now()) + 3600 },
      { patient },
    );
    await f.patient.removeDelegate(guardianAddress);
    await expect(f.stranger.relayGrant(withheld)).rejects.toBeInstanceOf(ConsentUnauthorizedActorError);
    await f.patient.addDelegate(guardianAddress, "guardian");
    await expect(f.stranger.relayGrant(withheld)).rejects.toBeInstanceOf(InvalidAccountNonceError);
    expect(await f.patient.canAccess(patient, lab, "Laboratory", "read")).toBe(false);
  });
});

describe("a hostile delegate named by a removed guardian", () => {
  it("goes with the guardian: listed until then, then neither its acts nor its withheld signatures work", async () => {
    const f = await registeredFixture();
    const [guardian, hostile] = await extraClients(f, 2);
    const [patient, stranger] = [await f.patient.address(), await f.stranger.address()];
    const [guardianAddress, hostileAddress] = [await guardian!.address(), await hostile!.address()];
    await f.stranger.registerPatient(); // a registered account the hostile delegate wants to give access to
    await f.patient.addDelegate(guardianAddress, "guardian");
    await guardian!.addDelegate(hostileAddress, "proxy", { patient });

    expect(await f.patient.listDelegates()).toEqual(
      expect.arrayContaining([
        { delegate: guardianAddress, kind: "guardian", namedBy: patient, confirmed: true },
        { delegate: hostileAddress, kind: "proxy", namedBy: guardianAddress, confirmed: false },
      ]),
    );
    // A delegate can list them too (it is a view on chain).
    expect(await hostile!.listDelegates(patient)).toHaveLength(2);

    // The hostile proxy prepares a signed grant for later, then the patient removes the guardian.
    const withheld = await hostile!.signGrant(
      stranger,
      { read: ["VitalSigns"], expiresAt: (await f.now()) + 3600 },
      { patient },
    );
    await f.patient.removeDelegate(guardianAddress);
    expect(await f.patient.listDelegates()).toEqual([]);

    await expect(
      hostile!.grant(stranger, { read: ["VitalSigns"], expiresAt: (await f.now()) + 3600 }, { patient }),
    ).rejects.toBeInstanceOf(ConsentUnauthorizedActorError);
    await expect(f.stranger.relayGrant(withheld)).rejects.toBeInstanceOf(ConsentUnauthorizedActorError);
    await expect(hostile!.addDelegate(await f.lab.address(), "proxy", { patient })).rejects.toBeInstanceOf(
      ConsentUnauthorizedActorError,
    );
    expect(await f.patient.canAccess(patient, stranger, "VitalSigns", "read")).toBe(false);
    const trail = await f.patient.auditTrail(patient);
    expect(trail.filter((e) => e.kind === "DelegateRemoved").map((e) => e.counterpart)).toEqual([
      guardianAddress,
      hostileAddress,
    ]);
  });

  it("stays when the patient confirmed it; only the patient confirms", async () => {
    const f = await registeredFixture();
    const [guardian, proxy] = await extraClients(f, 2);
    const patient = await f.patient.address();
    const [guardianAddress, proxyAddress] = [await guardian!.address(), await proxy!.address()];
    await f.patient.addDelegate(guardianAddress, "guardian");
    await guardian!.addDelegate(proxyAddress, "proxy", { patient });
    // The guardian can't confirm its own appointee for the patient (it would confirm on its own account).
    await expect(guardian!.confirmDelegate(proxyAddress)).rejects.toBeInstanceOf(ConsentDelegateNotFoundError);
    expect((await f.patient.listDelegates()).find((d) => d.delegate === proxyAddress)?.confirmed).toBe(false);

    await f.patient.confirmDelegate(proxyAddress);
    await expect(f.patient.confirmDelegate(proxyAddress)).rejects.toBeInstanceOf(ConsentDelegateAlreadyConfirmedError);
    await f.patient.removeDelegate(guardianAddress);
    expect(await f.patient.listDelegates()).toEqual([
      { delegate: proxyAddress, kind: "proxy", namedBy: guardianAddress, confirmed: true },
    ]);
    await proxy!.grant(await f.lab.address(), { read: ["Laboratory"], expiresAt: (await f.now()) + 3600 }, { patient });
  });
});
