/**
 * GS1 identifier normaliser of the EPCIS Event Hash ID: EPC URIs, EPC Class URIs, EPC ID Pattern
 * URIs and GS1 Digital Link URIs to one constrained canonical Digital Link URI (CBV 2.0 §8.9
 * steps 14–17), a faithful port of the reference `dl_normaliser.py` so that hashes agree.
 */
import { CANONICAL_OUTPUT, P } from "./_dl-patterns.js";

/** Python slice `s[start:end]` with negative indices counted from the end. */
function py(s: string, start: number, end?: number): string {
  const norm = (i: number): number => (i < 0 ? Math.max(0, s.length + i) : Math.min(i, s.length));
  return s.slice(norm(start), end === undefined ? s.length : norm(end));
}

/** Percent-encodes the characters GS1 Digital Link (Table 7-1) requires that EPC URIs allow. */
function percentEncode(input: string): string {
  return input
    .replaceAll("!", "%21")
    .replaceAll("(", "%28")
    .replaceAll(")", "%29")
    .replaceAll("*", "%2A")
    .replaceAll("+", "%2B")
    .replaceAll(",", "%2C")
    .replaceAll(":", "%3A");
}

/**
 * The GS1 standard check digit (GS1 General Specifications §7.9.1) of a key without its check digit.
 * @param digits - The key's digits without the check digit.
 * @returns The check digit, 0–9.
 */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  const reversed = Array.from(digits).reverse();
  reversed.forEach((d, i) => {
    sum += Number(d) * (i % 2 === 0 ? 3 : 1);
  });
  return Math.ceil(sum / 10) * 10 - sum;
}

/** GTIN-14 (without check digit) from an SGTIN-like company prefix + item reference partition. */
function rawGtin(uri: string, prefixStart: number, partition: number): string {
  const companyPrefix = py(uri, prefixStart, partition);
  const itemRef = py(uri, partition + 1, partition + 1 + (13 - companyPrefix.length));
  return py(itemRef, 0, 1) + companyPrefix + py(itemRef, 1);
}

/** 12-digit key (GLN, GRAI, GDTI, SGCN, PGLN) without check digit from a partitioned EPC URI. */
function raw12(uri: string, prefixStart: number, partition: number): string {
  const companyPrefix = py(uri, prefixStart, partition);
  return companyPrefix + py(uri, partition + 1, partition + 1 + (12 - companyPrefix.length));
}

const DL = "https://id.gs1.org/";

/** EPC URI / Class URI / ID Pattern URI conversions, in the reference's order. */
const EPC_RULES: readonly (readonly [RegExp, (uri: string, partition: number) => string])[] = [
  [P.SGTIN, (u, p) => withCheck("01/", rawGtin(u, 17, p)) + "/21/" + percentEncode(py(u, 32))],
  [P.SSCC, (u, p) => withCheck("00/", py(u, p + 1, p + 2) + py(u, 16, p) + py(u, p + 2))],
  [
    P.SGLN,
    (u, p) => {
      const extension = py(u, 30);
      const gln = withCheck("414/", raw12(u, 16, p));
      return extension === "0" ? gln : gln + "/254/" + percentEncode(extension);
    },
  ],
  [P.GRAI, (u, p) => withCheck("8003/", "0" + raw12(u, 16, p)) + percentEncode(py(u, 30))],
  [P.GIAI, (u, p) => DL + "8004/" + py(u, 16, p) + percentEncode(py(u, p + 1))],
  [P.GSRN, (u, p) => withCheck("8018/", py(u, 16, p) + py(u, p + 1))],
  [P.GSRNP, (u, p) => withCheck("8017/", py(u, 17, p) + py(u, p + 1))],
  [P.GDTI, (u, p) => withCheck("253/", raw12(u, 16, p)) + percentEncode(py(u, 30))],
  [
    P.CPI,
    (u, p) => {
      const separator = u.lastIndexOf(".");
      const cpi = py(u, 15, p) + py(u, p + 1, separator);
      return DL + "8010/" + percentEncode(cpi) + "/8011/" + py(u, separator + 1);
    },
  ],
  [P.SGCN, (u, p) => withCheck("255/", raw12(u, 16, p)) + py(u, 30)],
  [P.GINC, (u, p) => DL + "401/" + py(u, 16, p) + percentEncode(py(u, p + 1))],
  [P.GSIN, (u, p) => withCheck("402/", py(u, 16, p) + py(u, p + 1))],
  [
    P.ITIP,
    (u, p) => withCheck("8006/", rawGtin(u, 16, p)) + py(u, 31, 33) + py(u, 34, 36) + "/21/" + percentEncode(py(u, 37)),
  ],
  [P.UPUI, (u, p) => withCheck("01/", rawGtin(u, 16, p)) + "/235/" + percentEncode(py(u, 31))],
  [P.PGLN, (u, p) => withCheck("417/", raw12(u, 16, p))],
  [P.LGTIN, (u, p) => withCheck("01/", rawGtin(u, 20, p)) + "/10/" + percentEncode(py(u, 35))],
  [P.IDPAT_SGTIN, (u, p) => withCheck("01/", rawGtin(u, 20, p))],
  [P.IDPAT_GRAI, (u, p) => withCheck("8003/", "0" + raw12(u, 19, p))],
  [P.IDPAT_GDTI, (u, p) => withCheck("253/", raw12(u, 19, p))],
  [P.IDPAT_SGCN, (u, p) => withCheck("255/", raw12(u, 19, p))],
  [P.IDPAT_CPI, (u, p) => DL + "8010/" + percentEncode(py(u, 18, p) + py(u, p + 1, u.lastIndexOf(".")))],
  [P.IDPAT_ITIP, (u, p) => withCheck("8006/", rawGtin(u, 19, p)) + py(u, 34, 36) + py(u, 37, 39)],
  [P.IDPAT_UPUI, (u, p) => withCheck("01/", rawGtin(u, 19, p))],
];

/** `https://id.gs1.org/<ai><digits><check digit>`. */
function withCheck(aiPath: string, digits: string): string {
  return DL + aiPath + digits + String(gs1CheckDigit(digits));
}

/** Short names of keys and key qualifiers in Digital Link paths and their AIs. */
const SHORT_NAMES: readonly (readonly [string, string])[] = [
  ["/gtin/", "/01/"],
  ["/itip/", "/8006/"],
  ["/cpid/", "/8010/"],
  ["/gln/", "/414/"],
  ["/party/", "/417/"],
  ["/gsrnp/", "/8017/"],
  ["/gsrn/", "/8018/"],
  ["/gcn/", "/255/"],
  ["/sscc/", "/00/"],
  ["/gdti/", "/253/"],
  ["/ginc/", "/401/"],
  ["/gsin/", "/402/"],
  ["/grai/", "/8003/"],
  ["/giai/", "/8004/"],
  ["/cpv/", "/22/"],
  ["/lot/", "/10/"],
  ["/ser/", "/21/"],
];

/** Primary keys, in the order the reference looks for them when replacing a custom domain. */
const KEY_PATHS = ["/00/", "/01/", "/253/", "/255/", "/401/", "/402/", "/414/", "/417/", "/8003/", "/8004/"];
const KEY_PATHS_2 = ["/8006/", "/8010/", "/8017/", "/8018/"];

/**
 * Normalises a URI that carries a GS1 key into the constrained canonical GS1 Digital Link URI of
 * the EPCIS Event Hash ID (canonical domain, no query string, finest identification level only).
 * @param uri - An EPC URI, EPC Class URI, EPC ID Pattern URI or GS1 Digital Link URI.
 * @returns The canonical Digital Link URI, or `undefined` when `uri` carries no GS1 key.
 */
export function normaliseGs1Uri(uri: string): string | undefined {
  const partition = uri.indexOf(".");
  if (partition < 0) return undefined;
  for (const [pattern, convert] of EPC_RULES) if (pattern.test(uri)) return convert(uri, partition);
  if (!P.DL_ANY.test(uri)) return undefined;

  let dl = uri.includes("?") ? uri.slice(0, uri.indexOf("?")) : uri;
  for (const [short, ai] of SHORT_NAMES) dl = dl.replaceAll(short, ai);

  if (!P.DL_CANONICAL.test(dl)) {
    const key = [...KEY_PATHS, ...KEY_PATHS_2].find((k) => dl.includes(k));
    if (key !== undefined) dl = "https://id.gs1.org" + dl.slice(dl.indexOf(key));
  }

  if (!P.GTIN14.test(dl)) {
    if (P.GTIN13.test(dl)) dl = dl.replace("/01/", "/01/0");
    else if (P.GTIN12.test(dl)) dl = dl.replace("/01/", "/01/00");
    else if (P.GTIN8.test(dl)) dl = dl.replace("/01/", "/01/000000");
  }

  const afterCpv = py(dl, dl.indexOf("/22/") + 4);
  if (P.CPV_8006.test(dl) || P.CPV_01.test(dl)) {
    dl = py(dl, 0, dl.indexOf("/22/")) + py(afterCpv, afterCpv.indexOf("/"), -1);
  }
  if (P.CPV_8006_MORE.test(dl) || P.CPV_01_MORE.test(dl)) {
    dl = py(dl, 0, dl.indexOf("/22/")) + py(afterCpv, afterCpv.indexOf("/"));
  }
  if (P.LOT_SERIAL_8006.test(dl) || P.LOT_SERIAL_01.test(dl)) {
    const afterLot = py(dl, dl.indexOf("/10/") + 4);
    dl = py(dl, 0, dl.indexOf("/10/")) + py(afterLot, afterLot.indexOf("/"));
  }
  return CANONICAL_OUTPUT.some((p) => p.test(dl)) ? dl : undefined;
}
