// Requests per second the list API sustains: npm run bench -- api
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureBuild } from "../scripts/ensure-build.js";
import { Registry } from "../lib/registry";
import { startServer } from "../test/support/next-server";
import { report } from "./stats";

export async function benchApi(records = 1_000, concurrency = 8, seconds = 5): Promise<void> {
  console.log("\nJSON API (npm run bench -- api)");
  ensureBuild();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-api-"));
  const dbPath = path.join(dir, "registry.db");
  const registry = await Registry.open(dbPath);
  for (let i = 0; i < records; i++) {
    await registry.store({ name: `app${i}`, executable: "/bin/true", args: [`${i}`], pid: 4_500_000 + i, stopped: true });
  }
  await registry.close();
  const server = await startServer({ PROCESS_MONITOR_DB: dbPath });
  try {
    for (const route of ["/api/processes?limit=100", `/api/processes?limit=${records}`]) {
      await (await server.api(route)).arrayBuffer();
      let ok = 0;
      let failed = 0;
      const end = Date.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < end) {
            const response = await server.api(route);
            await response.arrayBuffer();
            if (response.ok) ok++;
            else failed++;
          }
        }),
      );
      report(
        `GET ${route} (${records} records, ${concurrency} clients)`,
        `${(ok / seconds).toFixed(0)} req/s`,
        failed ? `${failed} failed` : undefined,
      );
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
