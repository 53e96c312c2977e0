/** Small shared pieces: the error notice (sentence, action, details), an async action hook with progress. */
import { useCallback, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";

import { explain, type NameOf } from "./errors.js";

/** An error as text: an Error's name and message, a primitive as itself, any other value as JSON. */
function technicalDetails(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error !== "object" || error === null) return String(error);
  try {
    return JSON.stringify(error, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/** The error notice: what happened, what to do, and the technical details one click away. */
export function ErrorNotice({ error, name }: { error: unknown; name?: NameOf }) {
  if (error === undefined || error === null) return null;
  const { sentence, action, code } = explain(error, name);
  const details = technicalDetails(error);
  return (
    <div class="notice error" role="alert" data-code={code}>
      <p class="sentence">{sentence}</p>
      <p class="action">{action}</p>
      <details>
        <summary>Technical details</summary>
        <pre>{details}</pre>
      </details>
    </div>
  );
}

/** A success or progress line. */
export function Status({ children, kind = "info" }: { children: ComponentChildren; kind?: "info" | "ok" }) {
  return (
    <p class={`notice ${kind}`} role="status" aria-live="polite">
      {children}
    </p>
  );
}

/** State of an async action: running (with its progress line), its error, its last result. */
export interface Action<A extends unknown[], T> {
  readonly busy: boolean;
  readonly progress: string | undefined;
  readonly error: unknown;
  readonly result: T | undefined;
  run(...args: A): Promise<T | undefined>;
  setProgress(line: string): void;
  reset(): void;
}

/** Runs `fn` once at a time, keeping its error (never thrown away) and result for the page to show. */
export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<T>): Action<A, T> {
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<T | undefined>(undefined);
  const running = useRef(false);
  const run = useCallback(
    async (...args: A) => {
      if (running.current) return undefined;
      running.current = true;
      setBusy(true);
      setError(undefined);
      setResult(undefined);
      try {
        const value = await fn(...args);
        setResult(() => value);
        return value;
      } catch (e) {
        console.error(e);
        setError(() => e);
        return undefined;
      } finally {
        running.current = false;
        setBusy(false);
        setProgress(undefined);
      }
    },
    [fn],
  );
  return {
    busy,
    progress,
    error,
    result,
    run,
    setProgress,
    reset: () => {
      setError(undefined);
      setResult(undefined);
    },
  };
}

/** A button that shows its action's progress and is disabled while it runs. */
export function ActionButton({
  action,
  onClick,
  children,
  kind,
  label,
}: {
  action: { busy: boolean };
  onClick: () => void;
  children: ComponentChildren;
  kind?: "danger" | "primary";
  label?: string;
}) {
  return (
    <button
      type="button"
      class={kind}
      onClick={onClick}
      disabled={action.busy}
      aria-busy={action.busy}
      aria-label={label}
    >
      {children}
    </button>
  );
}

/** Unix seconds as a local date and time. */
export function dateTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Saves `value` as a JSON file (a Blob URL, revoked right after). */
export function downloadJson(filename: string, value: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: "application/fhir+json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
