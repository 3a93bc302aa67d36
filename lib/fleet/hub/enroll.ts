import type { EnrollAnswer, EnrollRequest } from "../protocol";
import type { FleetStore } from "../store";
import { FleetRefusal, isUniqueViolation } from "./errors";
import { forgetVerifiedSecrets } from "./host-auth";
import { baseName, uniqueName } from "./names";
import { hashSecret, newHostKey, newHostSecret } from "./secrets";

/**
 * An agent that presented the fleet key gets a host secret. The same machine enrolling again
 * (it lost its secret) keeps its row and name with a new secret; another machine with the
 * same host id (a cloned disk image) gets a row of its own, flagged, never merged.
 */
export async function enroll({ db }: FleetStore, request: EnrollRequest, address: string | null): Promise<EnrollAnswer> {
  const now = Date.now();
  const sameId = await db.fleetHost.findMany({ where: { hostId: request.hostId }, orderBy: { enrolledAt: "asc" } });
  const same = sameId.find((h) => h.machineId === request.machineId);
  if (same) {
    if (same.revokedAt !== null) {
      throw new FleetRefusal(403, `Host ${same.name} was revoked on this hub; it cannot enrol again.`, { code: "REVOKED" });
    }
    const secret = newHostSecret(same.key);
    await db.fleetHost.update({
      where: { key: same.key },
      data: { secretHash: hashSecret(secret), hostname: request.hostname, lastAddress: address, seq: 0 },
    });
    return { hostKey: same.key, secret, name: same.name, cloneOf: same.cloneOf };
  }
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
  throw new FleetRefusal(503, "Could not give this host a unique name; try again.");
}

/** Revoking a host: its secret stops working and it cannot enrol again with the fleet key. */
export async function revokeHost({ db }: FleetStore, name: string): Promise<boolean> {
  const { count } = await db.fleetHost.updateMany({ where: { name, revokedAt: null }, data: { revokedAt: Date.now() } });
  forgetVerifiedSecrets();
  return count > 0;
}
