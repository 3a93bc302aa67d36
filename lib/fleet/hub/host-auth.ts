import type { FleetStore } from "../store";
import { FleetError } from "./errors";
import { hashSecret, hostKeyOf, secretMatches } from "./secrets";

/**
 * The enrolled host a bearer host secret names, checked: unknown or wrong secret 401
 * (`UNKNOWN_HOST`: the agent enrols again), revoked 403 (`REVOKED`), a re-enrolment still
 * waiting for an operator 403 (`PENDING`). Reports and command polls both come through here.
 */
export async function authenticateHost({ db }: FleetStore, secret: string | null) {
  const hostKey = hostKeyOf(secret);
  return checkSecret(secret && hostKey ? await db.fleetHost.findUnique({ where: { key: hostKey } }) : null, secret);
}

/** The checks of authenticateHost on a host row already read (a batch of reports reads its hosts at once). */
export function checkSecret<H extends { name: string; secretHash: string; pendingSecretHash: string | null; revokedAt: number | null }>(
  host: H | null,
  secret: string | null,
): H {
  if (secret && host?.pendingSecretHash && secretMatches(secret, host.pendingSecretHash)) {
    throw new FleetError(
      "PENDING",
      `This machine enrolled again as ${host.name} without its current secret; an operator must approve it on the hub (/fleet) before it reports.`,
    );
  }
  if (!secret || !host || !secretMatches(secret, host.secretHash)) {
    throw new FleetError("UNKNOWN_HOST", "This hub does not know this host secret; enrol again with the fleet key.");
  }
  if (host.revokedAt !== null) {
    throw new FleetError("REVOKED", `Host ${host.name} was revoked on this hub.`);
  }
  return host;
}

/** Host secrets checked lately on this instance: sha256 of the secret -> host key, until when. */
const verified = new Map<string, { key: string; until: number }>();
const VERIFIED_MS = 10_000;

/**
 * The host key of a secret, checked before a report's body is read (up to 16 MB that an
 * unauthenticated sender must not make us read and parse). A secret checked in the last few
 * seconds is taken from memory: ingest checks it again in the store, so this only decides
 * whether the body is worth reading.
 */
export async function hostBeforeBody(store: FleetStore, secret: string | null): Promise<string> {
  const digest = secret ? hashSecret(secret) : "";
  const known = verified.get(digest);
  if (known && known.until > Date.now()) return known.key;
  const host = await authenticateHost(store, secret);
  if (verified.size > 10_000) verified.clear();
  verified.set(digest, { key: host.key, until: Date.now() + VERIFIED_MS });
  return host.key;
}

/** After a revocation: no secret is taken from memory any more. */
export function forgetVerifiedSecrets(): void {
  verified.clear();
}
