// `npm run bench [-- SECTION...]`: prints speed and memory figures. Sections run in order.
import os from "node:os";
import { benchApi } from "./api";
import { benchAyon } from "./ayon";
import { benchFaults } from "./faults";
import { benchFleet } from "./fleet";
import { benchFleetList } from "./fleet-list";
import { benchLauncher } from "./launcher";
import { benchOutput } from "./output";
import { benchPages } from "./pages";
import { benchRegistry } from "./registry";
import { benchRetention } from "./retention";
import { benchWindows } from "./windows";

const sections: Record<string, () => Promise<void>> = {
  registry: () => benchRegistry(),
  launcher: () => benchLauncher(),
  pages: () => benchPages(),
  output: () => benchOutput(),
  api: () => benchApi(),
  ayon: () => benchAyon(),
  retention: () => benchRetention(),
  "fleet-list": () => benchFleetList(),
  fleet: () => benchFleet(),
  faults: () => benchFaults(),
  windows: () => benchWindows(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((w) => !(w in sections));
if (unknown.length) {
  console.error(`Unknown bench section(s): ${unknown.join(", ")}. Known: ${Object.keys(sections).join(", ")}`);
  process.exit(2);
}

console.log(`Process Monitor bench — ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
for (const name of wanted.length ? wanted : Object.keys(sections)) await sections[name]!();
process.exit(0);
