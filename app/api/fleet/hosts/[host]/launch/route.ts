import { fleetLaunch } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ host: string }> }) {
  return fleetLaunch(request, (await params).host);
}
