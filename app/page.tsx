import { getRegistry } from "@/lib/server/registry";

export const dynamic = "force-dynamic";

export default async function ProcessListPage() {
  const registry = await getRegistry();
  const records = await registry.list();
  return (
    <main className="mx-auto max-w-6xl p-6">
      <h1 className="mb-4 text-xl font-semibold">Processes</h1>
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left">
            <th>Status</th>
            <th>Name</th>
            <th>PID</th>
            <th>Executable</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.hash}>
              <td>{r.status}</td>
              <td>{r.name}</td>
              <td>{r.pid}</td>
              <td>{r.executable}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
