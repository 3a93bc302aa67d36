export default function Loading() {
  return (
    <div className="animate-pulse space-y-3" aria-busy="true" aria-label="Loading the fleet">
      <div className="h-7 w-48 rounded bg-zinc-200 dark:bg-zinc-800" />
      {Array.from({ length: 4 }, (_, i) => (
        <div key={`h${i}`} className="h-10 rounded bg-zinc-100 dark:bg-zinc-900" />
      ))}
      <div className="h-9 w-96 rounded bg-zinc-200 dark:bg-zinc-800" />
      {Array.from({ length: 6 }, (_, i) => (
        <div key={`p${i}`} className="h-10 rounded bg-zinc-100 dark:bg-zinc-900" />
      ))}
    </div>
  );
}
