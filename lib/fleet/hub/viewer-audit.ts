import { VIEWER_REFUSAL } from "../../auth/viewer";
import { fleetStore } from "../store";
import { auditOnHub } from "./commands";

/**
 * A viewer's attempt at a change on the hub, refused by proxy.ts: in the audit log like any
 * action. The path says what was tried: /api/fleet/hosts/<host>/processes/<hash>[/stop|/relaunch]
 * (DELETE: a delete), /api/fleet/hosts/<host>/<decision>, or a server action on /fleet/<host>/….
 * Never throws: the refusal stands whether or not it could be written down.
 */
export async function auditViewerRefusal(method: string, pathname: string, address: string | null): Promise<void> {
  const parts = pathname
    .split("/")
    .filter(Boolean)
    .map((part) => decodeURIComponent(part));
  const api = parts[0] === "api";
  const rest = api ? parts.slice(3) : parts.slice(1);
  const last = rest.at(-1) ?? "";
  const kind = !api
    ? "action"
    : method === "DELETE"
      ? "delete"
      : /^(stop|relaunch|revoke|approve|deny|readmit)$/.test(last)
        ? last
        : "change";
  try {
    await auditOnHub(
      await fleetStore(),
      {
        hostName: rest[0] ?? "",
        hash: rest[1] === "processes" ? (rest[2] ?? "") : "",
        kind,
        ok: false,
        message: `Refused: ${VIEWER_REFUSAL}`,
      },
      { role: "viewer", address },
    );
  } catch (error) {
    console.error("process-monitor: could not audit a viewer's refused change:", error);
  }
}
