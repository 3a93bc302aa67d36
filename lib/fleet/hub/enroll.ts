import type { EnrollAnswer, EnrollRequest } from "../protocol";
import type { FleetStore } from "../store";
import { FleetError, isUniqueViolation } from "./errors";
import { forgetVerifiedSecrets } from "./host-auth";
import { baseName, uniqueName } from "./names";
import { hashSecret, newHostKey, newHostSecret, secretMatches } from "./secrets";

/**
 * An agent that presented the fleet key gets a host secret.
 * - A machine or host id that was revoked stays out until an operator lets it back in.
 * - The same machine enrolling again keeps its row and name. With the secret it holds, it gets
 *   a new one at once; without it (it lost it, or someone who read the host id and the
 *   machine id is trying to take its place) the new secret waits for an operator's approval on
 *   /fleet, and the current one keeps working meanwhile.
 * - Another machine with the same host id (a cloned disk image) gets a row of its own,
 *   flagged, never merged.
 */
export async function enroll(
  { db }: FleetStore,
  request: EnrollRequest,
  address: string | null,
  /** Called before a new host's row is made: throws when the hub takes no more now. */
  admitNew: () => void = () => undefined,
): Promise<EnrollAnswer> {
  const now = Date.now();
  const known = await db.fleetHost.findMany({
    where: { OR: [{ hostId: request.hostId }, { machineId: request.machineId }] },
    orderBy: { enrolledAt: "asc" },
  });
  const revoked = known.find((h) => h.revokedAt !== null);
  if (revoked) {
    throw new FleetError(
      "REVOKED",
      `Host ${revoked.name} was revoked on this hub; it cannot enrol again until an operator lets it back in (POST /api/fleet/hosts/${revoked.name}/readmit).`,
    );
  }
  const sameId = known.filter((h) => h.hostId === request.hostId);
  const same = sameId.find((h) => h.machineId === request.machineId);
  if (same) {
    const secret = newHostSecret(same.key);
    if (request.currentSecret && secretMatches(request.currentSecret, same.secretHash)) {
      await db.fleetHost.update({
        where: { key: same.key },
        data: { secretHash: hashSecret(secret), hostname: request.hostname, lastAddress: address, seq: 0, pendingSecretHash: null },
      });
      return { hostKey: same.key, secret, name: same.name, cloneOf: same.cloneOf };
    }
    await db.fleetHost.update({
      where: { key: same.key },
      data: { pendingSecretHash: hashSecret(secret), pendingSince: now, pendingAddress: address },
    });
    return { hostKey: same.key, secret, name: same.name, cloneOf: same.cloneOf, pending: true };
  }
  admitNew();
  const cloneOf = sameId[0]?.key ?? null;
  const base = baseName(request.hostname);
  // Two hub instances (PostgreSQL) may pick the same free name at once: the unique index decides.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const taken = await db.fleetHost.findMany({ where: { name: { startsWith: base } }, select: { name: true } });
    const name = uniqueName(base, new Set(taken.map((t) => t.name)));
    const key = newHostKey();
    const secret = newHostSecret(key);
    try {
      await db.fleetHost.create({
        data: {
          key,
          hostId: request.hostId,
          machineId: request.machineId,
          hostname: request.hostname,
          name,
          secretHash: hashSecret(secret),
          enrolledAt: now,
          lastAddress: address,
          cloneOf,
        },
      });
      return { hostKey: key, secret, name, cloneOf };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new FleetError("NAME_TAKEN", "Could not give this host a unique name; try again.");
}

/**
 * An operator's answer to a pending re-enrolment: approved, the new secret replaces the old
 * (the agent then sends its whole list); denied, it is dropped. False when none was pending.
 */
export async function decidePending({ db }: FleetStore, name: string, approve: boolean): Promise<boolean> {
  const host = await db.fleetHost.findUnique({ where: { name } });
  if (!host?.pendingSecretHash) return false;
  const { count } = await db.fleetHost.updateMany({
    where: { key: host.key, pendingSecretHash: host.pendingSecretHash },
    data: approve
      ? {
          secretHash: host.pendingSecretHash,
          pendingSecretHash: null,
          pendingSince: null,
          pendingAddress: null,
          seq: 0,
          sharedSecretAt: null,
          // Whoever holds the approved secret takes the host at its first report.
          instance: null,
          rivalInstance: null,
          rivalSince: null,
        }
      : { pendingSecretHash: null, pendingSince: null, pendingAddress: null },
  });
  forgetVerifiedSecrets();
  return count > 0;
}

/** Lets a revoked host back in: it may report with its secret, or enrol, again. */
export async function readmitHost({ db }: FleetStore, name: string): Promise<boolean> {
  const { count } = await db.fleetHost.updateMany({ where: { name, revokedAt: { not: null } }, data: { revokedAt: null } });
  return count > 0;
}

/** Revoking a host: its secret stops working and it cannot enrol again with the fleet key. */
export async function revokeHost({ db }: FleetStore, name: string): Promise<boolean> {
  const { count } = await db.fleetHost.updateMany({ where: { name, revokedAt: null }, data: { revokedAt: Date.now() } });
  forgetVerifiedSecrets();
  return count > 0;
}
