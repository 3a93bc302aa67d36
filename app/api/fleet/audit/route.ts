import { auditJson } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return auditJson(request);
}
