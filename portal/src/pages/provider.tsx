/**
 * Provider pages: the patients who granted this provider access (each opens the patient's records, read with a
 * chosen purpose), adding a record by uploading FHIR JSON (a resource or a Bundle; validated in the page first,
 * nothing sent when invalid) or a file as an encrypted attachment, and break-glass for emergency providers (reason, countdown, reads via the emergency
 * key custodian, close).
 */
import { useEffect, useState } from "preact/hooks";
import { categoryName, FhirValidationError, PURPOSE_DISPLAY, type GrantInfo } from "carechain";
import { getAddress } from "ethers";

import type { PortalConfig } from "../config.js";
import type { NameOf } from "../errors.js";
import { chainBlock, type Session } from "../session.js";
import { decodeSignedGrant } from "../signed-grant.js";
import { ActionButton, ErrorNotice, Status, dateTime, useAction } from "../ui.js";
import { AttachmentUpload } from "./attachment-upload.js";
import { RecordForm } from "./record-form.js";
import { ProviderRecords } from "./records.js";

const names = (ids: readonly number[]) => (ids.length ? ids.map((c) => categoryName(c) ?? String(c)).join(", ") : "—");

/** The active grants held by this provider, one per patient. */
async function grantsToMe(session: Session): Promise<GrantInfo[]> {
  const { consent } = session.client.contracts;
  const events = await consent.queryFilter(consent.filters.ConsentGranted(undefined, session.address));
  const patients = [...new Set(events.map((e) => getAddress(e.args.patient)))];
  const found: GrantInfo[] = [];
  for (const patient of patients) {
    const grant = (await session.client.listGrants(patient)).find((g) => g.active && g.grantee === session.address);
    if (grant) found.push(grant);
  }
  return found;
}

/** The patients who granted this provider access. */
export function MyPatients({ session, name }: { session: Session; name: NameOf }) {
  const grants = useAction(() => grantsToMe(session));
  const [open, setOpen] = useState<string | undefined>();
  useEffect(() => {
    void grants.run();
  }, [session]);
  return (
    <section aria-labelledby="patients-title">
      <h2 id="patients-title">My patients</h2>
      <p>
        <button type="button" onClick={() => void grants.run()} disabled={grants.busy}>
          Refresh
        </button>
      </p>
      {grants.busy && <Status>Loading the grants you hold…</Status>}
      <ErrorNotice error={grants.error} name={name} />
      {grants.result?.length === 0 && <p>No patient has granted you access.</p>}
      <RelayGrant session={session} name={name} onRelayed={() => void grants.run()} />
      <ul class="patients">
        {grants.result?.map((g) => (
          <li key={g.patient} data-patient={g.patient}>
            <button
              type="button"
              class="link"
              aria-expanded={open === g.patient}
              onClick={() => setOpen(open === g.patient ? undefined : g.patient)}
            >
              {name(g.patient)}
            </button>{" "}
            <span class="muted">
              read {names(g.read)} · write {names(g.write)} · for {g.purposes.map((p) => PURPOSE_DISPLAY[p]).join(", ")}{" "}
              · until {dateTime(g.expiresAt)}
            </span>
            {open === g.patient && <ProviderRecords session={session} patient={g.patient} name={name} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Relaying a patient's signed grant: this provider sends it (and pays the gas), then publishes its keyrings. */
function RelayGrant({ session, name, onRelayed }: { session: Session; name: NameOf; onRelayed: () => void }) {
  const [text, setText] = useState("");
  const relay = useAction(async () => {
    const signed = decodeSignedGrant(text);
    relay.setProgress(
      `Relaying ${name(signed.request.patient)}'s signed grant (confirm in your wallet; you pay the gas)…`,
    );
    await session.client.relayGrant(signed);
    setText("");
    onRelayed();
    return signed.request.patient;
  });
  return (
    <details class="relay">
      <summary>Relay a signed grant</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void relay.run();
        }}
      >
        <label for="relay-text">Signed grant (the text the patient sent)</label>
        <textarea
          id="relay-text"
          rows={6}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <button type="submit" disabled={relay.busy || text.trim() === ""}>
          Relay
        </button>
      </form>
      {relay.busy && <Status>{relay.progress}</Status>}
      {relay.result && <Status kind="ok">Relayed: {name(relay.result)} granted you access.</Status>}
      <ErrorNotice error={relay.error} name={name} />
    </details>
  );
}

/** Adding a record: upload or paste FHIR JSON (a resource or a Bundle), validated before anything is sent. */
export function AddRecord({ session, config, name }: { session: Session; config: PortalConfig; name: NameOf }) {
  const patients = config.accounts.filter((a) => a.role === "patient");
  const [patient, setPatient] = useState(patients[0]?.address ?? "");
  const [text, setText] = useState("");
  const [issues, setIssues] = useState<{ path: string; message: string }[]>([]);
  const add = useAction(async () => {
    setIssues([]);
    let resource: { resourceType?: string };
    try {
      resource = session.validator.validateJson(text);
    } catch (error) {
      if (error instanceof FhirValidationError) setIssues([...error.issues]);
      throw error;
    }
    if (resource.resourceType === "Bundle") {
      add.setProgress("Encrypting, storing and anchoring the bundle's records (confirm in your wallet)…");
      const batches = await session.client.importBundle(patient, resource);
      return `${batches.reduce((n, b) => n + b.records.length, 0)} records anchored in ${batches.length} batch(es)`;
    }
    add.setProgress("Encrypting, storing and anchoring the record (confirm in your wallet)…");
    const added = await session.client.addRecord(patient, resource);
    return `${resource.resourceType} anchored in block ${added.blockNumber}`;
  });
  const onFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    setText(await file.text());
    setIssues([]);
    add.reset();
  };
  return (
    <section aria-labelledby="add-title">
      <h2 id="add-title">Add a record</h2>
      <p>
        <label for="add-patient">Patient </label>
        <select id="add-patient" value={patient} onChange={(e) => setPatient((e.target as HTMLSelectElement).value)}>
          {patients.map((p) => (
            <option key={p.address} value={p.address}>
              {p.name}
            </option>
          ))}
        </select>
      </p>
      <RecordForm session={session} patient={patient} name={name} />
      <form
        aria-labelledby="upload-title"
        onSubmit={(e) => {
          e.preventDefault();
          void add.run();
        }}
      >
        <h3 id="upload-title">Or upload FHIR JSON</h3>
        <p>
          <label for="fhir-file">Upload FHIR JSON (a resource or a Bundle) </label>
          <input
            id="fhir-file"
            type="file"
            accept=".json,application/json,application/fhir+json"
            onChange={(e) => void onFile(e.target as HTMLInputElement)}
          />
        </p>
        <p>
          <label for="fhir-json">FHIR JSON</label>
          <textarea
            id="fhir-json"
            rows={10}
            value={text}
            aria-invalid={issues.length > 0}
            aria-describedby={issues.length > 0 ? "fhir-issues" : undefined}
            onInput={(e) => {
              setText((e.target as HTMLTextAreaElement).value);
              setIssues([]);
            }}
          />
        </p>
        {issues.length > 0 && (
          <ul id="fhir-issues" class="issues" aria-label="Validation problems">
            {issues.map((i, k) => (
              <li key={k}>
                <code>{i.path}</code>: {i.message}
              </li>
            ))}
          </ul>
        )}
        <button type="submit" class="primary" disabled={add.busy || text.trim() === ""}>
          Validate and add
        </button>
      </form>
      {add.busy && <Status>{add.progress ?? "Validating…"}</Status>}
      {add.result && <Status kind="ok">Added: {add.result}.</Status>}
      <ErrorNotice error={add.error} name={name} />
      <AttachmentUpload session={session} patient={patient} name={name} />
    </section>
  );
}

/** Break-glass for an emergency provider: reason, duration, countdown, reads via the custodian, close. */
export function BreakGlass({ session, config, name }: { session: Session; config: PortalConfig; name: NameOf }) {
  const patients = config.accounts.filter((a) => a.role === "patient");
  const [patient, setPatient] = useState(patients[0]?.address ?? "");
  const [reason, setReason] = useState("");
  const [hours, setHours] = useState(1);
  // expiresAt is chain time; `offset` (chain time − this clock, at opening) keeps the countdown on the chain's clock.
  const [episode, setEpisode] = useState<{ patient: string; expiresAt: number; offset: number } | undefined>();
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1000);
    return () => clearInterval(timer);
  }, []);
  const open = useAction(async () => {
    open.setProgress("Opening emergency access (confirm in your wallet)…");
    const result = await session.client.openBreakGlass(patient, {
      justification: reason,
      durationSeconds: hours * 3600,
    });
    const block = await chainBlock(session, result.blockNumber);
    setEpisode({ patient, expiresAt: result.expiresAt, offset: block.timestamp - Math.floor(Date.now() / 1000) });
    return result;
  });
  const close = useAction(async () => {
    if (!episode) return;
    close.setProgress("Closing emergency access…");
    await session.client.closeBreakGlass(session.address, { patient: episode.patient });
    setEpisode(undefined);
  });
  const left = episode ? Math.max(0, episode.expiresAt - (now + episode.offset)) : 0;
  const clock = `${Math.floor(left / 3600)}:${String(Math.floor((left % 3600) / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
  return (
    <section aria-labelledby="bg-title">
      <h2 id="bg-title">Emergency access (break-glass)</h2>
      <p class="warning">
        Break-glass reads a patient's emergency categories without consent. It is loud: the patient sees it in red in
        their activity, and your reason's hash is kept on chain for review.
      </p>
      {!episode && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void open.run();
          }}
        >
          <p>
            <label for="bg-patient">Patient </label>
            <select id="bg-patient" value={patient} onChange={(e) => setPatient((e.target as HTMLSelectElement).value)}>
              {patients.map((p) => (
                <option key={p.address} value={p.address}>
                  {p.name}
                </option>
              ))}
            </select>
          </p>
          <p>
            <label for="bg-reason">Reason (required)</label>
            <textarea
              id="bg-reason"
              rows={3}
              required
              value={reason}
              onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
            />
          </p>
          <p>
            <label for="bg-hours">Duration </label>
            <select
              id="bg-hours"
              value={hours}
              onChange={(e) => setHours(Number((e.target as HTMLSelectElement).value))}
            >
              {[1, 2, 4, 8].map((h) => (
                <option key={h} value={h}>
                  {h} hour{h === 1 ? "" : "s"}
                </option>
              ))}
            </select>
          </p>
          <button type="submit" class="danger" disabled={open.busy || reason.trim() === ""}>
            Open emergency access
          </button>
        </form>
      )}
      {open.busy && <Status>{open.progress}</Status>}
      <ErrorNotice error={open.error} name={name} />
      {episode && (
        <div class="episode">
          <p class="emergency-banner" role="status">
            Emergency access to {name(episode.patient)} is open: <strong data-testid="countdown">{clock}</strong> left.{" "}
            <ActionButton action={close} kind="danger" onClick={() => void close.run()}>
              Close emergency access
            </ActionButton>
          </p>
          <ProviderRecords session={session} patient={episode.patient} name={name} defaultPurpose="BTG" />
        </div>
      )}
      {close.busy && <Status>{close.progress}</Status>}
      <ErrorNotice error={close.error} name={name} />
    </section>
  );
}
