/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and process-spawning modules stay plain Node requires on the server.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "ps-list"],
  poweredByHeader: false,
  typedRoutes: false,
  experimental: {
    serverActions: { bodySizeLimit: "1mb" },
  },
};

export default nextConfig;
