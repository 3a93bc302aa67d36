import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/**
 * The house's import rules (docs/architecture.md), checked by the lint: HTTP adapters
 * (lib/api) are entered by routes only, never by the doors, actions, pages' data modules or
 * components; routes and components reach processes through the doors, not the registry,
 * the process table or the launcher; components are handed their data and open no door; the
 * workstation's door (lib/processes) knows nothing of the fleet; adapters, actions, pages and
 * the server's start reach the fleet through its door, never its rooms.
 */
const adapters = {
  group: ["**/lib/api/*", "../api/*", "../../api/*", "./api/*"],
  message: "lib/api holds HTTP adapters for routes; call the door (processes() or the fleet's lib/fleet/hub/fleet.ts) instead.",
};
const behindTheDoor = {
  group: ["**/lib/registry", "**/lib/registry/*", "**/lib/system/*", "**/lib/launcher", "**/lib/launcher/*"],
  message: "Pages and components reach processes through lib/processes (the door), not its rooms.",
};

const theFleet = {
  group: ["**/lib/fleet", "**/lib/fleet/*", "**/lib/fleet/**", "../fleet/*", "../fleet/**", "../../fleet/**"],
  message: "lib/processes is the workstation's: the fleet builds on it, never the other way round.",
};
// The fleet's rooms that hold the hub's state (its store, sockets, commands, readings): behind
// its door, fleet() (lib/fleet/hub/server.ts, FleetDoor). Their types describe what the door hands out.
const FLEET_ROOMS = [
  "store",
  "store/*",
  ...["agents", "commands", "ingest", "ingest-write", "snapshot", "instances", "admissions", "enroll", "host-auth", "records"].map(
    (room) => `hub/${room}`,
  ),
];
const fleetRooms = {
  group: FLEET_ROOMS.flatMap((room) => [`**/lib/fleet/${room}`, `../fleet/${room}`, `../../fleet/${room}`, `./fleet/${room}`]),
  allowTypeImports: true,
  message: "The fleet is entered through its door, fleet() (lib/fleet/hub/server.ts): not its store, sockets or readings.",
};

// Components are handed their data by pages; they never open a door themselves (types aside).
const theDoors = {
  group: [
    "**/lib/processes/server",
    "**/lib/processes/local",
    "**/lib/processes/index",
    "**/lib/fleet/hub/fleet",
    "**/lib/fleet/hub/server",
    "**/lib/fleet/store",
    "**/lib/fleet/store/*",
  ],
  allowTypeImports: true,
  message: "Components get their data from the page (props) or an action; they do not call a door.",
};

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".cache/**", ".next/**", "node_modules/**", "lib/generated/**", "scratch/**", "dist/**", "test-results/**", "next-env.d.ts"],
  },
  {
    files: ["lib/actions/**", "lib/fleet/**", "lib/processes/**", "lib/alerts/**", "lib/metrics/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [adapters] }] },
  },
  {
    files: ["lib/processes/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [adapters, theFleet] }] },
  },
  {
    files: ["lib/actions/**", "lib/startup.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [adapters, fleetRooms] }] },
  },
  {
    // The adapters and the routes that call them, and the server's start (which is handed its channel).
    files: ["lib/api/**", "app/api/**", "app/**/route.ts", "instrumentation.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [fleetRooms] }] },
  },
  {
    files: ["app/**"],
    // Route handlers are the adapters' callers.
    ignores: ["app/api/**", "app/**/route.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [adapters, behindTheDoor, fleetRooms] }] },
  },
  {
    files: ["components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "@/lib/processes", allowTypeImports: true, message: theDoors.message }],
          patterns: [adapters, behindTheDoor, theDoors, fleetRooms],
        },
      ],
    },
  },
];

export default config;
