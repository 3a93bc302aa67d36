#!/usr/bin/env node
// `prisma generate` offline: the CLI insists on a schema engine binary it would
// download, but generation never runs it, so any existing file satisfies the check.
// Three clients: the registry's (SQLite), and the fleet store's for SQLite and for
// PostgreSQL, both from prisma/fleet.prisma (a Prisma schema names one provider).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
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

function generate(schema) {
  const result = spawnSync(process.execPath, [prismaBin, "generate", "--schema", schema], { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`prisma generate failed for ${schema}; see the output above.`);
    process.exit(result.status ?? 1);
  }
}

generate(path.join(root, "prisma", "schema.prisma"));
const fleet = path.join(root, "prisma", "fleet.prisma");
generate(fleet);

const postgres = fs
  .readFileSync(fleet, "utf8")
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace(
    'output       = "../lib/generated/fleet-sqlite"',
    // Forward slashes: a Windows path's backslashes would be escapes in the schema's string.
    `output       = ${JSON.stringify(path.join(root, "lib", "generated", "fleet-postgres").replace(/\\/g, "/"))}`,
  );
if (!postgres.includes("postgresql") || !postgres.includes("fleet-postgres")) {
  console.error("prisma/fleet.prisma no longer has the provider and output lines this script rewrites.");
  process.exit(1);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-fleet-schema-"));
try {
  const schema = path.join(dir, "fleet-postgres.prisma");
  fs.writeFileSync(schema, postgres);
  generate(schema);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
