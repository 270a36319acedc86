// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "dashboard/vendor/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["eslint.config.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Template literals with numbers are how we build log lines and ids.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Fire-and-forget promises must be marked with `void`, which this rule enforces.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-confusing-void-expression": "off",
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The dashboard is plain browser ES modules (no build step): these are the browser globals
    // it may use; anything else undefined is a mistake no-undef should catch.
    files: ["dashboard/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: Object.fromEntries(
        [
          ...["window", "document", "location", "history", "localStorage", "fetch", "URL", "EventSource"],
          ...["AbortController", "MessageEvent", "requestAnimationFrame", "setTimeout", "clearTimeout"],
          ...["HTMLElement", "HTMLLIElement", "HTMLFormElement", "HTMLInputElement"],
        ].map((name) => [name, "readonly"]),
      ),
    },
  },
);
