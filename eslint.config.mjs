import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/**
 * The house's import rules (docs/architecture.md), checked by the lint: HTTP adapters
 * (lib/api) are entered by routes only, never by the doors, actions, pages' data modules or
 * components; routes and components reach processes through the doors, not the registry,
 * the process table or the launcher.
 */
const adapters = {
  group: ["**/lib/api/*", "../api/*", "../../api/*", "./api/*"],
  message: "lib/api holds HTTP adapters for routes; call the door (processes() or the fleet's lib/fleet/hub/fleet.ts) instead.",
};
const behindTheDoor = {
  group: ["**/lib/registry", "**/lib/registry/*", "**/lib/system/*", "**/lib/launcher", "**/lib/launcher/*"],
  message: "Pages and components reach processes through lib/processes (the door), not its rooms.",
};

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".cache/**", ".next/**", "node_modules/**", "lib/generated/**", "scratch/**", "dist/**", "test-results/**", "next-env.d.ts"],
  },
  {
    files: ["lib/actions/**", "lib/fleet/**", "lib/processes/**", "lib/alerts/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [adapters] }] },
  },
  {
    files: ["app/**", "components/**"],
    ignores: ["app/api/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [adapters, behindTheDoor] }] },
  },
];

export default config;
