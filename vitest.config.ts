import { defineConfig } from "vitest/config";

/** Resolve the package's own `exports`/`imports` (e.g. `#chunk-cipher`) to the TypeScript sources, not dist/. */
const conditions = ["carechain-source"];

export default defineConfig({
  resolve: { conditions: [...conditions, "node", "import", "default"] },
  ssr: { resolve: { conditions: [...conditions, "node", "import", "default"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
