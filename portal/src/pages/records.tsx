/**
 * Records: the patient's own records grouped by category and ordered by date (decrypted in the page, each opened
 * as a clinical view with its verification badge and version history), and the same list for a provider, who reads one record at a
 * time with a chosen purpose (each read logged on chain).
 */
import { useEffect, useState } from "preact/hooks";
import { categoryName, PURPOSE_DISPLAY, type PurposeCode, type ReadRecord, type RecordAnchor } from "carechain";

import type { NameOf } from "../errors.js";
import { AttachmentDownloads } from "../attachments.js";
import { ClinicalView, summarize } from "../fhir-view.js";
import type { Session } from "../session.js";
import { timed } from "../session.js";
import { ErrorNotice, Status, dateTime, useAction } from "../ui.js";

/** Every version of the record `recordId` belongs to, oldest first (undefined while loading or when it fails). */
function useHistory(session: Session, recordId: string | undefined): RecordAnchor[] | undefined {
  const [history, setHistory] = useState<RecordAnchor[] | undefined>();
  useEffect(() => {
    let live = true;
    setHistory(undefined);
    if (recordId !== undefined)
      void session.client.history(recordId).then(
        (h) => live && setHistory([...h]),
        () => {},
      );
    return () => {
      live = false;
    };
  }, [session, recordId]);
  return history;
}

/** The verification badge: CID verified, anchoring block and time, author, version (of `versions`, once known). */
export function VerificationBadge({
  session,
  read,
  name,
  versions,
}: {
  session: Session;
  read: ReadRecord;
  name: NameOf;
  versions?: number | undefined;
}) {
  const [block, setBlock] = useState<number | undefined>();
  useEffect(() => {
    let live = true;
    setBlock(undefined);
    void session.provider.getTransactionReceipt(read.anchorTx).then((r) => live && setBlock(r?.blockNumber));
    return () => {
      live = false;
    };
  }, [read]);
  return (
    <p class="badge" data-testid="verification">
      <span class="ok-mark" aria-hidden="true">
        ✓
      </span>{" "}
      <strong>Verified</strong>: content CID{" "}
      <code title={read.contentCid.toString()}>{read.contentCid.toString().slice(0, 14)}…</code> matches the chain
      {block !== undefined && <> · anchored in block {block}</>} · {dateTime(read.anchor.anchoredAt)} · author{" "}
      {name(read.anchor.author)} · version {read.anchor.version}
      {versions !== undefined && ` of ${versions}`}
    </p>
  );
}

/**
 * One of the patient's records opened: the badge, the version history (every version with author, time and whether
 * a later one amends it, the current one marked, each openable: decrypted and verified in the page), the clinical
 * view and the attachments of the version shown.
 */
function PatientRecordDetail({ session, read, name }: { session: Session; read: ReadRecord; name: NameOf }) {
  const history = useHistory(session, read.anchor.recordId);
  const [shown, setShown] = useState<ReadRecord>(read);
  const open = useAction(async (anchor: RecordAnchor) => {
    const r = await session.client.readRecord(anchor.recordId, anchor.batch ? { batch: anchor.batch } : {});
    setShown(r);
    return r;
  });
  const headingId = `versions-${read.anchor.recordId.slice(2, 10)}`;
  return (
    <div class="detail">
      <VerificationBadge session={session} read={shown} name={name} versions={history?.length} />
      {history && history.length > 1 && (
        <div class="versions" data-testid="versions">
          <h4 id={headingId}>Version history</h4>
          <ol aria-labelledby={headingId}>
            {history.map((v) => {
              const isShown = v.recordId === shown.anchor.recordId;
              return (
                <li key={v.recordId} data-version={v.version} aria-current={isShown ? "true" : undefined}>
                  {isShown ? (
                    <strong>Version {v.version} (shown)</strong>
                  ) : (
                    <button type="button" class="link" disabled={open.busy} onClick={() => void open.run(v)}>
                      Open version {v.version}
                    </button>
                  )}{" "}
                  <span class="muted">
                    · {dateTime(v.anchoredAt)} · {name(v.author)} · {v.amended ? "amended" : "current version"}
                  </span>
                </li>
              );
            })}
          </ol>
          {open.busy && <Status>Decrypting and verifying the version…</Status>}
          <ErrorNotice error={open.error} name={name} />
        </div>
      )}
      <ClinicalView resource={shown.resource} />
      <AttachmentDownloads session={session} patient={session.address} resource={shown.resource} name={name} />
    </div>
  );
}

const categoriesText = (a: RecordAnchor) => a.categories.map((c) => categoryName(c) ?? String(c)).join(", ");

/** The patient's records, decrypted in the page, grouped by category, newest first. */
export function PatientRecords({ session, name }: { session: Session; name: NameOf }) {
  const [reads, setReads] = useState<ReadRecord[]>([]);
  const [open, setOpen] = useState<string | undefined>();
  const load = useAction(async () => {
    const anchors = (await timed("list-records", () => session.client.listRecords(session.address))).filter(
      (a) => !a.amended,
    );
    const done: ReadRecord[] = [];
    for (const [i, anchor] of anchors.entries()) {
      load.setProgress(`Decrypting and verifying record ${i + 1} of ${anchors.length}…`);
      const read = () => session.client.readRecord(anchor.recordId, anchor.batch ? { batch: anchor.batch } : {});
      done.push(await (i === 0 ? timed("first-record-read", read) : read()));
      setReads([...done]);
    }
    return done.length;
  });
  useEffect(() => {
    void load.run();
  }, [session]);
  const groups = new Map<string, ReadRecord[]>();
  for (const r of reads) {
    const key = categoriesText(r.anchor);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const dateOf = (r: ReadRecord) => Date.parse(summarize(r.resource).date ?? "") || r.anchor.anchoredAt * 1000;
  return (
    <section aria-labelledby="records-title">
      <h2 id="records-title">My records</h2>
      {load.busy && <Status>{load.progress ?? "Loading your records…"}</Status>}
      <ErrorNotice error={load.error} name={name} />
      {!load.busy && reads.length === 0 && !load.error && <p>No records yet.</p>}
      {[...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([category, items]) => (
          <div class="group" key={category}>
            <h3>{category}</h3>
            <ul class="records">
              {items
                .sort((a, b) => dateOf(b) - dateOf(a))
                .map((r) => {
                  const s = summarize(r.resource);
                  const id = r.anchor.recordId;
                  return (
                    <li key={id}>
                      <button
                        type="button"
                        class="link"
                        aria-expanded={open === id}
                        onClick={() => setOpen(open === id ? undefined : id)}
                      >
                        {s.title}
                      </button>{" "}
                      <span class="muted">
                        {s.date
                          ? new Date(s.date).toLocaleDateString(undefined, { dateStyle: "medium" })
                          : dateTime(r.anchor.anchoredAt)}{" "}
                        · {name(r.anchor.author)}
                      </span>
                      {open === id && <PatientRecordDetail session={session} read={r} name={name} />}
                    </li>
                  );
                })}
            </ul>
          </div>
        ))}
    </section>
  );
}

/** Purposes a provider may choose for a read. */
export const READ_PURPOSES: PurposeCode[] = ["TREAT", "HPAYMT", "HOPERAT", "HRESCH", "ETREAT", "BTG"];

/** A patient's records as a provider sees them: anchors (no content) and a Read button with a purpose. */
export function ProviderRecords({
  session,
  patient,
  name,
  defaultPurpose = "TREAT",
}: {
  session: Session;
  patient: string;
  name: NameOf;
  defaultPurpose?: PurposeCode;
}) {
  const [purpose, setPurpose] = useState<PurposeCode>(defaultPurpose);
  const [shown, setShown] = useState<ReadRecord | undefined>();
  const history = useHistory(session, shown?.anchor.recordId);
  const list = useAction(async () => (await session.client.listRecords(patient)).filter((a) => !a.amended));
  const read = useAction(async (anchor: RecordAnchor) => {
    setShown(undefined);
    read.setProgress("Checking consent, fetching, verifying and decrypting; the read is logged on chain…");
    const r = await session.client.readRecord(anchor.recordId, {
      purpose,
      ...(anchor.batch ? { batch: anchor.batch } : {}),
    });
    setShown(r);
    return r;
  });
  useEffect(() => {
    setShown(undefined);
    read.reset();
    void list.run();
  }, [patient]);
  const selectId = `purpose-${patient.slice(2, 8)}`;
  return (
    <div class="provider-records">
      <p>
        <label for={selectId}>Purpose of this read </label>
        <select
          id={selectId}
          value={purpose}
          onChange={(e) => setPurpose((e.target as HTMLSelectElement).value as PurposeCode)}
        >
          {READ_PURPOSES.map((p) => (
            <option value={p} key={p}>
              {PURPOSE_DISPLAY[p]} ({p})
            </option>
          ))}
        </select>
      </p>
      {list.busy && <Status>Loading the record list…</Status>}
      <ErrorNotice error={list.error} name={name} />
      {list.result?.length === 0 && <p>This patient has no records.</p>}
      <ul class="records">
        {list.result
          ?.slice()
          .sort((a, b) => b.anchoredAt - a.anchoredAt)
          .map((a) => (
            <li key={a.recordId}>
              <button
                type="button"
                onClick={() => void read.run(a)}
                disabled={read.busy}
                aria-label={`Read ${categoriesText(a)} record of ${dateTime(a.anchoredAt)}`}
              >
                Read
              </button>{" "}
              {categoriesText(a)}{" "}
              <span class="muted">
                · {dateTime(a.anchoredAt)} · by {name(a.author)}
              </span>
            </li>
          ))}
      </ul>
      {read.busy && <Status>{read.progress ?? "Reading…"}</Status>}
      <ErrorNotice error={read.error} name={name} />
      {shown && (
        <div class="detail" data-testid="read-result">
          <Status kind="ok">Read for {PURPOSE_DISPLAY[purpose]}; the access is in the patient's activity.</Status>
          <VerificationBadge session={session} read={shown} name={name} versions={history?.length} />
          <ClinicalView resource={shown.resource} />
          <AttachmentDownloads session={session} patient={patient} resource={shown.resource} name={name} />
        </div>
      )}
    </div>
  );
}
