import { serverEnv } from "../config/server-env";

/** Where a login lands when it was not sent from a page: a hub opens on its fleet, a workstation on its own list. */
export function homePath(): string {
  return serverEnv().hub ? "/fleet" : "/";
}
