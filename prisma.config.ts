import { defineConfig } from 'prisma/config';

// The CLI reads the URL from here; at run time the client connects through @prisma/adapter-pg (src/db/client.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/motoguard',
  },
});
