/**
 * Sharing: who can see what (grantee, categories read/write, purposes, expiry), a grant form with a scope picker
 * (categories × read/write × purposes × expiry, shown as the SMART v2 scopes it amounts to), revoke, the
 * delegates and the emergency settings.
 */
import { useEffect, useState } from "preact/hooks";
import {
  Category,
  categoryName,
  PURPOSE_DISPLAY,
  toScopes,
  type CategoryName,
  type GrantInfo,
  type PurposeCode,
} from "carechain";

import type { PortalConfig } from "../config.js";
import type { NameOf } from "../errors.js";
import { chainBlock, type Session } from "../session.js";
import { encodeSignedGrant } from "../signed-grant.js";
import { Delegates } from "./delegates.js";
import { EmergencySettings } from "./emergency-settings.js";
import { ActionButton, ErrorNotice, Status, dateTime, useAction } from "../ui.js";

const CATEGORIES = Object.keys(Category) as CategoryName[];
const PURPOSES: PurposeCode[] = ["TREAT", "HPAYMT", "HOPERAT", "HRESCH", "ETREAT"];
const names = (ids: readonly number[]) => (ids.length ? ids.map((c) => categoryName(c) ?? String(c)).join(", ") : "—");

/** The sharing page of a patient. */
/** Copies the text to the clipboard where the page may use it (the API is absent outside a secure context). */
function copyText(text: string): void {
  if ("clipboard" in navigator) void navigator.clipboard.writeText(text);
}

export function Sharing({ session, config, name }: { session: Session; config: PortalConfig; name: NameOf }) {
  const grants = useAction(() => session.client.listGrants(session.address));
  const revoke = useAction(async (grantee: string) => {
    revoke.setProgress(`Revoking ${name(grantee)}'s access (confirm in your wallet)…`);
    await session.client.revoke(grantee);
    await grants.run();
    return grantee;
  });
  useEffect(() => {
    void grants.run();
  }, [session]);
  const active = (grants.result ?? []).filter((g) => g.active);
  return (
    <section aria-labelledby="sharing-title">
      <h2 id="sharing-title">Sharing</h2>
      <h3>Who can see what</h3>
      {grants.busy && !grants.result && <Status>Loading grants…</Status>}
      <ErrorNotice error={grants.error} name={name} />
      {grants.result && active.length === 0 && <p>Nobody holds a grant on your records.</p>}
      {active.length > 0 && (
        <table class="grants">
          <caption class="sr-only">Active grants</caption>
          <thead>
            <tr>
              <th scope="col">Grantee</th>
              <th scope="col">May read</th>
              <th scope="col">May write</th>
              <th scope="col">Purposes</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {active.map((g: GrantInfo) => (
              <tr key={g.tx} data-grantee={g.grantee}>
                <td>{name(g.grantee)}</td>
                <td>{names(g.read)}</td>
                <td>{names(g.write)}</td>
                <td>{g.purposes.map((p) => PURPOSE_DISPLAY[p]).join(", ")}</td>
                <td>{dateTime(g.expiresAt)}</td>
                <td>
                  <ActionButton
                    action={revoke}
                    kind="danger"
                    onClick={() => void revoke.run(g.grantee)}
                    label={`Revoke ${name(g.grantee)}`}
                  >
                    Revoke
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoke.busy && <Status>{revoke.progress}</Status>}
      {revoke.result && <Status kind="ok">Revoked {name(revoke.result)}'s access.</Status>}
      <ErrorNotice error={revoke.error} name={name} />
      <GrantForm session={session} config={config} name={name} onGranted={() => void grants.run()} />
      <Delegates session={session} name={name} />
      <EmergencySettings session={session} name={name} />
    </section>
  );
}

/** The grant form: grantee, categories × read/write, purposes, expiry. */
function GrantForm({
  session,
  config,
  name,
  onGranted,
}: {
  session: Session;
  config: PortalConfig;
  name: NameOf;
  onGranted: () => void;
}) {
  const providers = config.accounts.filter((a) => a.role === "provider");
  const [grantee, setGrantee] = useState(providers[0]?.address ?? "");
  const [read, setRead] = useState<Set<CategoryName>>(new Set(["Problems"]));
  const [write, setWrite] = useState<Set<CategoryName>>(new Set());
  const [purposes, setPurposes] = useState<Set<PurposeCode>>(new Set(["TREAT"]));
  const [days, setDays] = useState(30);
  const terms = async () => {
    const chainNow = (await chainBlock(session, "latest")).timestamp;
    return { read: [...read], write: [...write], purposes: [...purposes], expiresAt: chainNow + days * 86_400 };
  };
  const grant = useAction(async () => {
    sign.reset();
    grant.setProgress(
      `Granting ${name(grantee)} access and sharing the keys of existing records (confirm in your wallet)…`,
    );
    const result = await session.client.grant(grantee, await terms());
    onGranted();
    return result;
  });
  // Gasless: the patient signs (EIP-712), the provider relays and pays; valid for the SDK's default deadline.
  const sign = useAction(async () => {
    grant.reset();
    sign.setProgress(`Signing a grant for ${name(grantee)} (sign in your wallet; no transaction, no gas)…`);
    return encodeSignedGrant(await session.client.signGrant(grantee, await terms()));
  });
  const toggle = <T,>(set: Set<T>, value: T, update: (s: Set<T>) => void) => {
    const next = new Set(set);
    if (next.has(value)) next.delete(value);
    else next.add(value);
    update(next);
  };
  const signed = sign.result;
  let scopes: string[];
  try {
    scopes = toScopes({ read: [...read].map((c) => Category[c]), write: [...write].map((c) => Category[c]) });
  } catch {
    scopes = [];
  }
  return (
    <form
      class="grant-form"
      aria-labelledby="grant-title"
      onSubmit={(e) => {
        e.preventDefault();
        void grant.run();
      }}
    >
      <h3 id="grant-title">Grant access</h3>
      <p>
        <label for="grantee">Grantee </label>
        <select id="grantee" value={grantee} onChange={(e) => setGrantee((e.target as HTMLSelectElement).value)}>
          {providers.map((p) => (
            <option value={p.address} key={p.address}>
              {p.name} ({p.kind})
            </option>
          ))}
        </select>
      </p>
      <fieldset>
        <legend>Categories</legend>
        <table class="scope-picker">
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Read</th>
              <th scope="col">Write</th>
            </tr>
          </thead>
          <tbody>
            {CATEGORIES.map((c) => (
              <tr key={c}>
                <th scope="row">{c}</th>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Read ${c}`}
                    checked={read.has(c)}
                    onChange={() => toggle(read, c, setRead)}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Write ${c}`}
                    checked={write.has(c)}
                    onChange={() => toggle(write, c, setWrite)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </fieldset>
      <fieldset>
        <legend>Purposes of use</legend>
        {PURPOSES.map((p) => (
          <label key={p} class="inline">
            <input type="checkbox" checked={purposes.has(p)} onChange={() => toggle(purposes, p, setPurposes)} />{" "}
            {PURPOSE_DISPLAY[p]}
          </label>
        ))}
      </fieldset>
      <p>
        <label for="expiry-days">Expires after (days) </label>
        <input
          id="expiry-days"
          type="number"
          min={1}
          max={3650}
          value={days}
          onInput={(e) => setDays(Number((e.target as HTMLInputElement).value))}
        />
      </p>
      {scopes.length > 0 && (
        <p class="muted">
          SMART v2 scopes: <code>{scopes.join(" ")}</code>
        </p>
      )}
      <button type="submit" class="primary" disabled={grant.busy || sign.busy}>
        Grant
      </button>{" "}
      <button type="button" disabled={grant.busy || sign.busy} onClick={() => void sign.run()}>
        Sign for the provider to relay (no gas)
      </button>
      {grant.busy && <Status>{grant.progress}</Status>}
      {grant.result && (
        <Status kind="ok">
          Granted {name(grantee)}; {grant.result.shared} existing record{grant.result.shared === 1 ? "" : "s"} shared.
        </Status>
      )}
      <ErrorNotice error={grant.error} name={name} />
      {sign.busy && <Status>{sign.progress}</Status>}
      {signed && (
        <div class="signed-grant">
          <Status kind="ok">
            Signed. Send this text to {name(grantee)}; it grants nothing until they relay it (Relay a signed grant).
          </Status>
          <label for="signed-grant-text">Signed grant</label>
          <textarea id="signed-grant-text" rows={6} readOnly value={signed} />
          <button type="button" onClick={() => copyText(signed)}>
            Copy
          </button>
        </div>
      )}
      <ErrorNotice error={sign.error} name={name} />
    </form>
  );
}
