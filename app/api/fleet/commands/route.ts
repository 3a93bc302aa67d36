import { handleCommandPoll } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return handleCommandPoll(request);
}
