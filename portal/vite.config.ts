// The portal's Vite build: Preact JSX, class names kept (errors are matched with instanceof, names shown in details),
// es2022, and the SDK's FHIR definitions pack left as the lazy chunk the SDK makes it.
import { defineConfig } from "vite";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { target: "es2022", reportCompressedSize: false, chunkSizeWarningLimit: 4096 },
});
