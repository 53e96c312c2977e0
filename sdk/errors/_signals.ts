/**
 * Internal: errors used as signals inside one module, caught there and turned into a public error (they never
 * reach a caller): a refused narrative, a JSON syntax error with its position, a log read that took too long.
 * @internal
 */

/** A narrative refused, and why (caught by the xhtml rule and by sanitizeNarrative). */
export class XhtmlProblem extends Error {}

/** A strict-JSON syntax error at `index` of the text, at JSON path `path` (caught by parseFhirJson). */
export class JsonError extends Error {
  /**
   * @param message - What is wrong.
   * @param index - Offset in the text.
   * @param path - JSON path of the value (`$.entry[2].resource`).
   */
  constructor(
    message: string,
    readonly index: number,
    readonly path: string,
  ) {
    super(message);
  }
}

/** A provider call that did not answer in time (caught by the log reader, which retries or splits the range). */
export class TimeoutError extends Error {}
