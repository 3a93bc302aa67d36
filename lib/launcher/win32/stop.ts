// Ending a program and its tree on Windows, where there are no signals:
// - graceful: WM_CLOSE to the top-level windows of the tree's processes (Maya or Nuke may
//   ask to save), and CTRL_BREAK to the program's console group (console programs, through
//   the supervisor, which may attach to consoles);
// - forced: the launch's Job object ended at once (its whole tree, including children that
//   left it), then each remaining process of the tree, each checked by pid and creation time
//   right before it is ended, so a reused pid is never hit.
import { win32 } from "../../system/win32/bindings";
import { openAs } from "../../system/win32/processes";
import { askSupervisor } from "./supervisor-client";

const WM_CLOSE = 0x10;
const GW_OWNER = 4;
const PROCESS_TERMINATE = 0x1;
const JOB_OBJECT_TERMINATE = 0x8;
/** What a process ended by stop exits with (as `taskkill /f` leaves it). */
export const TERMINATED_EXIT_CODE = 1;

export interface Target {
  pid: number;
  startTime: number | null;
}

/** Posts WM_CLOSE to every visible, unowned top-level window of these processes; how many got it. */
export function closeWindowsOf(pids: Set<number>): number {
  const { user32, koffi, EnumWindowsProc } = win32();
  let posted = 0;
  const callback = koffi.register((hwnd: unknown) => {
    const owner = [0];
    user32.GetWindowThreadProcessId(hwnd, owner);
    if (pids.has(owner[0] ?? 0) && user32.IsWindowVisible(hwnd) && !user32.GetWindow(hwnd, GW_OWNER)) {
      if (user32.PostMessageW(hwnd, WM_CLOSE, 0, 0)) posted++;
    }
    return 1;
  }, koffi.pointer(EnumWindowsProc));
  try {
    user32.EnumWindows(callback, 0);
  } finally {
    koffi.unregister(callback);
  }
  return posted;
}

/** CTRL_BREAK to the console group the program leads; false where it has no console or none could be reached. */
export async function breakConsoleGroup(target: Target, pipe?: string): Promise<boolean> {
  if (target.startTime === null) return false;
  try {
    const answer = await askSupervisor({ op: "break", pid: target.pid, startTime: target.startTime }, { pipe });
    return answer.ok && answer.sent === true;
  } catch {
    return false;
  }
}

/** Ends a launch's Job object (its whole tree); false when there is no such job any more. */
export function terminateJob(jobName: string): boolean {
  const { k32 } = win32();
  const job = k32.OpenJobObjectW(JOB_OBJECT_TERMINATE, 0, jobName);
  if (!job) return false;
  try {
    return Boolean(k32.TerminateJobObject(job, TERMINATED_EXIT_CODE));
  } finally {
    k32.CloseHandle(job);
  }
}

/** Ends one process, only while it is the one that started at `startTime` (checked on the very handle used). */
export function terminateAs(target: Target): boolean {
  const { k32 } = win32();
  const handle = openAs(target.pid, target.startTime, PROCESS_TERMINATE);
  if (!handle) return false;
  try {
    return Boolean(k32.TerminateProcess(handle, TERMINATED_EXIT_CODE));
  } finally {
    k32.CloseHandle(handle);
  }
}
