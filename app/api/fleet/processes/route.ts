import { refusalText } from "@/lib/validation/errors";
import { listFleetProcesses } from "@/lib/api/fleet";
import { codedResponse } from "@/lib/api/respond";
import { apiFleetListParams } from "@/lib/processes/query-params";
import { roleOf } from "@/lib/auth/role";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  const parsed = apiFleetListParams.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return codedResponse("INVALID", refusalText("Bad query", parsed.error));
  return listFleetProcesses(parsed.data, roleOf(request));
}
