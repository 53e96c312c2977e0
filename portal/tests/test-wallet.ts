/**
 * An injected EIP-1193 test wallet for the portal's browser tests, installed with `page.addInitScript`: it
 * announces itself through EIP-6963 ("Test Wallet"), answers for one of the local node's unlocked accounts, forwards
 * every call to the node, and refuses every signature or transaction while `window.__testWallet.reject` is true
 * (EIP-1193 error 4001), as a user clicking "Reject" would.
 */

/** The init script's source for the node at `rpcUrl`, acting as `account`. */
export function testWalletScript(rpcUrl: string, account: string): string {
  return `(() => {
  const state = { account: ${JSON.stringify(account)}, reject: false, asked: [] };
  window.__testWallet = state;
  const SIGNING = new Set(["eth_sendTransaction", "eth_signTypedData_v4", "personal_sign", "eth_sign"]);
  let id = 0;
  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      state.asked.push(method);
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [state.account];
      if (SIGNING.has(method) && state.reject) {
        const error = new Error("User rejected the request.");
        error.code = 4001;
        throw error;
      }
      const response = await fetch(${JSON.stringify(rpcUrl)}, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
      });
      const body = await response.json();
      if (body.error) {
        const error = new Error(body.error.message);
        error.code = body.error.code;
        error.data = body.error.data;
        throw error;
      }
      return body.result;
    },
    on() {},
    removeListener() {},
  };
  const info = { uuid: "00000000-0000-4000-8000-000000000001", name: "Test Wallet", icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='20' height='20'/%3E", rdns: "org.carechain.testwallet" };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;
}
