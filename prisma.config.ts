import { defineConfig } from "prisma/config";

// Only `prisma generate` is used; it needs no database.
export default defineConfig({
  schema: "prisma/schema.prisma",
});
