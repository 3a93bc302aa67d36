// Builds the dashboard once before the browser and HTTP tests (skipped when up to date).
import { ensureBuild } from "../../scripts/ensure-build.js";

export default function setup(): void {
  ensureBuild();
}
