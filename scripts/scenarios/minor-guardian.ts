/**
 * The minor-with-guardian scenario: a minor names a guardian, who manages consent for them (grants the clinic, which
 * records an immunization, then revokes it). The guardian names a proxy (a grandparent); the proxy may grant (the
 * pharmacy, which records a prescription) but may not name delegates; every act is attributed in the minor's audit
 * trail; the guardian removes the proxy, whose next grant is refused.
 */
import { ConsentUnauthorizedActorError, RecordWriteConsentRequiredError } from "../../sdk/index.js";
import { defineScenario } from "../pilot/scenario.js";
import { DAY, guardianEpisode, now } from "./episodes.js";

export default defineScenario({
  name: "minor-guardian",
  description:
    "A minor's guardian manages consent: grants the clinic, which records an immunization, and revokes it; names a " +
    "proxy who may grant (the pharmacy records a prescription) but not name delegates; the minor's audit trail " +
    "attributes each act; the guardian removes the proxy, whose next grant is refused.",
  async run(pilot, data) {
    const clinic = await pilot.provider("Riverside Family Clinic", "clinic");
    const pharmacy = await pilot.provider("Harbor Pharmacy", "pharmacy");
    const { records } = data.patient(0);
    const find = (type: string, category?: string) => {
      const found = records.find(
        (r) => r.resourceType === type && (!category || JSON.stringify(r.category ?? "").includes(category)),
      );
      if (!found) throw new Error(`the minor-guardian scenario needs a patient with a ${type} record`);
      return pilot.input(found);
    };

    // The guardian episode: refused before being named, then grants the clinic, which adds an immunization; revoked.
    const { minor, guardian, immunizationId } = await guardianEpisode(pilot, { clinic }, data, 0);
    await pilot.refused(
      "add vital signs after the guardian revoked the clinic",
      clinic.name,
      RecordWriteConsentRequiredError,
      () => clinic.client.addRecord(minor.address, find("Observation", "vital-signs")),
    );

    // A proxy: may grant and revoke for the minor, but may not name or remove other delegates.
    const proxy = await pilot.account("Proxy (grandparent)");
    const another = await pilot.account("Would-be second proxy");
    await pilot.step("name a proxy (by the guardian)", guardian.name, () =>
      guardian.client.addDelegate(proxy.address, "proxy", { patient: minor.address }),
    );
    // The delegates are listed on chain, with who named each: the proxy, named by the guardian and not confirmed by
    // the minor, would go with the guardian if the guardian were removed.
    await pilot.step("list delegates on chain", minor.name, async () => {
      const delegates = await minor.client.listDelegates();
      const named = delegates.find((d) => same(d.delegate, proxy.address));
      if (delegates.length !== 2 || !named || !same(named.namedBy, guardian.address) || named.confirmed) {
        throw new Error(`unexpected delegates: ${JSON.stringify(delegates)}`);
      }
      return undefined;
    });
    const t = await now(pilot);
    const pharmacyTerms = {
      read: ["Medications", "Allergies"],
      write: ["Medications"],
      purposes: ["TREAT"],
      expiresAt: t + 30 * DAY,
    } as const;
    await pilot.step("grant pharmacy for the minor (by the proxy)", proxy.name, () =>
      proxy.client.grant(pharmacy.address, pharmacyTerms, { patient: minor.address }),
    );
    const added = await pilot.step("add MedicationRequest", pharmacy.name, () =>
      pharmacy.client.addRecord(minor.address, find("MedicationRequest")),
    );
    pilot.anchored.push(added.recordId);
    await pilot.refused("name another delegate (a proxy may not)", proxy.name, ConsentUnauthorizedActorError, () =>
      proxy.client.addDelegate(another.address, "proxy", { patient: minor.address }),
    );

    // The minor's audit trail names who did what.
    await pilot.step("see guardian and proxy acts in the audit trail", minor.name, async () => {
      const trail = await minor.client.auditTrail(minor.address);
      const by = (kind: string, actor: string, counterpart?: string) =>
        trail.some(
          (e) => e.kind === kind && same(e.actor, actor) && (!counterpart || same(e.counterpart, counterpart)),
        );
      const expected: [string, string, string][] = [
        ["DelegateAdded", minor.address, guardian.address],
        ["ConsentGranted", guardian.address, clinic.address],
        ["ConsentRevoked", guardian.address, clinic.address],
        ["DelegateAdded", guardian.address, proxy.address],
        ["ConsentGranted", proxy.address, pharmacy.address],
      ];
      for (const [kind, actor, counterpart] of expected) {
        if (!by(kind, actor, counterpart))
          throw new Error(`${kind} by ${actor} for ${counterpart} is not in the audit trail`);
      }
      return undefined;
    });

    await pilot.step("remove the proxy (by the guardian)", guardian.name, () =>
      guardian.client.removeDelegate(proxy.address, { patient: minor.address }),
    );
    await pilot.refused("grant after being removed", proxy.name, ConsentUnauthorizedActorError, () =>
      proxy.client.grant(clinic.address, { read: ["Immunizations"], expiresAt: t + DAY }, { patient: minor.address }),
    );
    if (immunizationId) {
      await pilot.step(
        "read back the immunization",
        minor.name,
        async () => (await minor.client.readRecord(immunizationId)).accessLog,
      );
    }
  },
});

function same(a: string | undefined, b: string): boolean {
  return a?.toLowerCase() === b.toLowerCase();
}
