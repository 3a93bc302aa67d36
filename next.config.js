import { SECURITY_HEADERS } from "./lib/http/security-headers.js";

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and process-spawning modules stay plain Node requires on the server.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "ps-list", "koffi", "ws", "prom-client"],
  poweredByHeader: false,
  // On everything, static files included; proxy.ts adds them to the answers it makes itself.
  async headers() {
    return [{ source: "/:path*", headers: SECURITY_HEADERS }];
  },
  // Resolve metadata before the first byte for every client, not only bots: otherwise the
  // response starts streaming early and notFound() on a bookmarked, deleted record would
  // answer 200 instead of 404.
  htmlLimitedBots: /.*/,
  typedRoutes: false,
  experimental: {
    serverActions: { bodySizeLimit: "1mb" },
  },
};

export default nextConfig;
