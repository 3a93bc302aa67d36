import type { FleetStore } from "../store";
import { FleetRefusal } from "./errors";
import { hostKeyOf, secretMatches } from "./secrets";

/**
 * The enrolled host a bearer host secret names, checked: unknown or wrong secret 401
 * (`UNKNOWN_HOST`: the agent enrols again), revoked 403 (`REVOKED`). Reports and command
 * polls both come through here.
 */
export async function authenticateHost({ db }: FleetStore, secret: string | null) {
  const hostKey = hostKeyOf(secret);
  const host = secret && hostKey ? await db.fleetHost.findUnique({ where: { key: hostKey } }) : null;
  if (!secret || !host || !secretMatches(secret, host.secretHash)) {
    throw new FleetRefusal(401, "This hub does not know this host secret; enrol again with the fleet key.", { code: "UNKNOWN_HOST" });
  }
  if (host.revokedAt !== null) {
    throw new FleetRefusal(403, `Host ${host.name} was revoked on this hub.`, { code: "REVOKED" });
  }
  return host;
}
