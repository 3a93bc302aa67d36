/** What /fleet says on a workstation that is not a hub: how to make one, and how to report to one. */
export function NotAHub() {
  return (
    <div className="mx-auto max-w-2xl rounded-lg border border-dashed border-zinc-300 bg-white p-8 dark:border-zinc-700 dark:bg-zinc-900">
      <h1 className="text-xl font-semibold tracking-tight">This dashboard is not a fleet hub</h1>
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
        A hub gathers what every workstation reports and shows it in one place. Start one on a studio server with:
      </p>
      <pre className="mt-2 overflow-x-auto rounded bg-zinc-100 px-3 py-2 text-xs dark:bg-zinc-800">PROCESS_MONITOR_HUB=1 npm start</pre>
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
        It prints a fleet key. Then start each workstation&apos;s dashboard (or <code>npm run cli -- agent</code>) with:
      </p>
      <pre className="mt-2 overflow-x-auto rounded bg-zinc-100 px-3 py-2 text-xs dark:bg-zinc-800">
        PROCESS_MONITOR_HUB_URL=https://hub.example:3000 PROCESS_MONITOR_HUB_KEY=&lt;fleet key&gt; npm start
      </pre>
    </div>
  );
}
