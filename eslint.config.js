// Lint rules: typescript-eslint's recommended type-aware-free set plus import/no-cycle, because the layering
// in BRIEF.md (arrows only point down) is a rule, not a habit.
import tseslint from "typescript-eslint";
import importPlugin from "eslint-plugin-import";

export default tseslint.config(
  { ignores: ["node_modules/", "build/", "cache/", "artifacts/", "coverage/", "typechain-types/", "**/*.cjs"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    plugins: { import: importPlugin },
    settings: {
      "import/resolver": { typescript: { project: "./tsconfig.json" } },
      "import/parsers": { "@typescript-eslint/parser": [".ts"] },
    },
    rules: {
      "import/no-cycle": ["error", { maxDepth: 10 }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
);
