import { handleReport } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return handleReport(request);
}
