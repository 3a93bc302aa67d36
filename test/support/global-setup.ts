// Builds the dashboard and the CLI bundle once before the tests (skipped when up to date).
// What the run leaves behind is checked after it by scripts/test.js (`npm test`).
import { ensureBuild } from "../../scripts/ensure-build.js";
import { buildCli, cliBundleIsStale } from "../../scripts/build-cli.js";

export default async function setup(): Promise<void> {
  ensureBuild();
  if (cliBundleIsStale()) await buildCli();
}
