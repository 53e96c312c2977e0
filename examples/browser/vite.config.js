// The page's JSON-RPC URL: `?rpc=URL` in the address bar wins; otherwise CARECHAIN_RPC_URL at build (or dev) time;
// otherwise a local `npx hardhat node`.
import { defineConfig } from "vite";

export default defineConfig({
  define: {
    __CARECHAIN_RPC_URL__: JSON.stringify(process.env.CARECHAIN_RPC_URL ?? "http://127.0.0.1:8545"),
  },
  build: { target: "es2022" },
});
