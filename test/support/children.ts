import { spawn, type ChildProcess } from "node:child_process";
import { afterAll } from "vitest";

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) {
    // Its whole group: a shell's background jobs (`sleep 31 & ...`) outlive the shell otherwise.
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }
});

/** A real child process in a process group of its own, killed with its group after the test file. */
export function startChild(command: string, args: string[] = [], options: Parameters<typeof spawn>[2] = {}): ChildProcess {
  const child = spawn(command, args, { stdio: "ignore", detached: true, ...options });
  started.push(child);
  return child;
}

export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function waitFor<T>(probe: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 25 } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
