import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".cache/**", ".next/**", "node_modules/**", "lib/generated/**", "scratch/**", "dist/**", "test-results/**", "next-env.d.ts"],
  },
];

export default config;
