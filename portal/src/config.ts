/** The portal's configuration (`/portal-config.json`): the chain, the deployment and the demo's named accounts. */
export interface PortalAccount {
  readonly address: string;
  readonly name: string;
  readonly role: "registrar" | "custodian" | "provider" | "patient";
  readonly kind?: string;
}

/** The configuration as served next to the page. */
export interface PortalConfig {
  readonly rpcUrl: string;
  readonly deployment: { chainId: string; directory: string; consentRegistry: string; recordRegistry: string };
  readonly fromBlock: number;
  readonly accounts: readonly PortalAccount[];
}

/** Fetches the configuration. */
export async function loadConfig(): Promise<PortalConfig> {
  const response = await fetch("/portal-config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`The portal's configuration could not be loaded (HTTP ${response.status}).`);
  return (await response.json()) as PortalConfig;
}

/** A function naming addresses: the demo names, "you" for the connected account, else a short address. */
export function namer(config: PortalConfig, me?: string): (address: string) => string {
  const names = new Map(config.accounts.map((a) => [a.address.toLowerCase(), a.name]));
  return (address: string) => {
    const key = address.toLowerCase();
    if (key === me?.toLowerCase()) return `you (${names.get(key) ?? short(address)})`;
    return names.get(key) ?? short(address);
  };
}

/** `0x1234…abcd`. */
export function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
