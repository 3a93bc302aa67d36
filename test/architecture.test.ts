// The import rules of docs/architecture.md are the lint's (eslint.config.mjs): a wrong import
// fails `npm run lint`, and these show that it does, on the very files where it would be written.
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { isActive, isAlive, type DisplayStatus } from "../lib/processes/status";

const root = path.resolve(__dirname, "..");
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("the house's import rules, enforced by the lint", () => {
  it("refuses an HTTP adapter (lib/api) in an action, the fleet's door or pages module, and the workstation's door", async () => {
    for (const [file, code] of [
      ["lib/actions/fleet.ts", 'import { fleetAction } from "../api/fleet";\nexport const x = fleetAction;\n'],
      ["lib/fleet/pages.ts", 'import { fleetOutput } from "../api/fleet";\nexport const x = fleetOutput;\n'],
      ["lib/processes/local.ts", 'import { jsonOk } from "../api/respond";\nexport const x = jsonOk;\n'],
      ["components/header.tsx", 'import { health } from "@/lib/api/health";\nexport const x = health;\n'],
    ]) {
      expect(await restricted(file!, code!), file).toEqual([expect.stringMatching(/lib\/api holds HTTP adapters/)]);
    }
  });

  it("refuses the registry, the process table and the launcher in pages and components", async () => {
    expect(
      await restricted("app/(list)/page.tsx", 'import { Registry } from "@/lib/registry";\nexport const x = Registry;\n'),
    ).toHaveLength(1);
    expect(
      await restricted(
        "components/process-table.tsx",
        'import { stopProcess } from "@/lib/launcher/stop";\nexport const x = stopProcess;\n',
      ),
    ).toHaveLength(1);
    expect(
      await restricted(
        "app/processes/[hash]/page.tsx",
        'import { ProcessSnapshot } from "@/lib/system/snapshot";\nexport const x = ProcessSnapshot;\n',
      ),
    ).toHaveLength(1);
  });

  it("refuses the fleet in the workstation's door, and a door in a component", async () => {
    expect(
      await restricted(
        "lib/processes/local.ts",
        'import { FleetProcesses } from "../fleet/hub/records";\nexport const x = FleetProcesses;\n',
      ),
    ).toEqual([expect.stringMatching(/the fleet builds on it/)]);
    expect(
      await restricted("lib/processes/query.ts", 'import { isHub } from "@/lib/fleet/hub/server";\nexport const x = isHub;\n'),
    ).toEqual([expect.stringMatching(/the fleet builds on it/)]);
    for (const [file, code] of [
      ["components/header.tsx", 'import { processes } from "@/lib/processes/server";\nexport const x = processes;\n'],
      ["components/fleet/host-table.tsx", 'import { isHub } from "@/lib/fleet/hub/server";\nexport const x = isHub;\n'],
      ["components/process-table.tsx", 'import { openProcesses } from "@/lib/processes";\nexport const x = openProcesses;\n'],
      ["components/fleet/pending-hosts.tsx", 'import { commandOnHost } from "@/lib/fleet/hub/fleet";\nexport const x = commandOnHost;\n'],
    ]) {
      expect(await restricted(file!, code!), file).toEqual([expect.stringMatching(/do not call a door/)]);
    }
    // A door's types describe what a component is handed: allowed.
    expect(
      await restricted(
        "components/header.tsx",
        'import type { WorkstationInfo } from "@/lib/processes/local";\nexport type X = WorkstationInfo;\n',
      ),
    ).toEqual([]);
  });

  it("refuses the fleet's rooms (its store, sockets, commands, readings) in adapters, routes, actions, pages and the server's start (issue 38)", async () => {
    for (const [file, code] of [
      ["lib/api/health.ts", 'import { fleetStore } from "../fleet/store";\nexport const x = fleetStore;\n'],
      ["lib/api/metrics-gauges.ts", 'import { pollingHosts } from "../fleet/hub/commands";\nexport const x = pollingHosts;\n'],
      ["lib/api/channel.ts", 'import { adoptSocket } from "../fleet/hub/agents";\nexport const x = adoptSocket;\n'],
      ["app/api/fleet/hosts/route.ts", 'import { ingest } from "@/lib/fleet/hub/ingest";\nexport const x = ingest;\n'],
      ["lib/actions/fleet.ts", 'import { holdsHost } from "../fleet/hub/instances";\nexport const x = holdsHost;\n'],
      ["app/fleet/(overview)/page.tsx", 'import { FleetProcesses } from "@/lib/fleet/hub/records";\nexport const x = FleetProcesses;\n'],
      ["lib/startup.ts", 'import { fleetStore } from "./fleet/store";\nexport const x = fleetStore;\n'],
      ["components/fleet/host-table.tsx", 'import { socketHosts } from "@/lib/fleet/hub/agents";\nexport const x = socketHosts;\n'],
    ]) {
      expect(await restricted(file!, code!), file).toContainEqual(expect.stringMatching(/entered through its door/));
    }
    // The server's start is handed the agents' channel (an adapter) by instrumentation.ts.
    expect(await restricted("lib/startup.ts", 'import { fleetUpgrade } from "./api/channel";\nexport const x = fleetUpgrade;\n')).toEqual([
      expect.stringMatching(/lib\/api holds HTTP adapters/),
    ]);
    // What the door hands out is described by its rooms' types.
    expect(
      await restricted("lib/api/fleet.ts", 'import type { FleetHostInfo } from "../fleet/hub/snapshot";\nexport type X = FleetHostInfo;\n'),
    ).toEqual([]);
  });

  it("lets routes use the adapters, and the doors' browser-safe parts be imported anywhere", async () => {
    expect(
      await restricted(
        "app/api/fleet/report/route.ts",
        'import { handleReport } from "@/lib/api/fleet";\nexport const POST = handleReport;\n',
      ),
    ).toEqual([]);
    expect(
      await restricted(
        "components/status-badge.tsx",
        'import { statusText } from "@/lib/processes/status";\nexport const x = statusText;\n',
      ),
    ).toEqual([]);
    expect(
      await restricted("lib/actions/fleet.ts", 'import { commandOnHost } from "../fleet/hub/fleet";\nexport const x = commandOnHost;\n'),
    ).toEqual([]);
  });
});

describe("one owner of running", () => {
  it("alive: the recorded process runs; active: it or children it left run", () => {
    const statuses: DisplayStatus[] = ["running", "unverified", "children", "stopped"];
    expect(statuses.filter((status) => isAlive({ status }))).toEqual(["running", "unverified"]);
    expect(statuses.filter((status) => isActive({ status }))).toEqual(["running", "unverified", "children"]);
  });
});
