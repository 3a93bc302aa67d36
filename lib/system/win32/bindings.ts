// Win32 through koffi (a maintained FFI library), loaded only on Windows: nothing here
// runs, or is even required, on Linux. One binding per function the platform layer uses.
import { createRequire } from "node:module";
import type * as Koffi from "koffi";

type Fn = (...args: unknown[]) => unknown;

export interface Win32 {
  koffi: typeof Koffi;
  HANDLE: Koffi.TypeObject;
  PROCESSENTRY32W: Koffi.TypeObject;
  STARTUPINFOEXW: Koffi.TypeObject;
  PROCESS_MEMORY_COUNTERS: Koffi.TypeObject;
  EnumWindowsProc: Koffi.TypeObject;
  k32: Record<
    | "CreateToolhelp32Snapshot"
    | "Process32FirstW"
    | "Process32NextW"
    | "OpenProcess"
    | "CloseHandle"
    | "GetProcessTimes"
    | "QueryFullProcessImageNameW"
    | "K32GetProcessMemoryInfo"
    | "GetExitCodeProcess"
    | "WaitForSingleObject"
    | "CreateProcessW"
    | "ResumeThread"
    | "TerminateProcess"
    | "CreateJobObjectW"
    | "OpenJobObjectW"
    | "AssignProcessToJobObject"
    | "TerminateJobObject"
    | "CreateFileW"
    | "InitializeProcThreadAttributeList"
    | "UpdateProcThreadAttribute"
    | "DeleteProcThreadAttributeList"
    | "AttachConsole"
    | "FreeConsole"
    | "GenerateConsoleCtrlEvent"
    | "SetConsoleCtrlHandler"
    | "GetLastError",
    Fn
  >;
  user32: Record<"EnumWindows" | "GetWindowThreadProcessId" | "PostMessageW" | "IsWindowVisible" | "GetWindow", Fn>;
  shell32: Record<"CommandLineToArgvW", Fn>;
  ntdll: Record<"NtQueryInformationProcess", Fn>;
  LocalFree: Fn;
}

let loaded: Win32 | undefined;

/** The bindings, made on first use. Throws off Windows or where koffi cannot load. */
export function win32(): Win32 {
  if (loaded) return loaded;
  if (process.platform !== "win32") throw new Error("Win32 is only there on Windows.");
  const koffi = createRequire(import.meta.url)("koffi") as typeof Koffi;

  const HANDLE = koffi.pointer("HANDLE", koffi.opaque());
  koffi.alias("DWORD", "uint32_t");
  koffi.alias("BOOL", "int");
  koffi.struct("FILETIME", { dwLowDateTime: "DWORD", dwHighDateTime: "DWORD" });
  const PROCESSENTRY32W = koffi.struct("PROCESSENTRY32W", {
    dwSize: "DWORD",
    cntUsage: "DWORD",
    th32ProcessID: "DWORD",
    th32DefaultHeapID: "uintptr_t",
    th32ModuleID: "DWORD",
    cntThreads: "DWORD",
    th32ParentProcessID: "DWORD",
    pcPriClassBase: "long",
    dwFlags: "DWORD",
    szExeFile: koffi.array("char16_t", 260, "String"),
  });
  const STARTUPINFOW = koffi.struct("STARTUPINFOW", {
    cb: "DWORD",
    lpReserved: "void *",
    lpDesktop: "void *",
    lpTitle: "void *",
    dwX: "DWORD",
    dwY: "DWORD",
    dwXSize: "DWORD",
    dwYSize: "DWORD",
    dwXCountChars: "DWORD",
    dwYCountChars: "DWORD",
    dwFillAttribute: "DWORD",
    dwFlags: "DWORD",
    wShowWindow: "uint16_t",
    cbReserved2: "uint16_t",
    lpReserved2: "void *",
    hStdInput: "HANDLE",
    hStdOutput: "HANDLE",
    hStdError: "HANDLE",
  });
  const STARTUPINFOEXW = koffi.struct("STARTUPINFOEXW", { StartupInfo: STARTUPINFOW, lpAttributeList: "void *" });
  koffi.struct("PROCESS_INFORMATION", { hProcess: "HANDLE", hThread: "HANDLE", dwProcessId: "DWORD", dwThreadId: "DWORD" });
  koffi.struct("SECURITY_ATTRIBUTES", { nLength: "DWORD", lpSecurityDescriptor: "void *", bInheritHandle: "BOOL" });
  const PROCESS_MEMORY_COUNTERS = koffi.struct("PROCESS_MEMORY_COUNTERS", {
    cb: "DWORD",
    PageFaultCount: "DWORD",
    PeakWorkingSetSize: "size_t",
    WorkingSetSize: "size_t",
    QuotaPeakPagedPoolUsage: "size_t",
    QuotaPagedPoolUsage: "size_t",
    QuotaPeakNonPagedPoolUsage: "size_t",
    QuotaNonPagedPoolUsage: "size_t",
    PagefileUsage: "size_t",
    PeakPagefileUsage: "size_t",
  });
  const EnumWindowsProc = koffi.proto("BOOL __stdcall EnumWindowsProc(void *hwnd, intptr_t lParam)");

  const kernel32 = koffi.load("kernel32.dll");
  const k = (definition: string) => kernel32.func(definition) as Fn;
  const bindings: Omit<Win32, "user32" | "shell32" | "ntdll"> = {
    koffi,
    HANDLE,
    PROCESSENTRY32W,
    STARTUPINFOEXW,
    PROCESS_MEMORY_COUNTERS,
    EnumWindowsProc,
    k32: {
      CreateToolhelp32Snapshot: k("HANDLE __stdcall CreateToolhelp32Snapshot(DWORD flags, DWORD pid)"),
      Process32FirstW: k("BOOL __stdcall Process32FirstW(HANDLE snapshot, _Inout_ PROCESSENTRY32W *entry)"),
      Process32NextW: k("BOOL __stdcall Process32NextW(HANDLE snapshot, _Inout_ PROCESSENTRY32W *entry)"),
      OpenProcess: k("HANDLE __stdcall OpenProcess(DWORD access, BOOL inherit, DWORD pid)"),
      CloseHandle: k("BOOL __stdcall CloseHandle(HANDLE h)"),
      GetProcessTimes: k(
        "BOOL __stdcall GetProcessTimes(HANDLE h, _Out_ FILETIME *creation, _Out_ FILETIME *exit, _Out_ FILETIME *kernel, _Out_ FILETIME *user)",
      ),
      QueryFullProcessImageNameW: k(
        "BOOL __stdcall QueryFullProcessImageNameW(HANDLE h, DWORD flags, _Out_ char16_t *name, _Inout_ DWORD *size)",
      ),
      K32GetProcessMemoryInfo: k("BOOL __stdcall K32GetProcessMemoryInfo(HANDLE h, _Inout_ PROCESS_MEMORY_COUNTERS *counters, DWORD cb)"),
      GetExitCodeProcess: k("BOOL __stdcall GetExitCodeProcess(HANDLE h, _Out_ DWORD *code)"),
      WaitForSingleObject: k("DWORD __stdcall WaitForSingleObject(HANDLE h, DWORD ms)"),
      CreateProcessW: k(
        "BOOL __stdcall CreateProcessW(const char16_t *app, char16_t *cmdline, void *pa, void *ta, BOOL inherit, DWORD flags, void *env, const char16_t *cwd, STARTUPINFOEXW *si, _Out_ PROCESS_INFORMATION *pi)",
      ),
      ResumeThread: k("DWORD __stdcall ResumeThread(HANDLE thread)"),
      TerminateProcess: k("BOOL __stdcall TerminateProcess(HANDLE h, uint32_t code)"),
      CreateJobObjectW: k("HANDLE __stdcall CreateJobObjectW(void *sa, const char16_t *name)"),
      OpenJobObjectW: k("HANDLE __stdcall OpenJobObjectW(DWORD access, BOOL inherit, const char16_t *name)"),
      AssignProcessToJobObject: k("BOOL __stdcall AssignProcessToJobObject(HANDLE job, HANDLE process)"),
      TerminateJobObject: k("BOOL __stdcall TerminateJobObject(HANDLE job, uint32_t code)"),
      CreateFileW: k(
        "HANDLE __stdcall CreateFileW(const char16_t *name, DWORD access, DWORD share, SECURITY_ATTRIBUTES *sa, DWORD disposition, DWORD flags, void *template)",
      ),
      InitializeProcThreadAttributeList: k(
        "BOOL __stdcall InitializeProcThreadAttributeList(void *list, DWORD count, DWORD flags, _Inout_ size_t *size)",
      ),
      UpdateProcThreadAttribute: k(
        "BOOL __stdcall UpdateProcThreadAttribute(void *list, DWORD flags, uintptr_t attribute, void *value, size_t size, void *previous, void *returned)",
      ),
      DeleteProcThreadAttributeList: k("void __stdcall DeleteProcThreadAttributeList(void *list)"),
      AttachConsole: k("BOOL __stdcall AttachConsole(DWORD pid)"),
      FreeConsole: k("BOOL __stdcall FreeConsole()"),
      GenerateConsoleCtrlEvent: k("BOOL __stdcall GenerateConsoleCtrlEvent(DWORD event, DWORD group)"),
      SetConsoleCtrlHandler: k("BOOL __stdcall SetConsoleCtrlHandler(void *handler, BOOL add)"),
      GetLastError: k("DWORD __stdcall GetLastError()"),
    },
    LocalFree: k("void * __stdcall LocalFree(void *mem)"),
  };
  // The other libraries load when first used: the supervisor needs kernel32 alone, and under
  // Wine user32 brings the whole window system with it.
  let user32: Win32["user32"] | undefined;
  let shell32: Win32["shell32"] | undefined;
  let ntdll: Win32["ntdll"] | undefined;
  loaded = Object.defineProperties(bindings as Win32, {
    user32: {
      get: () => {
        if (user32) return user32;
        const lib = koffi.load("user32.dll");
        const u = (definition: string) => lib.func(definition) as Fn;
        return (user32 = {
          EnumWindows: u("BOOL __stdcall EnumWindows(EnumWindowsProc *proc, intptr_t lParam)"),
          GetWindowThreadProcessId: u("DWORD __stdcall GetWindowThreadProcessId(void *hwnd, _Out_ DWORD *pid)"),
          PostMessageW: u("BOOL __stdcall PostMessageW(void *hwnd, uint32_t msg, uintptr_t wParam, intptr_t lParam)"),
          IsWindowVisible: u("BOOL __stdcall IsWindowVisible(void *hwnd)"),
          GetWindow: u("void * __stdcall GetWindow(void *hwnd, uint32_t cmd)"),
        });
      },
    },
    shell32: {
      get: () =>
        (shell32 ??= {
          CommandLineToArgvW: koffi
            .load("shell32.dll")
            .func("void * __stdcall CommandLineToArgvW(const char16_t *cmdline, _Out_ int *argc)") as Fn,
        }),
    },
    ntdll: {
      get: () =>
        (ntdll ??= {
          NtQueryInformationProcess: koffi
            .load("ntdll.dll")
            .func(
              "int32_t __stdcall NtQueryInformationProcess(HANDLE h, int infoClass, _Out_ uint8_t *info, uint32_t length, _Out_ uint32_t *returned)",
            ) as Fn,
        }),
    },
  });
  return loaded;
}
