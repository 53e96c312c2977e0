/**
 * The registrar's page: credential a provider (address, kind, X25519 public key), and every credentialed provider
 * with its kind and status, suspend and reinstate.
 */
import { useEffect, useState } from "preact/hooks";
import { PROVIDER_KINDS, type ProviderKind } from "carechain";
import { getAddress, getBytes, isAddress, isHexString } from "ethers";

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

const KINDS = PROVIDER_KINDS.filter((k): k is ProviderKind => k !== "none");

/**
 * The fields of the credential form as the SDK takes them, or a RangeError naming the field (nothing sent).
 * @throws {RangeError} When the address or the key is malformed.
 */
function credentialInput(address: string, keyHex: string): { account: string; publicKey: Uint8Array } {
  const account = address.trim();
  if (!isAddress(account)) throw new RangeError("that is not an account address (0x and 40 hexadecimal digits).");
  const key = keyHex.trim().startsWith("0x") ? keyHex.trim() : `0x${keyHex.trim()}`;
  if (!isHexString(key, 32))
    throw new RangeError("the public key must be the provider's X25519 public key: 32 bytes, 64 hexadecimal digits.");
  return { account: getAddress(account), publicKey: getBytes(key) };
}

/** The credential form: a new provider's address, kind and X25519 public key. */
function CredentialForm({ session, name, onDone }: { session: Session; name: NameOf; onDone: () => void }) {
  const [address, setAddress] = useState("");
  const [kind, setKind] = useState<ProviderKind>("clinic");
  const [key, setKey] = useState("");
  const register = useAction(async () => {
    const { account, publicKey } = credentialInput(address, key);
    register.setProgress(`Credentialing ${name(account)} as ${kind} (confirm in your wallet)…`);
    await session.client.registerProvider(account, kind, publicKey);
    setAddress("");
    setKey("");
    onDone();
    return `${name(account)} credentialed as ${kind}`;
  });
  return (
    <form
      class="credential-form"
      aria-labelledby="credential-title"
      onSubmit={(e) => {
        e.preventDefault();
        void register.run();
      }}
    >
      <h3 id="credential-title">Credential a provider</h3>
      <p>
        <label for="credential-address">Account address </label>
        <input
          id="credential-address"
          type="text"
          spellcheck={false}
          size={44}
          value={address}
          onInput={(e) => setAddress((e.target as HTMLInputElement).value)}
        />
      </p>
      <p>
        <label for="credential-kind">Kind </label>
        <select
          id="credential-kind"
          value={kind}
          onChange={(e) => setKind((e.target as HTMLSelectElement).value as ProviderKind)}
        >
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </p>
      <p>
        <label for="credential-key">X25519 public key (hex) </label>
        <input
          id="credential-key"
          type="text"
          spellcheck={false}
          size={68}
          value={key}
          aria-describedby="credential-key-help"
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
      </p>
      <p id="credential-key-help" class="muted">
        The provider's encryption key (32 bytes), as its wallet derives it: records shared with it are wrapped for this
        key.
      </p>
      <button type="submit" class="primary" disabled={register.busy || address.trim() === "" || key.trim() === ""}>
        Credential
      </button>
      {register.busy && <Status>{register.progress}</Status>}
      {register.result && <Status kind="ok">{register.result}.</Status>}
      <ErrorNotice error={register.error} name={name} />
    </form>
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
      <CredentialForm session={session} name={name} onDone={() => void list.run()} />
    </section>
  );
}
