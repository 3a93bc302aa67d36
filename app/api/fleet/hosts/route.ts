import { listHosts } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export function GET() {
  return listHosts();
}
