/**
 * Wallets: EIP-6963 discovery of injected providers (and a plain `window.ethereum` when none announces itself),
 * and the development wallet: the local node's own unlocked test accounts, offered only when the node's chain id is
 * the local one (31337). No private key ever enters the page.
 */
import { BrowserProvider, getAddress, JsonRpcProvider, type Eip1193Provider, type Signer } from "ethers";

/** An EIP-1193 provider as EIP-6963 announces it. */
export interface WalletOption {
  readonly id: string;
  readonly name: string;
  readonly icon?: string;
  readonly provider: Eip1193Provider;
}

/** Chain id of Hardhat's and Anvil's local nodes: the only chain the development wallet works on. */
export const LOCAL_CHAIN_ID = 31337n;

interface AnnounceEvent extends Event {
  readonly detail: { info: { uuid: string; name: string; icon?: string; rdns?: string }; provider: Eip1193Provider };
}

/**
 * Discovers injected wallets (EIP-6963): listens for announcements, asks for them, and calls `onChange` with the
 * list each time it grows. A legacy `window.ethereum` is listed when no wallet announced itself.
 * @returns A function that stops listening.
 */
export function discoverWallets(onChange: (wallets: WalletOption[]) => void): () => void {
  const found = new Map<string, WalletOption>();
  const emit = () => {
    const list = [...found.values()];
    const legacy = (window as { ethereum?: Eip1193Provider }).ethereum;
    if (list.length === 0 && legacy) list.push({ id: "window.ethereum", name: "Browser wallet", provider: legacy });
    onChange(list);
  };
  const onAnnounce = (event: Event) => {
    const { info, provider } = (event as AnnounceEvent).detail;
    found.set(info.uuid, { id: info.uuid, name: info.name, icon: info.icon, provider });
    emit();
  };
  window.addEventListener("eip6963:announceProvider", onAnnounce);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  emit();
  return () => window.removeEventListener("eip6963:announceProvider", onAnnounce);
}

/** A signer from an injected wallet (asks the wallet for its accounts). */
export async function injectedSigner(option: WalletOption): Promise<Signer> {
  const provider = new BrowserProvider(option.provider, "any");
  await provider.send("eth_requestAccounts", []);
  return provider.getSigner();
}

/** Asks an injected wallet to switch to `chainId` (EIP-3326). */
export async function switchChain(option: WalletOption, chainId: bigint): Promise<void> {
  await option.provider.request({
    method: "wallet_switchEthereumChain",
    params: [{ chainId: `0x${chainId.toString(16)}` }],
  });
}

/**
 * The development wallet's accounts: the node's unlocked test accounts, or an empty list when the node is not a
 * local chain (chain id other than 31337).
 */
export async function devAccounts(rpcUrl: string): Promise<{ provider: JsonRpcProvider; accounts: string[] }> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, {
    pollingInterval: 500,
    staticNetwork: true,
    batchMaxCount: 1,
  });
  const { chainId } = await provider.getNetwork();
  if (chainId !== LOCAL_CHAIN_ID) return { provider, accounts: [] };
  return { provider, accounts: ((await provider.send("eth_accounts", [])) as string[]).map((a) => getAddress(a)) };
}
