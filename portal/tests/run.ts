/**
 * `npm run test:portal`: the portal in headless Chromium (playwright-core, Debian's /usr/bin/chromium) against
 * the demo (a local hardhat node, the deployment, the seed, the custodian service, the built portal). One line per
 * check, then `N passed, N failed`; screenshots in reports/portal/ (`--update-docs` copies them to docs/images/),
 * figures in reports/portal/figures.json. Every process it starts is stopped, on failure and on SIGINT too.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";

import AxeBuilder from "@axe-core/playwright";
import { Contract, getAddress, hexlify, JsonRpcProvider } from "ethers";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

import { deriveIdentity } from "../../sdk/index.js";
import { identifyingStrings, syntheticPatient } from "../../scripts/pilot/synthetic.js";
import { cleanEnv, ROOT, stopAll } from "../../scripts/package/consumer.mjs";
import { buildPortal, PORTAL_DIR } from "../dev/build.js";
import { startDemo, type Demo, type DemoAccount } from "../dev/demo.js";
import { testWalletScript } from "./test-wallet.js";

const { values: options } = parseArgs({ options: { "update-docs": { type: "boolean", default: false } } });
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const REPORTS = join(ROOT, "reports", "portal");
const DOC_IMAGES = join(ROOT, "docs", "images");
const POLL_MS = 2000; // the Activity page's polling interval (portal/src/pages/activity.tsx)
const T = 90_000;
const startedAt = performance.now();
const figures: Record<string, unknown> = {};

let passed = 0;
let failed = 0;
let demo: Demo | undefined;
let browser: Browser | undefined;

/** Runs one check and prints its line; a failed check does not stop the run (later ones may fail with it). */
async function check(name: string, body: () => Promise<string>): Promise<boolean> {
  const t0 = performance.now();
  try {
    const detail = await body();
    passed++;
    console.log(`ok   ${name}: ${detail} [${((performance.now() - t0) / 1000).toFixed(1)} s]`);
    return true;
  } catch (error) {
    failed++;
    console.log(
      `FAIL ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`.replaceAll(
        "\n",
        "\n     ",
      ),
    );
    return false;
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** `value`, or a failure naming what was missing. */
function need<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`missing: ${what}`);
  return value;
}
const liveDemo = (): Demo => need(demo, "the demo (not started)");

async function cleanup() {
  await browser?.close().catch(() => {});
  browser = undefined;
  await demo?.stop();
  demo = undefined;
  await stopAll(); // a node started by a demo that had not finished starting
}
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.once(signal, () => {
    console.log(`test:portal: ${signal}, stopping what it started`);
    void cleanup().finally(() => process.exit(code));
  });
}

/** Debian's chromium, installed with apt-get when missing and running as root (as CI does). */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium, then rerun`);
  const apt = (...args: string[]) =>
    spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (apt("install", "-y", "--no-install-recommends", "chromium").status !== 0) {
    apt("update");
    apt("install", "-y", "--no-install-recommends", "chromium");
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get install chromium failed; ${CHROMIUM} is still missing`);
}

/** Records the elements the page adds a click listener to (Preact adds them on the element), for {@link keyboardReach}. */
const CLICK_TRACKER = `(() => {
  const clicked = (window.__clickTargets = new Set());
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if (type === "click" && this instanceof Element) clicked.add(this);
    return add.call(this, type, ...rest);
  };
})()`;

/**
 * Keyboard reach of what the page shows: no positive tabindex, no click listener on an element that cannot take focus,
 * and every visible enabled button, link, input, select, textarea and summary reached by pressing Tab from the top.
 */
async function keyboardReach(page: Page, what: string): Promise<string> {
  const INTERACTIVE = "button, a[href], input, select, textarea, summary";
  const found = await page.evaluate<{ problems: string[]; count: number; listened: number }>(`(() => {
    const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
    const tag = (e) => e.outerHTML.slice(0, 90);
    const problems = [];
    for (const e of document.querySelectorAll("[tabindex]"))
      if (e.tabIndex > 0) problems.push("positive tabindex: " + tag(e));
    for (const e of window.__clickTargets)
      if (e.isConnected && shown(e) && !e.matches(${JSON.stringify(INTERACTIVE)} + ", label, [tabindex]"))
        problems.push("click listener on an element without focus: " + tag(e));
    const all = [...document.querySelectorAll(${JSON.stringify(INTERACTIVE)})].filter(
      (e) => shown(e) && !e.disabled && !e.closest("details:not([open]) > :not(summary)"),
    );
    all.forEach((e, i) => e.setAttribute("data-kbd", String(i)));
    const listened = [...window.__clickTargets].filter((e) => e.isConnected && shown(e)).length;
    return { problems, count: all.length, listened };
  })()`);
  assert(found.problems.length === 0, `${what}: ${found.problems.join("; ")}`);
  assert(found.listened > 0, `${what}: no click listener recorded (the tracker did not run)`);
  await page.evaluate(`document.activeElement?.blur(); window.scrollTo(0, 0)`);
  const reached = new Set<string>();
  for (let i = 0; i < found.count + 10 && reached.size < found.count; i++) {
    await page.keyboard.press("Tab");
    const k = await page.evaluate<string | null>(`document.activeElement?.getAttribute("data-kbd") ?? null`);
    if (k !== null) reached.add(k);
  }
  const missed = await page.evaluate<string[]>(
    `[...document.querySelectorAll("[data-kbd]")].filter((e) => !${JSON.stringify([...reached])}.includes(e.getAttribute("data-kbd"))).map((e) => e.outerHTML.slice(0, 90))`,
  );
  await page.evaluate(`document.querySelectorAll("[data-kbd]").forEach((e) => e.removeAttribute("data-kbd"))`);
  assert(missed.length === 0, `${what}: not reached by Tab: ${missed.join("; ")}`);
  return `${what}: ${found.count} controls reached by Tab, ${found.listened} click listeners, none on an element without focus`;
}

/** A page in a context of its own (its own storage), with the test wallet installed for `account`. */
async function openPage(account: string): Promise<{ context: BrowserContext; page: Page; sent: string[] }> {
  const context = await need(browser, "the browser").newContext({ viewport: { width: 1100, height: 900 } });
  await context.addInitScript(testWalletScript(liveDemo().rpcUrl, account));
  await context.addInitScript(CLICK_TRACKER);
  const page = await context.newPage();
  const sent: string[] = []; // blob writes and transactions the page sent, for the "nothing sent" checks
  page.on("request", (request) => {
    const url = request.url();
    if (request.method() === "PUT" && url.includes("/blobs/")) sent.push("PUT /blobs");
    if (request.method() === "POST" && url.startsWith(liveDemo().rpcUrl)) {
      const body = request.postData() ?? "";
      for (const m of ["eth_sendTransaction", "eth_sendRawTransaction"]) if (body.includes(m)) sent.push(m);
    }
  });
  page.on("pageerror", (error) => console.log(`     (page error: ${error.message})`));
  await page.goto(`${liveDemo().url}/`);
  return { context, page, sent };
}

/** Connects with the development wallet as `account`; resolves when the first page shows. */
async function connectDev(page: Page, account: string): Promise<void> {
  await page.selectOption("#dev-account", account);
  await page.getByRole("button", { name: "Connect with the development wallet" }).click();
  await page.locator("nav").waitFor({ timeout: T });
}

async function goTo(page: Page, label: string): Promise<void> {
  await page.locator("nav").getByRole("button", { name: label, exact: true }).click();
}

const shots: string[] = [];
async function screenshot(page: Page, name: string): Promise<void> {
  const file = join(REPORTS, `portal-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);
}

/** axe-core: no serious or critical violation on the page as it is now. */
async function accessible(page: Page, what: string): Promise<string> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length > 0) {
    const lines = bad.map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(", ")})`,
    );
    throw new Error(`axe on ${what}:\n${lines.join("\n")}`);
  }
  return `${what}: 0 serious/critical (${results.violations.length} minor/moderate, ${results.passes.length} rules passed)`;
}

/** Every key and value of local and session storage, and the IndexedDB database names, of a page. */
async function storageOf(
  page: Page,
): Promise<{ local: string; session: string; idb: string[]; url: string; title: string }> {
  // A string, not a function: tsx's transform would add helpers (__name) the page does not have.
  return page.evaluate(`(async () => {
    const dump = (s) => JSON.stringify(Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i))])));
    const dbs = (await indexedDB.databases?.()) ?? [];
    return { local: dump(localStorage), session: dump(sessionStorage), idb: dbs.map((d) => d.name ?? ""), url: location.href, title: document.title };
  })()`);
}

try {
  await check("every typed SDK error maps to a sentence and an action (portal/src/errors.ts)", async () => {
    // In a child without the carechain-source condition: the portal's errors module imports the packed package.
    const tsx = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    const child = spawnSync(process.execPath, [tsx, join(PORTAL_DIR, "tests", "errors-coverage.ts")], {
      cwd: PORTAL_DIR,
      encoding: "utf8",
      env: cleanEnv(),
    });
    assert(child.status === 0, `errors-coverage exited with ${child.status}:\n${child.stdout}${child.stderr}`);
    return child.stdout.trim();
  });
  ensureChromium();
  mkdirSync(REPORTS, { recursive: true });
  const t0 = performance.now();
  buildPortal();
  figures.buildMs = Math.round(performance.now() - t0);
  await check("production build: initial JS within the budget (gzip ≤ 300 KiB), FHIR pack a lazy chunk", async () => {
    const dist = join(PORTAL_DIR, "dist");
    const html = readFileSync(join(dist, "index.html"), "utf8");
    const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].flatMap((m) => (m[1] ? [m[1]] : []));
    const gz = initial.reduce((n, file) => n + gzipSync(readFileSync(join(dist, file)), { level: 9 }).length, 0);
    const kib = Math.round((gz / 1024) * 10) / 10;
    figures["portal.initialJs.gzKiB"] = kib;
    assert(initial.length > 0, "index.html loads no script");
    assert(!initial.some((f) => f.includes("fhir-r4-definitions")), "the FHIR definitions pack is loaded up front");
    assert(kib <= 300, `initial JS ${kib} KiB gzip > 300`);
    return `${initial.join(", ")}: ${kib} KiB gzip (budget 300)`;
  });
  demo = await startDemo({ distDir: join(PORTAL_DIR, "dist"), patients: 2 });
  figures.demoStartMs = Math.round(performance.now() - t0 - (figures.buildMs as number));
  const byRole = (role: DemoAccount["role"], name?: string) =>
    need(
      liveDemo().config.accounts.find((a) => a.role === role && (name === undefined || a.name === name)),
      `the demo's ${role} ${name ?? ""}`,
    );
  const patient1 = byRole("patient", "Demo patient 1");
  const patient2 = byRole("patient", "Demo patient 2");
  const clinic = byRole("provider", "Riverside Family Clinic");
  const emergency = byRole("provider", "Metro Emergency Service");
  const registrar = byRole("registrar");
  const lab = byRole("provider", "Northside Laboratory");
  const hospital = byRole("provider", "St. Elsewhere General Hospital");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  console.log(`test:portal: demo at ${demo.url}, chain ${demo.rpcUrl}`);

  const patient = await openPage(patient1.address);
  const provider = await openPage(clinic.address);

  await check("connect page: both wallets offered; axe", async () => {
    await patient.page.getByRole("button", { name: "Connect Test Wallet" }).waitFor({ timeout: T });
    await patient.page.locator("#dev-account").waitFor({ timeout: T });
    await screenshot(patient.page, "connect");
    return `Test Wallet announced via EIP-6963; development wallet listed (chain 31337); ${await accessible(patient.page, "connect")}`;
  });

  await check("patient connects (development wallet): records decrypted, grouped, verified; axe", async () => {
    const c0 = performance.now();
    await connectDev(patient.page, patient1.address);
    await patient.page.locator(".records li").first().waitFor({ timeout: T });
    const first = performance.now();
    const expected = need(liveDemo().records.get(patient1.address), "patient 1's records").length;
    await patient.page.waitForFunction((n) => document.querySelectorAll(".records li").length === n, expected, {
      timeout: T,
    });
    await patient.page.getByRole("status").filter({ hasText: "Decrypting" }).waitFor({ state: "detached", timeout: T });
    const all = performance.now();
    const stages = await patient.page.evaluate<Record<string, number>>(
      `Object.fromEntries(performance.getEntriesByType("measure").filter((m) => m.name.startsWith("carechain:")).map((m) => [m.name.slice(10), Math.round(m.duration)]))`,
    );
    figures["portal.firstRecord.ms"] = Math.round(first - c0);
    figures.firstRecord = {
      ms: Math.round(first - c0),
      breakdownMs: stages,
      allRecordsMs: Math.round(all - c0),
      records: expected,
    };
    const groups = await patient.page.locator(".group h3").allTextContents();
    await patient.page.locator(".records li button", { hasText: "Blood pressure panel" }).click();
    // The anchoring block and the version count arrive after the record (a receipt and a history lookup).
    await patient.page
      .getByTestId("verification")
      .filter({ hasText: /block \d+ .* version 1 of 1/ })
      .waitFor({ timeout: T });
    const badge = await patient.page.getByTestId("verification").textContent();
    assert(badge?.includes("Verified") && badge.includes("block"), `badge: ${badge}`);
    const view = await patient.page.locator(".clinical dl").textContent();
    assert(/Systolic blood pressure: \d+ mm\[Hg\]/.test(view ?? ""), `clinical view: ${view}`);
    await screenshot(patient.page, "patient-records");
    return `${expected} records in ${groups.length} categories (${groups.join(", ")}); connect → first record ${Math.round(first - c0)} ms; ${await accessible(patient.page, "records")}`;
  });

  await check(
    "patient's amended record: version history (both versions, the current marked), version 1 opens; keyboard",
    async () => {
      const condition = need(syntheticPatient(2026, 0).records[2], "the seed's Condition") as {
        code: { text: string };
      };
      const title = condition.code.text;
      const item = patient.page.locator(".records > li", { hasText: title });
      await item.getByRole("button", { name: title }).click();
      const versions = item.getByTestId("versions");
      await versions.waitFor({ timeout: T });
      const badge = item.getByTestId("verification");
      await badge.filter({ hasText: /version 2 of 2/ }).waitFor({ timeout: T });
      const rows = versions.locator("li");
      const texts = (await rows.allTextContents()).map((t) => t.replace(/\s+/g, " ").trim());
      assert(texts.length === 2, `versions: ${texts.join(" | ")}`);
      assert(
        /^Open version 1 · .* · St\. Elsewhere General Hospital · amended$/.test(texts[0] ?? ""),
        `v1: ${texts[0]}`,
      );
      assert(
        /^Version 2 \(shown\) · .* · St\. Elsewhere General Hospital · current version$/.test(texts[1] ?? ""),
        `v2: ${texts[1]}`,
      );
      assert((await rows.nth(1).getAttribute("aria-current")) === "true", "version 2 not marked as shown");
      const raw = item.locator("details.raw pre");
      assert((await raw.textContent())?.includes("Reviewed at follow-up"), "version 2 without the amendment's note");
      // Opened with the keyboard: focus the button, Enter.
      await versions.getByRole("button", { name: "Open version 1" }).focus();
      await patient.page.keyboard.press("Enter");
      await badge.filter({ hasText: /version 1 of 2/ }).waitFor({ timeout: T });
      assert((await rows.nth(0).getAttribute("aria-current")) === "true", "version 1 not marked as shown");
      assert(!(await raw.textContent())?.includes("Reviewed at follow-up"), "version 1 shows the amendment's note");
      await versions.screenshot({ path: join(REPORTS, "portal-patient-versions.png") });
      shots.push(join(REPORTS, "portal-patient-versions.png"));
      return `v1 (amended) and v2 (current) listed with author and time; v1 opened by keyboard, badge "version 1 of 2"; ${await keyboardReach(patient.page, "records")}; ${await accessible(patient.page, "records (versions)")}`;
    },
  );

  await check("patient grants the clinic read on Problems (scope picker); keyboard; axe", async () => {
    await goTo(patient.page, "Sharing");
    await patient.page.locator("table.grants").waitFor({ timeout: T });
    await patient.page.selectOption("#grantee", clinic.address);
    await patient.page.getByRole("button", { name: "Grant", exact: true }).click();
    await patient.page.getByText("Granted Riverside Family Clinic").waitFor({ timeout: T });
    await patient.page.locator(`tr[data-grantee="${clinic.address}"]`).waitFor({ timeout: T });
    await screenshot(patient.page, "patient-sharing");
    return `grant row shown; ${await keyboardReach(patient.page, "sharing")}; ${await accessible(patient.page, "sharing")}`;
  });

  await check(
    "clinic sees the patient and reads the Problems record; the read is in the patient's timeline within one poll; keyboard; axe",
    async () => {
      // The patient watches its activity while the clinic reads.
      await goTo(patient.page, "Activity");
      const section = patient.page.locator("section[data-polls]");
      await patient.page.waitForFunction(
        () => Number(document.querySelector("section[data-polls]")?.getAttribute("data-polls")) > 0,
        undefined,
        { timeout: T },
      );
      await connectDev(provider.page, clinic.address);
      const row = provider.page.locator(`li[data-patient="${patient1.address}"]`);
      await row.waitFor({ timeout: T });
      await row.getByRole("button", { name: "Demo patient 1" }).click();
      await row.getByRole("button", { name: /^Read Problems record/ }).click();
      await provider.page.getByTestId("read-result").waitFor({ timeout: T });
      const readAt = Date.now();
      const pollsAtRead = Number(await section.getAttribute("data-polls"));
      await screenshot(provider.page, "provider-read");
      const providerAxe = `${await keyboardReach(provider.page, "provider patients")}; ${await accessible(provider.page, "provider patients")}`;
      const entry = patient.page.locator(`.timeline li[data-kind="RecordAccessed"][data-actor="${clinic.address}"]`);
      await entry.waitFor({ timeout: T });
      const seenAfter = Date.now() - readAt;
      const pollsAtSeen = Number(await section.getAttribute("data-polls"));
      figures.timeline = { seenAfterMs: seenAfter, pollMs: POLL_MS, pollsAfterRead: pollsAtSeen - pollsAtRead };
      const text = await entry.textContent();
      assert(text?.includes("Riverside Family Clinic read a record for treatment"), `entry: ${text}`);
      // The poll in flight when the read landed may have missed it; the next one must show it.
      assert(pollsAtSeen - pollsAtRead <= 2, `seen after ${pollsAtSeen - pollsAtRead} polls`);
      await screenshot(patient.page, "patient-activity");
      return `read shown to the clinic; "${text?.trim()}" in the patient's timeline ${seenAfter} ms and ${pollsAtSeen - pollsAtRead} poll(s) after the read; ${providerAxe}; ${await keyboardReach(patient.page, "activity")}; ${await accessible(patient.page, "activity")}`;
    },
  );

  await check("patient revokes; the clinic's next read is refused with the sentence", async () => {
    await goTo(patient.page, "Sharing");
    await patient.page.getByRole("button", { name: "Revoke Riverside Family Clinic" }).click();
    await patient.page.getByText("Revoked Riverside Family Clinic").waitFor({ timeout: T });
    const row = provider.page.locator(`li[data-patient="${patient1.address}"]`);
    await row.getByRole("button", { name: /^Read Problems record/ }).click();
    const notice = provider.page.locator('.notice.error[data-code="RecordReadConsentRequired"]');
    await notice.waitFor({ timeout: T });
    const sentence = await notice.locator(".sentence").textContent();
    const action = await notice.locator(".action").textContent();
    assert(sentence === "You have no consent to read Problems for treatment.", `sentence: ${sentence}`);
    assert(action === "Ask the patient for access to Problems.", `action: ${action}`);
    await screenshot(provider.page, "provider-refused");
    return `"${sentence} ${action}"`;
  });

  await check("invalid FHIR upload: errors shown, nothing sent; axe", async () => {
    await connectAgain(provider.page, lab.address);
    await goTo(provider.page, "Add a record");
    const invalid = { resourceType: "Observation", status: "finalised", valueQuantity: { value: "high" } };
    provider.sent.length = 0;
    await provider.page.setInputFiles("#fhir-file", {
      name: "invalid-observation.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(invalid)),
    });
    await provider.page.getByRole("button", { name: "Validate and add", exact: true }).click();
    await provider.page.locator("#fhir-issues li").first().waitFor({ timeout: T });
    const issues = await provider.page.locator("#fhir-issues li").allTextContents();
    const code = await provider.page.locator(".notice.error").getAttribute("data-code");
    await provider.page.waitForTimeout(1000);
    assert(provider.sent.length === 0, `sent: ${provider.sent.join(", ")}`);
    assert(code === "FHIR_INVALID", `code ${code}`);
    await screenshot(provider.page, "provider-add-invalid");
    return `${issues.length} issues (${issues.slice(0, 2).join(" | ")}); 0 blob writes, 0 transactions; ${await accessible(provider.page, "add record")}`;
  });

  await check("a valid FHIR upload is anchored (same form)", async () => {
    const valid = {
      resourceType: "Observation",
      status: "final",
      category: [
        { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "laboratory" }] },
      ],
      code: {
        coding: [{ system: "http://loinc.org", code: "2345-7", display: "Glucose [Mass/volume] in Serum or Plasma" }],
      },
      subject: { reference: "Patient/demo-1" },
      effectiveDateTime: "2026-02-01T09:00:00Z",
      valueQuantity: { value: 95, unit: "mg/dL", system: "http://unitsofmeasure.org", code: "mg/dL" },
    };
    await provider.page.selectOption("#add-patient", patient1.address);
    await provider.page.setInputFiles("#fhir-file", {
      name: "glucose.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(valid)),
    });
    await provider.page.getByRole("button", { name: "Validate and add", exact: true }).click();
    await provider.page.getByText("Added: Observation anchored in block").waitFor({ timeout: T });
    assert(
      provider.sent.includes("PUT /blobs") && provider.sent.includes("eth_sendTransaction"),
      `sent: ${provider.sent.join(", ")}`,
    );
    return `anchored by Northside Laboratory (${provider.sent.join(", ")})`;
  });

  await check(
    "form for common types: the problem shown under its field, nothing sent; then anchored; axe",
    async () => {
      const page = provider.page;
      await page.selectOption("#form-type", "Observation");
      await page.fill("#form-code", "Glucose [Mass/volume] in Serum or Plasma");
      await page.fill("#form-value", "high");
      await page.fill("#form-unit", "mg/dL");
      provider.sent.length = 0;
      await page.getByRole("button", { name: "Add from the form", exact: true }).click();
      const problem = page.locator("#form-value-problems");
      await problem.waitFor({ timeout: T });
      const text = await problem.textContent();
      assert(
        (await page.locator("#form-value").getAttribute("aria-invalid")) === "true",
        "the value field is not marked invalid",
      );
      await page.waitForTimeout(500);
      assert(provider.sent.length === 0, `sent: ${provider.sent.join(", ")}`);
      await screenshot(page, "provider-add-form");
      const axe = await accessible(page, "add record (form)");
      await page.fill("#form-value", "101");
      await page.getByRole("button", { name: "Add from the form", exact: true }).click();
      await page.locator(".record-form").getByText("Added: Observation anchored in block").waitFor({ timeout: T });
      return `under "Value": "${text}"; nothing sent; with 101 the Observation is anchored; ${axe}`;
    },
  );

  await check(
    "large attachment: 6 MiB encrypted with a progress bar, a DocumentReference anchored; provider and patient download it decrypted",
    async () => {
      const page = provider.page;
      const file = randomBytes(6 * 2 ** 20);
      const title = "discharge-scan.pdf";
      await connectAgain(page, hospital.address);
      await goTo(page, "Add a record");
      await page.selectOption("#add-patient", patient1.address);
      await page.setInputFiles("#attachment-file", { name: title, mimeType: "application/pdf", buffer: file });
      // Every value the progress bar shows, as its text changes.
      await page.evaluate(`(() => {
        window.__progress = [];
        new MutationObserver(() => {
          const bar = document.querySelector("#upload-progress");
          if (bar) window.__progress.push([bar.value, bar.max]);
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      })()`);
      provider.sent.length = 0;
      await page.getByRole("button", { name: "Encrypt and attach", exact: true }).click();
      const attached = page.locator(".attachment-upload").getByText(/^Attached: discharge-scan\.pdf \(6\.0 MiB\)/);
      await attached.waitFor({ timeout: T });
      const seen = await page.evaluate<[number, number][]>("window.__progress");
      const values = [...new Set(seen.map(([v]) => v))];
      const partial = values.filter((v) => v > 0 && v < file.length);
      assert(
        seen.every(([, max]) => max === file.length),
        `max: ${seen.map(([, m]) => m).join()}`,
      );
      assert(partial.length >= 3, `progress values: ${values.join(", ")}`);
      assert(
        values.every((v, i) => i === 0 || v >= (values[i - 1] ?? 0)),
        `progress not monotone: ${values.join(", ")}`,
      );
      assert(values.includes(file.length), `never reached ${file.length}: ${values.join(", ")}`);
      assert(
        provider.sent.includes("PUT /blobs") && provider.sent.includes("eth_sendTransaction"),
        `sent: ${provider.sent.join(", ")}`,
      );
      const anchoredText = await attached.textContent();
      await screenshot(page, "provider-attachment");
      const axe = await accessible(page, "add record (attachment)");

      const downloadFrom = async (p: Page, button: ReturnType<Page["locator"]>): Promise<Buffer> => {
        const [download] = await Promise.all([p.waitForEvent("download", { timeout: T }), button.click()]);
        const path = need(await download.path(), "the downloaded file");
        assert(download.suggestedFilename() === title, `file name ${download.suggestedFilename()}`);
        return readFileSync(path);
      };
      // The hospital reads the new DocumentReference (newest first) and downloads its file.
      await goTo(page, "My patients");
      const row = page.locator(`li[data-patient="${patient1.address}"]`);
      await row.waitFor({ timeout: T });
      await row.getByRole("button", { name: "Demo patient 1" }).click();
      await row
        .getByRole("button", { name: /^Read Documents record/ })
        .first()
        .click();
      const result = page.getByTestId("read-result");
      await result.waitFor({ timeout: T });
      const byProvider = await downloadFrom(
        page,
        result.getByRole("button", { name: /^Download discharge-scan\.pdf/ }),
      );
      assert(byProvider.equals(file), `the provider's download differs (${byProvider.length} bytes)`);
      // The patient opens it among its records and downloads it.
      await goTo(patient.page, "My records");
      const item = patient.page.locator(".records li", { hasText: title });
      await item.getByRole("button", { name: title }).click({ timeout: T });
      const byPatient = await downloadFrom(
        patient.page,
        item.getByRole("button", { name: /^Download discharge-scan\.pdf/ }),
      );
      assert(byPatient.equals(file), `the patient's download differs (${byPatient.length} bytes)`);
      return `"${anchoredText}"; ${partial.length} intermediate progress values (${values
        .slice(0, 4)
        .map((v) => (v / 2 ** 20).toFixed(2))
        .join(", ")}… MiB); the hospital and the patient each downloaded the 6 MiB byte for byte; ${axe}`;
    },
  );

  await check("a wallet that rejects the signature leaves the state unchanged", async () => {
    const { page, context } = await openPage(patient2.address);
    // 1. Rejecting the key-derivation signature: not connected, nothing kept.
    await page.evaluate(
      () => ((window as unknown as { __testWallet: { reject: boolean } }).__testWallet.reject = true),
    );
    await page.getByRole("button", { name: "Connect Test Wallet" }).click();
    await page.locator('.notice.error[data-code="WALLET_REJECTED"]').waitFor({ timeout: T });
    assert((await page.locator("nav").count()) === 0, "connected although the signature was rejected");
    // 2. Connected, then rejecting a grant's transaction: no grant on chain, the list unchanged.
    await page.evaluate(
      () => ((window as unknown as { __testWallet: { reject: boolean } }).__testWallet.reject = false),
    );
    await page.getByRole("button", { name: "Connect Test Wallet" }).click();
    await page.locator("nav").waitFor({ timeout: T });
    await goTo(page, "Sharing");
    await page.locator("table.grants").waitFor({ timeout: T });
    const rowsBefore = await page.locator("table.grants tbody tr").count();
    const chain = new JsonRpcProvider(liveDemo().rpcUrl);
    const consent = liveDemo().config.deployment.consentRegistry;
    const logsBefore = (await chain.getLogs({ address: consent, fromBlock: 0 })).length;
    await page.evaluate(
      () => ((window as unknown as { __testWallet: { reject: boolean } }).__testWallet.reject = true),
    );
    await page.selectOption("#grantee", clinic.address);
    await page.getByRole("button", { name: "Grant", exact: true }).click();
    const notice = page.locator('.notice.error[data-code="WALLET_REJECTED"]');
    await notice.waitFor({ timeout: T });
    const logsAfter = (await chain.getLogs({ address: consent, fromBlock: 0 })).length;
    chain.destroy();
    const rowsAfter = await page.locator("table.grants tbody tr").count();
    assert(logsAfter === logsBefore, `consent logs ${logsBefore} → ${logsAfter}`);
    assert(rowsAfter === rowsBefore, `grant rows ${rowsBefore} → ${rowsAfter}`);
    const sentence = await notice.locator(".sentence").textContent();
    await screenshot(page, "wallet-rejected");
    await checkStorage(page, "rejecting wallet");
    await context.close();
    return `"${sentence}" twice (key derivation, grant); consent events ${logsBefore} → ${logsAfter}; grants shown ${rowsBefore} → ${rowsAfter}`;
  });

  await check("registrar suspends and reinstates a provider; keyboard; axe", async () => {
    await connectAgain(provider.page, registrar.address);
    const row = provider.page.locator(`tr[data-provider="${lab.address}"]`);
    await row.waitFor({ timeout: T });
    await row.getByRole("button", { name: "Suspend Northside Laboratory" }).click();
    await row.locator("td.suspended").waitFor({ timeout: T });
    const axe = `${await keyboardReach(provider.page, "registrar")}; ${await accessible(provider.page, "registrar")}`;
    await row.getByRole("button", { name: "Reinstate Northside Laboratory" }).click();
    await row.locator("td.active").waitFor({ timeout: T });
    return `Northside Laboratory suspended, then reinstated; ${axe}`;
  });

  await check("registrar credentials a provider: a malformed key refused, nothing sent; then listed; axe", async () => {
    const page = provider.page;
    const chain = new JsonRpcProvider(liveDemo().rpcUrl);
    const account = getAddress(need(((await chain.send("eth_accounts", [])) as string[])[16], "test account #16"));
    const identity = await deriveIdentity(await chain.getSigner(account), {
      chainId: BigInt(liveDemo().config.chainId),
      directory: liveDemo().config.deployment.directory,
    });
    const keyHex = hexlify(identity.publicKey);
    await page.fill("#credential-address", account);
    await page.selectOption("#credential-kind", "lab");
    await page.fill("#credential-key", keyHex.slice(0, 40));
    provider.sent.length = 0;
    await page.getByRole("button", { name: "Credential", exact: true }).click();
    const refused = page.locator(".credential-form .notice.error .sentence");
    await refused.waitFor({ timeout: T });
    const sentence = await refused.textContent();
    assert(sentence?.includes("32 bytes"), `sentence: ${sentence}`);
    assert(provider.sent.length === 0, `sent: ${provider.sent.join(", ")}`);
    await page.fill("#credential-key", keyHex.slice(2));
    await page.getByRole("button", { name: "Credential", exact: true }).click();
    await page.locator(".credential-form").getByText("credentialed as lab").waitFor({ timeout: T });
    const row = page.locator(`tr[data-provider="${account}"]`);
    await row.waitFor({ timeout: T });
    const cells = await row.locator("td").allTextContents();
    assert(cells[1] === "lab" && cells[2] === "Active", `row: ${cells.join(" | ")}`);
    const directory = new Contract(
      liveDemo().config.deployment.directory,
      ["function encryptionKeyOf(address) view returns (bytes32)"],
      chain,
    );
    const onChain = (await directory.getFunction("encryptionKeyOf")(account)) as string;
    chain.destroy();
    assert(onChain.toLowerCase() === keyHex.toLowerCase(), `key on chain ${onChain}, derived ${keyHex}`);
    await screenshot(page, "registrar");
    return `"${sentence}" (nothing sent); account #16 credentialed as lab, listed Active, its key on chain = its derived key; ${await accessible(page, "registrar (credential)")}`;
  });

  await check(
    "break-glass end to end: reason, countdown, read via the custodian, red in the timeline, close; axe",
    async () => {
      await connectAgain(provider.page, emergency.address);
      await goTo(provider.page, "Emergency access");
      await provider.page.selectOption("#bg-patient", patient1.address);
      await provider.page.fill("#bg-reason", "Unresponsive on arrival; allergy status needed before antibiotics");
      await provider.page.getByRole("button", { name: "Open emergency access" }).click();
      const countdown = provider.page.getByTestId("countdown");
      await countdown.waitFor({ timeout: T });
      const c1 = await countdown.textContent();
      await provider.page.waitForTimeout(1500);
      const c2 = await countdown.textContent();
      assert(c1 !== c2, `countdown did not move (${c1})`);
      await provider.page
        .locator(".episode")
        .getByRole("button", { name: /^Read Allergies record/ })
        .click();
      await provider.page.getByTestId("read-result").waitFor({ timeout: T });
      const read = await provider.page.locator("[data-testid=read-result] .clinical h4").textContent();
      await screenshot(provider.page, "provider-break-glass");
      const axe = await accessible(provider.page, "emergency access");
      await goTo(patient.page, "Activity");
      await patient.page.locator('.timeline li.emergency[data-kind="EmergencyKeyReleased"]').waitFor({ timeout: T });
      const red = await patient.page.locator(".timeline li.emergency").count();
      await provider.page.getByRole("button", { name: "Close emergency access" }).click();
      await provider.page.locator("#bg-reason").waitFor({ timeout: T });
      await patient.page.locator('.timeline li.emergency[data-kind="BreakGlassClosed"]').waitFor({ timeout: T });
      await screenshot(patient.page, "patient-activity-break-glass");
      return `countdown ${c1} → ${c2}; read "${read?.trim()}" via the custodian; ${red} red entries in the patient's timeline; closed; ${axe}`;
    },
  );

  await check(
    "gasless, by keyboard: a patient signs a grant (no transaction), the clinic relays it and sees the patient",
    async () => {
      const { page, context, sent } = await openPage(patient2.address);
      // This patient uses the keyboard only: Tab to the next control, Enter to press it.
      const focused = () => page.evaluate<string>("document.activeElement?.textContent ?? ''");
      await page.selectOption("#dev-account", patient2.address);
      await page.focus("#dev-account");
      await page.keyboard.press("Tab");
      assert((await focused()).includes("Connect with the development wallet"), `focus on "${await focused()}"`);
      await page.keyboard.press("Enter");
      await page.locator("nav").waitFor({ timeout: T });
      await page.locator("nav button").first().focus();
      await page.keyboard.press("Tab");
      assert((await focused()) === "Sharing", `focus on "${await focused()}"`);
      await page.keyboard.press("Enter");
      await page.locator("table.grants").waitFor({ timeout: T });
      await page.selectOption("#grantee", clinic.address);
      sent.length = 0;
      await page.getByRole("button", { name: "Sign for the provider to relay (no gas)" }).focus();
      await page.keyboard.press("Enter");
      const text = await page.locator("#signed-grant-text").inputValue({ timeout: T });
      // Keyrings for the clinic go to the blob store; no transaction leaves the patient's page.
      assert(!sent.some((m) => m.startsWith("eth_send")), `the patient sent ${sent.join(", ")}`);
      await checkStorage(page, "signing patient");
      await context.close();
      await connectAgain(provider.page, clinic.address);
      await provider.page.getByText("Relay a signed grant").click();
      await provider.page.fill("#relay-text", "{ not a signed grant");
      await provider.page.getByRole("button", { name: "Relay", exact: true }).click();
      await provider.page.locator('.notice.error[data-code="SIGNED_GRANT_FORMAT"]').waitFor({ timeout: T });
      await provider.page.fill("#relay-text", text);
      await provider.page.getByRole("button", { name: "Relay", exact: true }).click();
      await provider.page.getByText("Relayed: Demo patient 2 granted you access.").waitFor({ timeout: T });
      await provider.page.locator(`li[data-patient="${patient2.address}"]`).waitFor({ timeout: T });
      return `${text.length} characters signed (Tab and Enter only: connect, page, sign) with no transaction (${sent.length} keyring blobs stored); garbage refused with a sentence; relayed by the clinic, which now lists Demo patient 2`;
    },
  );

  await check("delegates: a malformed address refused with a sentence; a proxy named, then removed", async () => {
    const chain = new JsonRpcProvider(liveDemo().rpcUrl);
    const proxy = getAddress(need(((await chain.send("eth_accounts", [])) as string[])[15], "test account #15"));
    chain.destroy();
    const page = patient.page;
    await goTo(page, "Sharing");
    await page.fill("#delegate-address", "0x1234");
    await page.getByRole("button", { name: "Name delegate", exact: true }).click();
    const refused = page.locator(".delegates .notice.error .sentence");
    await refused.waitFor({ timeout: T });
    const sentence = await refused.textContent();
    assert(sentence?.includes("not an account address"), `sentence: ${sentence}`);
    await page.fill("#delegate-address", proxy);
    await page.getByRole("button", { name: "Name delegate", exact: true }).click();
    const row = page.locator(`li[data-delegate="${proxy}"]`);
    await row.waitFor({ timeout: T });
    const shown = await row.textContent();
    await row.getByRole("button", { name: /^Remove delegate/ }).click();
    await row.waitFor({ state: "detached", timeout: T });
    return `"${sentence}"; named "${shown?.replace("Remove", "").trim()}", then removed`;
  });

  await check(
    "patient: emergency categories shown (IPS default) and changed on chain; the custodian shown; axe",
    async () => {
      const page = patient.page;
      const custodian = byRole("custodian");
      const form = page.locator("form.emergency-settings");
      await form.getByTestId("custodian").waitFor({ timeout: T });
      const custodianLine = (await form.getByTestId("custodian").textContent()) ?? "";
      assert(custodianLine.includes(custodian.name) && custodianLine.includes(custodian.address), custodianLine);
      const checkedNow = () =>
        form
          .locator('input[name="emergency-category"]:checked')
          .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
      const before = await checkedNow();
      assert(before.join() === "Allergies,Medications,Problems,Immunizations", `default shown: ${before.join()}`);
      await form.getByRole("checkbox", { name: "VitalSigns" }).check();
      await form.getByRole("checkbox", { name: "Immunizations" }).uncheck();
      await form.getByRole("button", { name: "Save emergency categories" }).click();
      await form.getByText("Saved: 4 categories readable in an emergency.").waitFor({ timeout: T });
      const chain = new JsonRpcProvider(liveDemo().rpcUrl);
      const consent = new Contract(
        liveDemo().config.deployment.consentRegistry,
        ["function emergencyCategoriesOf(address) view returns (uint64)"],
        chain,
      );
      const mask = (await consent.getFunction("emergencyCategoriesOf")(patient1.address)) as bigint;
      chain.destroy();
      // Allergies 1, Medications 2, Problems 3, VitalSigns 5.
      assert(mask === 0b101110n, `mask on chain 0x${mask.toString(16)}`);
      const after = await checkedNow();
      assert(after.join() === "Allergies,Medications,Problems,VitalSigns", `shown after saving: ${after.join()}`);
      await form.screenshot({ path: join(REPORTS, "portal-patient-emergency.png") });
      shots.push(join(REPORTS, "portal-patient-emergency.png"));
      return `custodian ${custodian.name} shown; ${before.join(", ")} → ${after.join(", ")}, mask 0x${mask.toString(16)} on chain; ${await accessible(page, "sharing (emergency)")}`;
    },
  );

  await check("after the session: no PHI or secret key in storage, IndexedDB, URL or title", async () => {
    return (await Promise.all([checkStorage(patient.page, "patient"), checkStorage(provider.page, "provider")])).join(
      "; ",
    );
  });

  async function checkStorage(page: Page, who: string): Promise<string> {
    const s = await storageOf(page);
    const phi = [0, 1]
      .flatMap((i) => identifyingStrings([syntheticPatient(2026, i).records]))
      .filter((x) => x.length >= 6);
    const chain = new JsonRpcProvider(liveDemo().rpcUrl);
    const secrets: string[] = [];
    for (const a of [patient1, patient2, clinic, lab, emergency, registrar]) {
      const signer = await chain.getSigner(a.address);
      const id = await deriveIdentity(signer, {
        chainId: BigInt(liveDemo().config.chainId),
        directory: liveDemo().config.deployment.directory,
      });
      secrets.push(hexlify(id.secretKey).slice(2));
    }
    chain.destroy();
    const haystack = [s.local, s.session, s.idb.join(","), s.url, s.title].join("\n").toLowerCase();
    const leaks = [...phi, ...secrets].filter((x) => haystack.includes(x.toLowerCase()));
    assert(leaks.length === 0, `${who}: found ${leaks.slice(0, 3).join(", ")}`);
    assert(
      s.local === "{}" && s.session === "{}" && s.idb.length === 0,
      `${who}: storage not empty: ${JSON.stringify(s)}`,
    );
    assert(
      s.title === "Carechain portal" && new URL(s.url).search === "" && new URL(s.url).hash === "",
      `${who}: url ${s.url} title ${s.title}`,
    );
    return `${who}: storage empty, no IndexedDB, URL ${new URL(s.url).pathname}, title "${s.title}" (${phi.length} PHI strings and ${secrets.length} secret keys looked for)`;
  }

  /** Disconnects and connects another development-wallet account in the same page. */
  async function connectAgain(page: Page, account: string): Promise<void> {
    await page.getByRole("button", { name: "Disconnect" }).click();
    await connectDev(page, account);
  }
} catch (error) {
  failed++;
  console.log(`FAIL test:portal: ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  await cleanup();
}
figures.totalMs = Math.round(performance.now() - startedAt);
mkdirSync(REPORTS, { recursive: true });
writeFileSync(join(REPORTS, "figures.json"), `${JSON.stringify(figures, null, 2)}\n`);
if (options["update-docs"]) {
  mkdirSync(DOC_IMAGES, { recursive: true });
  for (const file of shots) copyFileSync(file, join(DOC_IMAGES, basename(file)));
}
console.log(`test:portal: ${(figures.totalMs as number) / 1000} s; figures in reports/portal/figures.json`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
