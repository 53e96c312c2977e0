/**
 * The portal's shell: loads the configuration, offers the wallets (EIP-6963 injected ones, and the development
 * wallet on a local chain only), connects a session, and shows the pages the account's roles allow.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { JsonRpcProvider } from "ethers";

import { loadConfig, namer, short, type PortalConfig } from "./config.js";
import { WrongNetworkError } from "./errors.js";
import { Activity } from "./pages/activity.js";
import { AddRecord, BreakGlass, MyPatients } from "./pages/provider.js";
import { PatientRecords } from "./pages/records.js";
import { Registrar } from "./pages/registrar.js";
import { Sharing } from "./pages/sharing.js";
import { connectSession, readRoles, type Session } from "./session.js";
import { ActionButton, ErrorNotice, Status, useAction } from "./ui.js";
import { devAccounts, discoverWallets, injectedSigner, switchChain, type WalletOption } from "./wallets.js";

type Page = "records" | "sharing" | "activity" | "patients" | "add" | "emergency" | "providers" | "register";

/** The pages an account may see, first one shown first. */
function pagesOf(session: Session): [Page, string][] {
  const pages: [Page, string][] = [];
  const { roles } = session;
  if (roles.patient) pages.push(["records", "My records"], ["sharing", "Sharing"], ["activity", "Activity"]);
  if (roles.provider) {
    pages.push(["patients", "My patients"], ["add", "Add a record"]);
    if (roles.provider.kind === "emergency") pages.push(["emergency", "Emergency access"]);
  }
  if (roles.registrar) pages.push(["providers", "Providers"]);
  if (!roles.patient && !roles.provider) pages.push(["register", "Register"]);
  return pages;
}

/** The application. */
export function App() {
  const [config, setConfig] = useState<PortalConfig | undefined>();
  const [configError, setConfigError] = useState<unknown>();
  const [session, setSession] = useState<Session | undefined>();
  const [page, setPage] = useState<Page | undefined>();
  useEffect(() => {
    loadConfig().then(setConfig, setConfigError);
  }, []);
  const name = useMemo(() => (config ? namer(config, session?.address) : (a: string) => a), [config, session]);
  const pages = session ? pagesOf(session) : [];
  const current = pages.find(([p]) => p === page)?.[0] ?? pages[0]?.[0];
  return (
    <>
      <header>
        <h1>Carechain portal</h1>
        {session && (
          <div class="account">
            <span>
              {name(session.address)} <code>{short(session.address)}</code> · {session.wallet}
            </span>{" "}
            <button
              type="button"
              onClick={() => {
                setSession(undefined);
                setPage(undefined);
              }}
            >
              Disconnect
            </button>
          </div>
        )}
      </header>
      {session && (
        <nav aria-label="Pages">
          {pages.map(([p, label]) => (
            <button type="button" key={p} aria-current={p === current ? "page" : undefined} onClick={() => setPage(p)}>
              {label}
            </button>
          ))}
        </nav>
      )}
      <main>
        <ErrorNotice error={configError} />
        {!config && !configError && <Status>Loading…</Status>}
        {config && !session && <Connect config={config} onConnected={setSession} />}
        {config && session && session.roles.keyMismatch && (
          <p class="notice error" role="alert">
            Your wallet derived a different encryption key than the one registered for this account, so records cannot
            be decrypted here. Connect the wallet you registered with.
          </p>
        )}
        {config && session && current === "records" && <PatientRecords session={session} name={name} />}
        {config && session && current === "sharing" && <Sharing session={session} config={config} name={name} />}
        {config && session && current === "activity" && <Activity session={session} name={name} />}
        {config && session && current === "patients" && <MyPatients session={session} name={name} />}
        {config && session && current === "add" && <AddRecord session={session} config={config} name={name} />}
        {config && session && current === "emergency" && <BreakGlass session={session} config={config} name={name} />}
        {config && session && current === "providers" && <Registrar session={session} name={name} />}
        {config && session && current === "register" && (
          <Register session={session} onRegistered={(roles) => setSession({ ...session, roles })} />
        )}
      </main>
    </>
  );
}

/** Choosing a wallet and connecting. */
function Connect({ config, onConnected }: { config: PortalConfig; onConnected: (s: Session) => void }) {
  const [wallets, setWallets] = useState<WalletOption[]>([]);
  const [dev, setDev] = useState<{ provider: JsonRpcProvider; accounts: string[] } | undefined>();
  const [devAccount, setDevAccount] = useState("");
  const name = namer(config);
  useEffect(() => discoverWallets(setWallets), []);
  useEffect(() => {
    devAccounts(config.rpcUrl).then(
      (d) => {
        setDev(d);
        const named = config.accounts.find((a) => a.role === "patient")?.address;
        setDevAccount(named ?? d.accounts[0] ?? "");
      },
      () => setDev(undefined),
    );
  }, [config]);
  const connect = useAction(async (how: { wallet: WalletOption } | { dev: string }) => {
    const step = (line: string) => connect.setProgress(line);
    if ("wallet" in how) {
      const signer = await injectedSigner(how.wallet);
      onConnected(await connectSession(signer, config, how.wallet.name, step));
    } else {
      if (!dev) throw new Error("The development wallet is not available (its node did not answer).");
      const signer = await dev.provider.getSigner(how.dev);
      onConnected(await connectSession(signer, config, "Development wallet", step));
    }
  });
  const switchNet = useAction(async (wallet: WalletOption) => switchChain(wallet, BigInt(config.deployment.chainId)));
  const byAddress = new Map(config.accounts.map((a) => [a.address.toLowerCase(), a]));
  return (
    <section aria-labelledby="connect-title">
      <h2 id="connect-title">Connect a wallet</h2>
      <p>
        Connecting asks your wallet to sign a request that derives your encryption key. The key stays in this page's
        memory only and is gone when you disconnect or close the tab.
      </p>
      <h3>Browser wallets</h3>
      {wallets.length === 0 && <p class="muted">No browser wallet found (EIP-6963 or window.ethereum).</p>}
      <ul class="wallets">
        {wallets.map((w) => (
          <li key={w.id}>
            {w.icon && <img src={w.icon} alt="" width={20} height={20} />}{" "}
            <ActionButton action={connect} onClick={() => void connect.run({ wallet: w })}>
              Connect {w.name}
            </ActionButton>
            {connect.error instanceof WrongNetworkError && (
              <>
                {" "}
                <ActionButton action={switchNet} onClick={() => void switchNet.run(w)}>
                  Switch {w.name} to chain {config.deployment.chainId}
                </ActionButton>
              </>
            )}
          </li>
        ))}
      </ul>
      {dev && dev.accounts.length > 0 && (
        <div class="dev-wallet">
          <h3>Development wallet — local chain only</h3>
          <p class="warning">
            These are the local node's public test accounts (chain 31337). Never use them on a real network.
          </p>
          <p>
            <label for="dev-account">Account </label>
            <select
              id="dev-account"
              value={devAccount}
              onChange={(e) => setDevAccount((e.target as HTMLSelectElement).value)}
            >
              {dev.accounts.map((a) => {
                const known = byAddress.get(a.toLowerCase());
                return (
                  <option key={a} value={a}>
                    {known ? `${known.name} (${known.role})` : "Unnamed test account"} — {short(a)}
                  </option>
                );
              })}
            </select>{" "}
            <ActionButton action={connect} kind="primary" onClick={() => void connect.run({ dev: devAccount })}>
              Connect with the development wallet
            </ActionButton>
          </p>
        </div>
      )}
      {connect.busy && <Status>{connect.progress ?? "Connecting…"}</Status>}
      <ErrorNotice error={connect.error} name={name} />
      <ErrorNotice error={switchNet.error} name={name} />
    </section>
  );
}

/** Registering an unregistered account as a patient. */
function Register({ session, onRegistered }: { session: Session; onRegistered: (roles: Session["roles"]) => void }) {
  const register = useAction(async () => {
    register.setProgress("Registering your encryption key in the Directory (confirm in your wallet)…");
    await session.client.registerPatient();
    const roles = await readRoles(session.client, session.address);
    onRegistered(roles);
    return roles;
  });
  return (
    <section aria-labelledby="register-title">
      <h2 id="register-title">Register as a patient</h2>
      <p>This account is not registered. Registering publishes your public encryption key (no health data) on chain.</p>
      <ActionButton action={register} kind="primary" onClick={() => void register.run()}>
        Register as a patient
      </ActionButton>
      {register.busy && <Status>{register.progress}</Status>}
      <ErrorNotice error={register.error} />
    </section>
  );
}
