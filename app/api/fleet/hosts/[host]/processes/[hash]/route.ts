import { fleetAction, fleetProcessJson } from "@/lib/api/fleet";
import { roleOf } from "@/lib/auth/role";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ host: string; hash: string }> }) {
  const { host, hash } = await params;
  return fleetProcessJson(host, hash, roleOf(request));
}

export async function DELETE(request: Request, { params }: { params: Promise<{ host: string; hash: string }> }) {
  const { host, hash } = await params;
  return fleetAction(request, host, hash, "delete");
}
