/**
 * Delegates: who may manage the patient's consent on its behalf (a guardian of a minor, or a proxy), naming one by
 * address and kind, and removing one.
 */
import { useEffect, useState } from "preact/hooks";
import { DELEGATE_KINDS, type DelegateKind } from "carechain";
import { isAddress } from "ethers";

import type { NameOf } from "../errors.js";
import type { Session } from "../session.js";
import { ActionButton, ErrorNotice, Status, useAction } from "../ui.js";

const KINDS = DELEGATE_KINDS.filter((k): k is DelegateKind => k !== "none");

/** The delegates section of the sharing page. */
export function Delegates({ session, name }: { session: Session; name: NameOf }) {
  const list = useAction(() => session.client.listDelegates(session.address));
  const [address, setAddress] = useState("");
  const [kind, setKind] = useState<DelegateKind>("proxy");
  const add = useAction(async () => {
    if (!isAddress(address.trim()))
      throw new RangeError("that is not an account address (0x and 40 hexadecimal digits).");
    add.setProgress(`Naming ${name(address)} as ${kind} (confirm in your wallet)…`);
    await session.client.addDelegate(address.trim(), kind);
    await list.run();
    setAddress("");
    return `${name(address.trim())} is now your ${kind}`;
  });
  const remove = useAction(async (delegate: string) => {
    remove.setProgress(`Removing ${name(delegate)} (confirm in your wallet)…`);
    await session.client.removeDelegate(delegate);
    await list.run();
    return `${name(delegate)} is no longer your delegate`;
  });
  useEffect(() => {
    void list.run();
  }, [session]);
  return (
    <div class="delegates">
      <h3>Delegates</h3>
      <ErrorNotice error={list.error} name={name} />
      {list.result?.length === 0 && <p>Nobody acts for you.</p>}
      {list.result && list.result.length > 0 && (
        <ul>
          {list.result.map((d) => (
            <li key={d.delegate} data-delegate={d.delegate}>
              {name(d.delegate)} — {d.kind}
              {d.confirmed ? "" : " (named by a guardian, not confirmed by you)"}{" "}
              <ActionButton
                action={remove}
                kind="danger"
                onClick={() => void remove.run(d.delegate)}
                label={`Remove delegate ${name(d.delegate)}`}
              >
                Remove
              </ActionButton>
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <label for="delegate-address">Account address </label>
        <input
          id="delegate-address"
          type="text"
          spellcheck={false}
          value={address}
          onInput={(e) => setAddress((e.target as HTMLInputElement).value)}
        />{" "}
        <label for="delegate-kind">as </label>
        <select
          id="delegate-kind"
          value={kind}
          onChange={(e) => setKind((e.target as HTMLSelectElement).value as DelegateKind)}
        >
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>{" "}
        <button type="submit" disabled={add.busy || address.trim() === ""}>
          Name delegate
        </button>
      </form>
      {(add.busy || remove.busy) && <Status>{add.progress ?? remove.progress}</Status>}
      {add.result && <Status kind="ok">{add.result}.</Status>}
      {remove.result && <Status kind="ok">{remove.result}.</Status>}
      <ErrorNotice error={add.error} name={name} />
      <ErrorNotice error={remove.error} name={name} />
    </div>
  );
}
