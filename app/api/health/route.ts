import { health, resetHealth } from "@/lib/api/health";

export const dynamic = "force-dynamic";

export function GET() {
  return health();
}

export function POST(request: Request) {
  return resetHealth(request);
}
