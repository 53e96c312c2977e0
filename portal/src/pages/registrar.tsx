/** The registrar's page: every credentialed provider with its kind and status, suspend and reinstate. */
import { useEffect } from "preact/hooks";
import { PROVIDER_KINDS } from "carechain";
import { getAddress } from "ethers";

import type { NameOf } from "../errors.js";
import type { Session } from "../session.js";
import { ActionButton, ErrorNotice, Status, useAction } from "../ui.js";

interface ProviderRow {
  readonly address: string;
  readonly kind: string;
  readonly suspended: boolean;
}

/** The providers the Directory lists (from its ProviderRegistered events), with their current status. */
async function listProviders(session: Session): Promise<ProviderRow[]> {
  const { directory } = session.client.contracts;
  const events = await directory.queryFilter(directory.filters.ProviderRegistered());
  const addresses = [...new Set(events.map((e) => getAddress(e.args.provider)))];
  return Promise.all(
    addresses.map(async (address) => {
      const p = (await directory.getFunction("provider")(address)) as { kind: bigint; suspended: boolean };
      return { address, kind: PROVIDER_KINDS[Number(p.kind)] ?? "unknown", suspended: p.suspended };
    }),
  );
}

/** The registrar page. */
export function Registrar({ session, name }: { session: Session; name: NameOf }) {
  const list = useAction(() => listProviders(session));
  const change = useAction(async (row: ProviderRow) => {
    change.setProgress(
      `${row.suspended ? "Reinstating" : "Suspending"} ${name(row.address)} (confirm in your wallet)…`,
    );
    if (row.suspended) await session.client.reinstateProvider(row.address);
    else await session.client.suspendProvider(row.address);
    await list.run();
    return `${name(row.address)} ${row.suspended ? "reinstated" : "suspended"}`;
  });
  useEffect(() => {
    void list.run();
  }, [session]);
  return (
    <section aria-labelledby="registrar-title">
      <h2 id="registrar-title">Providers</h2>
      {list.busy && !list.result && <Status>Loading providers…</Status>}
      <ErrorNotice error={list.error} name={name} />
      {list.result && (
        <table>
          <caption class="sr-only">Credentialed providers</caption>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.result.map((row) => (
              <tr key={row.address} data-provider={row.address}>
                <td>
                  {name(row.address)} <code class="muted">{row.address}</code>
                </td>
                <td>{row.kind}</td>
                <td class={row.suspended ? "suspended" : "active"}>{row.suspended ? "Suspended" : "Active"}</td>
                <td>
                  <ActionButton
                    action={change}
                    kind={row.suspended ? undefined : "danger"}
                    onClick={() => void change.run(row)}
                    label={`${row.suspended ? "Reinstate" : "Suspend"} ${name(row.address)}`}
                  >
                    {row.suspended ? "Reinstate" : "Suspend"}
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {change.busy && <Status>{change.progress}</Status>}
      {change.result && <Status kind="ok">{change.result}.</Status>}
      <ErrorNotice error={change.error} name={name} />
    </section>
  );
}
