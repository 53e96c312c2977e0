/**
 * Internal: one GET to the Carechain indexer, its failures mapped to typed errors — unreachable, slow, cut off,
 * 5xx/429 or not yet indexing is an {@link IndexUnavailableError}; any other refusal or a body that is not a JSON
 * object an {@link IndexResponseError}.
 * @internal
 */
import { IndexResponseError, IndexUnavailableError } from "../errors/index-source.js";
import { errorCode, object, type Json } from "./_index-answer.js";

/**
 * GETs `url` and parses its JSON object.
 * @param fetchImpl - The fetch implementation.
 * @param url - The full URL.
 * @param timeoutMs - Time limit of the request.
 * @param notFoundIsUndefined - Whether a 404 (other than "not indexed yet") answers undefined.
 * @returns The body, or undefined for such a 404.
 * @throws {IndexUnavailableError} When the indexer can't be reached, answers 5xx/429 or not in time, or has not
 *   indexed a block yet.
 * @throws {IndexResponseError} For any other non-200 answer or a body that is not a JSON object.
 */
export async function getIndexJson(
  fetchImpl: typeof fetch,
  url: string,
  timeoutMs: number,
  notFoundIsUndefined = false,
): Promise<Json | undefined> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
  } catch (cause) {
    const timedOut = (cause as { name?: string } | null | undefined)?.name === "TimeoutError";
    throw new IndexUnavailableError(
      timedOut ? "The indexer did not answer in time." : "The indexer could not be reached.",
      {
        details: `GET ${url}${timedOut ? ` (limit ${timeoutMs} ms)` : `: ${messageOf(cause)}`}`,
        cause,
      },
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    throw new IndexUnavailableError("The indexer's answer was cut off.", {
      details: `GET ${url}: ${messageOf(cause)}`,
      cause,
    });
  }
  if (response.status >= 500 || response.status === 429) {
    throw new IndexUnavailableError(`The indexer answered HTTP ${response.status}.`, {
      details: `GET ${url}: ${text.slice(0, 300)}`,
    });
  }
  if (response.status === 404 && errorCode(text) === "NOT_INDEXED") {
    throw new IndexUnavailableError("The indexer has not indexed any block yet.", { details: `GET ${url}` });
  }
  if (response.status === 404 && notFoundIsUndefined) return undefined;
  if (response.status !== 200) {
    throw new IndexResponseError(`The indexer refused the query (HTTP ${response.status}).`, {
      details: `GET ${url}: ${text.slice(0, 300)}`,
      status: response.status,
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new IndexResponseError("The indexer's answer is not JSON.", {
      details: `GET ${url}: ${text.slice(0, 120)}`,
      cause,
      status: 200,
    });
  }
  return object(body, "body");
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null | undefined)?.cause;
  const base = error instanceof Error ? error.message : String(error);
  return cause?.code ? `${base} (${cause.code})` : base;
}
