// A registry writer for the load test: stores COUNT records, deleting every other one
// right after, through our Registry (Prisma), like the CLI would. Prints a JSON summary.
import { Registry } from "../../lib/registry";

const [dbPath, id, countText] = process.argv.slice(2);
const count = Number(countText);
const registry = await Registry.open(dbPath!);
let stored = 0;
let deleted = 0;
const failures: string[] = [];
for (let i = 0; i < count; i++) {
  try {
    const record = await registry.store({
      name: `w${id}-${i}`,
      executable: "/bin/true",
      args: [`--item=${i}`],
      env: { WRITER: String(id) },
      pid: 5_000_000 + Number(id) * 100_000 + i,
      startTime: 1_700_000_000 + i,
      stopped: true,
    });
    stored++;
    if (i % 2 === 1 && (await registry.delete(record.hash))) deleted++;
  } catch (error) {
    failures.push(String((error as Error).message).slice(0, 200));
  }
}
await registry.close();
process.stdout.write(JSON.stringify({ id, stored, deleted, failures }));
