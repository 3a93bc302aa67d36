#!/usr/bin/env node
// `prisma generate` offline: the CLI insists on a schema engine binary it would
// download, but generation never runs it, so any existing file satisfies the check.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
};
const prismaBin = path.join(root, "node_modules", "prisma", "build", "index.js");
const result = spawnSync(process.execPath, [prismaBin, "generate"], { cwd: root, env, stdio: "inherit" });
if (result.status !== 0) {
  console.error("prisma generate failed; see the output above.");
  process.exit(result.status ?? 1);
}
