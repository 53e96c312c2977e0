// ESLint flat config: typescript-eslint's type-aware strict and stylistic sets over every TypeScript file (each file is
// checked with the tsconfig.json nearest to it: the root one, or indexer/tsconfig.json), ESLint's recommended set over
// the plain JavaScript files. Formatting is Prettier's job (.prettierrc), so no formatting rule is enabled here.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Globals of Node and of the browser that the plain JavaScript files use (ESLint has no environments any more). */
const nodeGlobals = {
  process: "readonly",
  console: "readonly",
  Buffer: "readonly",
  URL: "readonly",
  URLSearchParams: "readonly",
  TextEncoder: "readonly",
  TextDecoder: "readonly",
  setTimeout: "readonly",
  clearTimeout: "readonly",
  setInterval: "readonly",
  clearInterval: "readonly",
  structuredClone: "readonly",
  fetch: "readonly",
  AbortController: "readonly",
  AbortSignal: "readonly",
  crypto: "readonly",
  performance: "readonly",
};
const commonJsGlobals = { require: "readonly", module: "writable", exports: "writable", __dirname: "readonly" };
const browserGlobals = { window: "readonly", document: "readonly", location: "readonly", HTMLElement: "readonly" };

export default tseslint.config(
  {
    // Generated or installed files (the same list as .prettierignore).
    ignores: [
      "**/node_modules/**",
      "artifacts/**",
      "cache/**",
      "coverage/**",
      "reports/**",
      "dist/**",
      "types/**",
      "sdk/contracts/typechain/**",
      "sdk/contracts/generated/**",
      "sdk/fhir/pack/**",
      "indexer/generated/**",
      "indexer/.ponder/**",
      "indexer/ponder-env.d.ts",
      "ignition/deployments/**",
      ".carechain/**",
      "portal/dist/**",
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  js.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx", "**/*.mts", "**/*.cts"],
    extends: [...tseslint.configs.strictTypeChecked, ...tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers and bigints (`allowNumber` covers both) print exactly in a template literal; what the rule is for ("[object Object]",
      // "undefined", "null", an `any`) stays forbidden.
      // A CID prints its canonical string form (base32 or base58btc); Error, URL and URLSearchParams are the rule's own
      // defaults.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        {
          allowNumber: true,
          allow: [
            { from: "lib", name: ["Error", "URL", "URLSearchParams"] },
            { from: "package", name: "CID", package: "multiformats" },
          ],
        },
      ],
      // `expect(() => f()).toThrow()` and `(x) => void-returning(x)` callbacks are the idiom; a void value used in
      // any other expression is still reported.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // `async` without `await` is deliberate here: it makes a synchronous throw (an argument check) a rejection and
      // lets a plain value satisfy a Promise-returning interface (stores, signers, test doubles, async generators that
      // yield from memory). Promises that are created and dropped are still caught by no-floating-promises and
      // no-misused-promises.
      "@typescript-eslint/require-await": "off",
      // `a || b` on strings is how an empty environment variable or option falls back to its default; `??` would keep
      // the empty string. For every other type `??` is required.
      "@typescript-eslint/prefer-nullish-coalescing": ["error", { ignorePrimitives: { string: true } }],
      // `_` names what must be bound but is not used (a drained iterator's values, a skipped tuple element).
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
      // An empty arrow function is a no-op callback written on purpose (`log: () => {}`); an empty named function or
      // method is still reported.
      "@typescript-eslint/no-empty-function": ["error", { allow: ["arrowFunctions"] }],
    },
  },
  {
    // Tests, benchmarks and the pilot runner: with `noUncheckedIndexedAccess`, `rows[0]!` on a row the code just
    // produced is the idiom, and a wrong assertion fails the run loudly rather than a user's process. In sdk/ and
    // indexer/ (shipped code) the rule stays on: a missing value there is a typed error, not an assertion.
    files: ["test/**", "scripts/**"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { sourceType: "module", globals: nodeGlobals },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { ...nodeGlobals, ...commonJsGlobals } },
  },
  {
    files: ["examples/browser/**/*.js"],
    languageOptions: { globals: { ...nodeGlobals, ...browserGlobals } },
  },
);
