// Starting a program on Windows through CreateProcessW (Node's spawn cannot start one
// suspended, nor give it a Job object before it runs):
// - CREATE_SUSPENDED: it exists (pid, creation time) but runs nothing until `resume`, which
//   the launcher calls once its record is stored, as the Linux keeper's "go" does;
// - CREATE_NEW_PROCESS_GROUP: its own group, so CTRL_BREAK reaches it and not us;
// - CREATE_NO_WINDOW: a console program gets a console nobody sees (no window pops up, and
//   CTRL_BREAK has a console to travel on); a GUI program shows as usual;
// - stdout and stderr: one inheritable handle on the output file, opened for appending so
//   both streams and its children's keep the order they were written in; stdin: NUL. Only
//   those handles are inherited (PROC_THREAD_ATTRIBUTE_HANDLE_LIST).
// - a named Job object (where one can be had), assigned before it runs, so that its whole
//   tree can be ended later from any process that knows the name, children that left the
//   tree included.
import { win32 } from "../../system/win32/bindings";
import { creationTimeOf } from "../../system/win32/processes";
import { environmentBlock, windowsCommand } from "./command-line";

const CREATE_SUSPENDED = 0x4;
const CREATE_NEW_PROCESS_GROUP = 0x200;
const CREATE_UNICODE_ENVIRONMENT = 0x400;
const CREATE_NO_WINDOW = 0x08000000;
const EXTENDED_STARTUPINFO_PRESENT = 0x80000;
const STARTF_USESTDHANDLES = 0x100;
const GENERIC_READ = 0x80000000;
const FILE_APPEND_DATA = 0x4;
const SYNCHRONIZE = 0x100000;
const FILE_SHARE_ALL = 0x7;
const OPEN_EXISTING = 3;
const PROC_THREAD_ATTRIBUTE_HANDLE_LIST = 0x20002;

export interface WindowsStart {
  pid: number;
  /** GetProcessTimes' creation time, seconds since the epoch. */
  startTime: number;
  /** Null where no Job object could be had. */
  jobName: string | null;
  /** Lets it run (its record is stored). */
  resume(): void;
  /** It will not be recorded: ended before it ran a single instruction of its own. */
  cancel(): void;
  /** Our handles on it, once someone else (the supervisor) holds its own. */
  release(): void;
  process: unknown;
}

export interface WindowsStartRequest {
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  outputFile: string;
  /** Names the launch's Job object (`Local\process-monitor-<id>`). */
  id: string;
  comSpec?: string;
}

export function jobNameFor(id: string): string {
  return `Local\\process-monitor-${id.replace(/[^A-Za-z0-9._-]/g, "_")}`;
}

/** Windows' words for what goes wrong most when starting a program. */
const REASONS: Record<number, string> = {
  2: "the file was not found",
  3: "the folder was not found",
  5: "access is denied",
  32: "the file is in use by another process",
  193: "it is not a Windows program (bad EXE format, or built for another architecture)",
  740: "it asks to run elevated (as administrator)",
};

function lastError(what: string): Error {
  const code = Number(win32().k32.GetLastError());
  return new Error(`${what} failed: ${REASONS[code] ?? "Windows error"} (error ${code})`);
}

function isInvalid(handle: unknown): boolean {
  const { koffi } = win32();
  return !handle || koffi.address(handle) === 0xffffffffffffffffn;
}

function inheritable(name: string, access: number, disposition = OPEN_EXISTING): unknown {
  const { k32 } = win32();
  const handle = k32.CreateFileW(
    name,
    access,
    FILE_SHARE_ALL,
    { nLength: 24, lpSecurityDescriptor: null, bInheritHandle: 1 },
    disposition,
    0,
    null,
  );
  if (isInvalid(handle)) throw lastError(`Opening ${name}`);
  return handle;
}

/** Creates the program suspended, in its Job object, with its output going to its file. */
export function startSuspended(request: WindowsStartRequest): WindowsStart {
  const { k32, koffi } = win32();
  const command = windowsCommand(
    request.executable,
    request.args,
    request.comSpec ?? process.env.ComSpec ?? "C:\\Windows\\System32\\cmd.exe",
  );
  const output = inheritable(request.outputFile, FILE_APPEND_DATA | SYNCHRONIZE);
  const input = inheritable("NUL", GENERIC_READ);
  let attributes: Buffer | null = null;
  try {
    // The handle list: only these two are inherited, whatever else this process has open.
    const size = [0];
    k32.InitializeProcThreadAttributeList(null, 1, 0, size);
    attributes = Buffer.alloc(size[0] ?? 64);
    if (!k32.InitializeProcThreadAttributeList(attributes, 1, 0, size)) throw lastError("InitializeProcThreadAttributeList");
    const handles = Buffer.alloc(16);
    handles.writeBigUInt64LE(koffi.address(output), 0);
    handles.writeBigUInt64LE(koffi.address(input), 8);
    if (!k32.UpdateProcThreadAttribute(attributes, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles, 16, null, null)) {
      throw lastError("UpdateProcThreadAttribute");
    }
    const info = {} as { hProcess: unknown; hThread: unknown; dwProcessId: number };
    const startup = {
      StartupInfo: {
        cb: koffi.sizeof(win32().STARTUPINFOEXW),
        dwFlags: STARTF_USESTDHANDLES,
        hStdInput: input,
        hStdOutput: output,
        hStdError: output,
      },
      lpAttributeList: attributes,
    };
    const flags =
      CREATE_SUSPENDED | CREATE_NEW_PROCESS_GROUP | CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW | EXTENDED_STARTUPINFO_PRESENT;
    const line = Buffer.from(`${command.commandLine}\0`, "utf16le");
    if (!k32.CreateProcessW(command.application, line, null, null, 1, flags, environmentBlock(request.env), request.cwd, startup, info)) {
      throw lastError(`CreateProcessW of ${command.application}`);
    }
    // Where a Job cannot be had (this process runs in one that forbids more), the program
    // runs without: a stop then ends its tree by parent pid and creation time alone.
    let job: unknown = k32.CreateJobObjectW(null, jobNameFor(request.id));
    if (job && !k32.AssignProcessToJobObject(job, info.hProcess)) {
      k32.CloseHandle(job);
      job = null;
    }
    const jobName = job ? jobNameFor(request.id) : null;
    const terminate = () => {
      k32.TerminateProcess(info.hProcess, 1);
      k32.CloseHandle(info.hThread);
      k32.CloseHandle(info.hProcess);
      if (job) k32.CloseHandle(job);
    };
    let released = false;
    return {
      pid: info.dwProcessId,
      // Read while it cannot have run: its creation time, final.
      startTime: creationTimeOf(info.hProcess) ?? Date.now() / 1000,
      jobName,
      process: info.hProcess,
      resume: () => {
        k32.ResumeThread(info.hThread);
      },
      cancel: () => {
        if (!released) terminate();
        released = true;
      },
      release: () => {
        if (released) return;
        released = true;
        k32.CloseHandle(info.hThread);
        k32.CloseHandle(info.hProcess);
        if (job) k32.CloseHandle(job);
      },
    };
  } finally {
    if (attributes) k32.DeleteProcThreadAttributeList(attributes);
    k32.CloseHandle(output);
    k32.CloseHandle(input);
  }
}
