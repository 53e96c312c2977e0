/**
 * Emergency settings on the sharing page: the categories break-glass may read (editable by the patient,
 * `setEmergencyCategories`) and the emergency key custodian the Directory names (set by the admin, shown).
 */
import { useEffect, useState } from "preact/hooks";
import { Category, categoriesOfMask, categoryName, type CategoryName } from "carechain";
import { getAddress, ZeroAddress } from "ethers";

import type { NameOf } from "../errors.js";
import type { Session } from "../session.js";
import { ErrorNotice, Status, useAction } from "../ui.js";

const CATEGORIES = Object.keys(Category) as CategoryName[];

interface EmergencyPolicy {
  readonly categories: ReadonlySet<CategoryName>;
  /** The custodian's address, or undefined when the Directory names none. */
  readonly custodian: string | undefined;
  readonly custodianActive: boolean;
}

/** The patient's emergency categories (ConsentRegistry) and the custodian (Directory), read from the chain. */
async function readPolicy(session: Session): Promise<EmergencyPolicy> {
  const { consent, directory } = session.client.contracts;
  const [mask, custodian] = await Promise.all([
    consent.emergencyCategoriesOf(session.address),
    directory.emergencyCustodian(),
  ]);
  const named = custodian === ZeroAddress ? undefined : getAddress(custodian);
  const custodianActive = named !== undefined && (await directory.isActiveProvider(named));
  const categories = new Set(
    categoriesOfMask(mask).flatMap((id) => {
      const n = categoryName(id);
      return n ? [n] : [];
    }),
  );
  return { categories, custodian: named, custodianActive };
}

/** The emergency section of the patient's sharing page. */
export function EmergencySettings({ session, name }: { session: Session; name: NameOf }) {
  const policy = useAction(() => readPolicy(session));
  const [chosen, setChosen] = useState<Set<CategoryName> | undefined>();
  const save = useAction(async () => {
    const categories = [...(chosen ?? [])];
    save.setProgress("Saving your emergency categories (confirm in your wallet)…");
    await session.client.setEmergencyCategories(categories);
    const read = await policy.run();
    if (read) setChosen(new Set(read.categories));
    return categories.length;
  });
  useEffect(() => {
    void policy.run().then((read) => read && setChosen(new Set(read.categories)));
  }, [session]);
  const current = policy.result;
  const changed =
    current !== undefined &&
    chosen !== undefined &&
    (chosen.size !== current.categories.size || [...chosen].some((c) => !current.categories.has(c)));
  const toggle = (c: CategoryName) => {
    const next = new Set(chosen);
    if (next.has(c)) next.delete(c);
    else next.add(c);
    setChosen(next);
  };
  return (
    <form
      class="emergency-settings"
      aria-labelledby="emergency-title"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h3 id="emergency-title">Emergency access</h3>
      <ErrorNotice error={policy.error} name={name} />
      {current && (
        <p data-testid="custodian">
          Emergency key custodian:{" "}
          {current.custodian ? (
            <>
              <strong>{name(current.custodian)}</strong> <code class="muted">{current.custodian}</code>
              {current.custodianActive ? "" : " (suspended: no key is released)"}
            </>
          ) : (
            <strong>none named</strong>
          )}
          . The registry's administrator names it; its service releases a record's key to an emergency provider who has
          broken the glass, and logs it in your activity.
        </p>
      )}
      {chosen && (
        <fieldset>
          <legend>Categories an emergency provider may read after breaking the glass</legend>
          {CATEGORIES.map((c) => (
            <label key={c} class="inline">
              <input
                type="checkbox"
                name="emergency-category"
                value={c}
                checked={chosen.has(c)}
                onChange={() => toggle(c)}
              />{" "}
              {c}
            </label>
          ))}
        </fieldset>
      )}
      <p class="muted">
        Records written after a change follow the new set (their key is also wrapped for the custodian); records already
        stored in a category you add stay out of reach in an emergency until they are written again.
      </p>
      <button type="submit" disabled={save.busy || !changed}>
        Save emergency categories
      </button>
      {save.busy && <Status>{save.progress}</Status>}
      {save.result !== undefined && (
        <Status kind="ok">
          Saved: {save.result} categor{save.result === 1 ? "y" : "ies"} readable in an emergency.
        </Status>
      )}
      <ErrorNotice error={save.error} name={name} />
    </form>
  );
}
