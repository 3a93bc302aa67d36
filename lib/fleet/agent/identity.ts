import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dataDir, ensureDir } from "../../config/paths";

/** Where the agent keeps its host id, its host secret and what the hub has accepted. */
export function agentDir(): string {
  return dataDir();
}

function writePrivate(file: string, text: string): void {
  ensureDir(path.dirname(file));
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text, { mode: 0o600 });
  fs.renameSync(temporary, file);
}

/**
 * This workstation's host id: a UUID created once in the data folder. A disk image cloned
 * with it reports the same id from another machine, which the hub flags.
 */
export function hostId(dir = agentDir()): string {
  const file = path.join(dir, "host-id");
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (/^[0-9a-f-]{36}$/i.test(existing)) return existing.toLowerCase();
  } catch {
    /* first run */
  }
  const id = crypto.randomUUID();
  writePrivate(file, `${id}\n`);
  return id;
}

/**
 * The machine, as opposed to the disk: systemd's machine id, which a properly prepared
 * clone regenerates. `PROCESS_MONITOR_MACHINE_ID` overrides it (containers, tests).
 */
export function machineId(): string {
  const fromEnv = process.env.PROCESS_MONITOR_MACHINE_ID?.trim();
  if (fromEnv) return fromEnv.slice(0, 255);
  for (const file of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      const id = fs.readFileSync(/*turbopackIgnore: true*/ file, "utf8").trim();
      if (id) return id;
    } catch {
      /* try the next */
    }
  }
  const nets = Object.values(os.networkInterfaces())
    .flat()
    .map((n) => n?.mac)
    .filter((mac) => mac && mac !== "00:00:00:00:00:00")
    .sort();
  return crypto
    .createHash("sha256")
    .update(`${os.hostname()}|${nets.join(",")}`)
    .digest("hex")
    .slice(0, 32);
}

export interface Credentials {
  hub: string;
  hostKey: string;
  secret: string;
  name: string;
}

const credentialsFile = (dir: string) => path.join(dir, "hub-secret.json");

/** The host secret for `hub`, if this agent enrolled there. */
export function readCredentials(hub: string, dir = agentDir()): Credentials | null {
  try {
    const value = JSON.parse(fs.readFileSync(credentialsFile(dir), "utf8")) as Partial<Credentials>;
    if (value.hub === hub && typeof value.hostKey === "string" && typeof value.secret === "string") {
      return { hub, hostKey: value.hostKey, secret: value.secret, name: String(value.name ?? "") };
    }
  } catch {
    /* none yet */
  }
  return null;
}

export function writeCredentials(credentials: Credentials, dir = agentDir()): void {
  writePrivate(credentialsFile(dir), `${JSON.stringify(credentials, null, 2)}\n`);
}

export function forgetCredentials(dir = agentDir()): void {
  fs.rmSync(credentialsFile(dir), { force: true });
}

export { writePrivate };
