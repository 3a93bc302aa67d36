import { revoke } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ host: string }> }) {
  return revoke(request, (await params).host);
}
