// The registry's side of Windows, on Linux: records as AYON writes them on Windows (backslash
// paths, the hash of that exact string), where our files and AYON's live there, and the
// command lines a launch there is given. The launches themselves are in windows.test.ts.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Registry, processHash } from "../lib/registry";
import { exitsDirFor, formatWindowsExit, sidecarFor } from "../lib/registry/exits";
import { pythonPathStr, pythonWindowsPathStr } from "../lib/registry/python-format";
import { ayonRegistryPath, dataDir } from "../lib/config/paths";
import { environmentBlock, windowsCommand, windowsVariable } from "../lib/launcher/win32/command-line";
import { quoteWindowsArgument } from "../lib/text/windows";
import { commandLine } from "../lib/format";
import { exitCodeField, statusText } from "../lib/processes/status";
import { ayon } from "./support/python";
import { tempDbPath } from "./support/temp";

const WINDOWS_PATHS = [
  "C:\\Program Files\\Autodesk\\Maya2025\\bin\\maya.exe",
  "c:/Program Files/Nuke15.1v3/Nuke15.1.exe",
  "C:\\Program Files\\\\Side Effects Software\\.\\Houdini 20.5\\bin\\houdini.exe",
  "C:\\tools\\",
  "C:relative\\app.exe",
  "\\\\render-farm\\share\\tools\\deadline.exe",
  "//render-farm/share/tools/deadline.exe",
  "\\\\?\\C:\\very\\long\\path\\app.exe",
  "\\\\server",
  "D:\\Ünïcødé 日本\\app.exe",
  "C:\\a b\\run me.bat",
  "C:\\x\\..\\y\\app.exe",
];

describe("Windows paths in the registry", () => {
  it("writes a path as Python's PureWindowsPath does", () => {
    const python = JSON.parse(ayon(["windows-path-str"], JSON.stringify(WINDOWS_PATHS))) as string[];
    expect(WINDOWS_PATHS.map(pythonWindowsPathStr)).toEqual(python);
    // A Windows-shaped path gets Windows' rules on any system; a POSIX one keeps POSIX rules off Windows.
    expect(pythonPathStr("c:/a//b/", "linux")).toBe("c:\\a\\b");
    expect(pythonPathStr("/opt//maya/./bin/", "linux")).toBe("/opt/maya/bin");
    expect(pythonPathStr("/opt/maya", "win32")).toBe("\\opt\\maya");
  });

  it("hashes a Windows-path record as AYON on Windows does (f-string of a WindowsPath)", () => {
    // `//server/share` is also a POSIX path: off Windows it keeps POSIX rules (hash.test.ts).
    const cases: Array<[string, number | null, string, number | null]> = WINDOWS_PATHS.filter((exe) => !exe.startsWith("//")).map(
      (exe, i) => [`app ${i}`, 4000 + i, exe, 1796120000.1234567 + i],
    );
    cases.push(["no pid", null, "C:\\Windows\\notepad.exe", null], ["whole", 8, "C:/Windows/System32/cmd.exe", 1796120000]);
    const expected = JSON.parse(ayon(["hash-many-windows"], JSON.stringify(cases))) as string[];
    cases.forEach(([name, pid, executable, startTime], i) => {
      expect(processHash({ name, pid, executable, startTime }), `${name}: ${executable}`).toBe(expected[i]);
    });
  });

  it("opens, lists and upgrades a registry AYON made on Windows, and AYON still reads it", async () => {
    const dbPath = tempDbPath();
    const rows = [
      {
        name: "maya",
        pid: 4_100_001,
        exe: "C:\\Program Files\\Autodesk\\Maya2025\\bin\\maya.exe",
        start: 1796120000.1234567,
        args: ["-proj", "P:\\shows\\abc"],
        env: { Path: "C:\\Windows\\system32;C:\\Windows", USERPROFILE: "C:\\Users\\artist", AYON_PROJECT_NAME: "abc" },
        cwd: "C:\\Users\\artist\\Documents\\maya",
        output_file: "C:\\Users\\artist\\AppData\\Local\\Ynput\\AYON\\process_output\\maya_20261201.log",
      },
      {
        name: "nuke",
        pid: 4_100_002,
        exe: "c:/Program Files/Nuke15.1v3/Nuke15.1.exe",
        start: 1796120100.5,
        args: ["--nukex", "render.%04d.exr"],
        env: {},
        cwd: "\\\\render-farm\\share\\shots",
        output_file: null,
      },
    ];
    const hashes = JSON.parse(ayon(["store-windows", dbPath], JSON.stringify(rows))) as string[];
    const registry = await Registry.open(dbPath);
    try {
      const listed = await registry.list();
      expect(listed.map((r) => r.hash).sort()).toEqual([...hashes].sort());
      const maya = listed.find((r) => r.name === "maya")!;
      expect(maya).toMatchObject({
        executable: rows[0]!.exe,
        args: rows[0]!.args,
        cwd: rows[0]!.cwd,
        outputFile: rows[0]!.output_file,
        startTime: rows[0]!.start,
        warnings: [],
      });
      expect(maya.env).toEqual(rows[0]!.env);
      const nuke = listed.find((r) => r.name === "nuke")!;
      // Stored as AYON stores it on Windows: str(WindowsPath), backslashes.
      expect(nuke.executable).toBe("c:\\Program Files\\Nuke15.1v3\\Nuke15.1.exe");
      // No such pid here: not running, as on any machine where the pid is gone.
      expect(listed.every((r) => r.stopped)).toBe(true);
      // A row we write for a Windows launch: the stored string is AYON's, and so is its hash.
      const ours = await registry.store({
        name: "houdini",
        executable: "C:/Program Files/Side Effects Software/Houdini 20.5/bin/houdini.exe",
        pid: 4_100_003,
        startTime: 1796120200.25,
      });
      expect(ours.executable).toBe("C:\\Program Files\\Side Effects Software\\Houdini 20.5\\bin\\houdini.exe");
      expect(ours.hash).toBe(
        JSON.parse(ayon(["hash-many-windows"], JSON.stringify([["houdini", 4_100_003, ours.executable, 1796120200.25]])))[0],
      );
    } finally {
      await registry.close();
    }
    // The upgrade appended our columns after AYON's; AYON's positional reader still reads every row.
    const positional = JSON.parse(ayon(["read-positional", dbPath])) as Array<{ hash: string; executable: string; width: number }>;
    expect(positional.map((r) => r.hash)).toEqual(expect.arrayContaining(hashes));
    expect(positional.find((r) => r.hash === hashes[0])?.executable).toBe(rows[0]!.exe);
    expect(positional[0]!.width).toBeGreaterThan(11);
  });

  it("folds a Windows end: a 32-bit exit code stays a code (0xC0000005 is a crash, not a signal)", async () => {
    const dbPath = tempDbPath();
    const registry = await Registry.open(dbPath);
    try {
      const outputFile = path.join(registry.outputDir, "crash.log");
      fs.mkdirSync(exitsDirFor(registry.outputDir), { recursive: true });
      await registry.store({ name: "crash", executable: "C:\\apps\\crash.exe", pid: 4_200_001, startTime: 1796120000.5, outputFile });
      await registry.store({
        name: "three",
        executable: "C:\\apps\\three.exe",
        pid: 4_200_002,
        startTime: 1796120000.5,
        outputFile: `${outputFile}.2`,
      });
      // The supervisor's handle also told the CPU time and the peak working set (SPEC "The end record").
      fs.writeFileSync(
        sidecarFor(registry.outputDir, outputFile),
        formatWindowsExit(4_200_001, 0xc0000005, 1796120010.25, { cpuSeconds: 42.125, peakBytes: 6 * 2 ** 30 }),
      );
      fs.writeFileSync(sidecarFor(registry.outputDir, `${outputFile}.2`), formatWindowsExit(4_200_002, 130, 1796120011));
      expect(await registry.foldExits()).toBe(2);
      const [crash, three] = await Promise.all([
        registry.list().then((l) => l.find((r) => r.name === "crash")),
        registry.list().then((l) => l.find((r) => r.name === "three")),
      ]);
      expect(crash).toMatchObject({ exitCode: 3221225477, exitSignal: null, endedAt: 1796120010.25, stopped: true });
      expect(crash?.end).toMatchObject({ cpuSeconds: 42.125, peakMemoryBytes: 6 * 2 ** 30, peakProcessBytes: 6 * 2 ** 30 });
      expect(three?.end).toBeUndefined();
      // 130 on Linux reads as SIGINT; from Windows it is the program's own code.
      expect(three).toMatchObject({ exitCode: 130, exitSignal: null });
    } finally {
      await registry.close();
    }
  });
});

describe("Windows files and command lines", () => {
  it("keeps our data in %LOCALAPPDATA%\\process-monitor and finds AYON's registry where AYON keeps it", () => {
    const env = { LOCALAPPDATA: "C:\\Users\\artist\\AppData\\Local", USERPROFILE: "C:\\Users\\artist" };
    expect(dataDir("win32", env)).toBe("C:\\Users\\artist\\AppData\\Local\\process-monitor");
    expect(dataDir("win32", { USERPROFILE: "D:\\Home\\artist" })).toBe("D:\\Home\\artist\\AppData\\Local\\process-monitor");
    expect(ayonRegistryPath("win32", env)).toBe("C:\\Users\\artist\\AppData\\Local\\Ynput\\AYON\\process_handlers.db");
    expect(ayonRegistryPath("win32", { ...env, AYON_LAUNCHER_LOCAL_DIR: "E:\\ayon" })).toBe("E:\\ayon\\process_handlers.db");
    expect(ayonRegistryPath("linux", { HOME: "/home/artist" })).toBe("/home/artist/.local/share/AYON/process_handlers.db");
  });

  it("quotes arguments as Python's subprocess.list2cmdline (the C runtime's rules) where both quote", () => {
    const sets = [["a b", "c"], ["C:\\Program Files\\x\\", "tail\\\\"], ['with \\"quote\\" inside'], ["", "x"], ["tab\there", "ü ñ"]];
    const python = JSON.parse(ayon(["list2cmdline"], JSON.stringify(sets))) as string[];
    expect(sets.map((args) => args.map(quoteWindowsArgument).join(" "))).toEqual(python);
  });

  it("runs a batch file through cmd.exe with each argument escaped, and an environment block Windows reads", () => {
    const { application, commandLine } = windowsCommand(
      "C:\\tools\\wrap me.cmd",
      ["a & b", "x|y", 'say "hi"', "plain", ""],
      "C:\\Windows\\System32\\cmd.exe",
    );
    expect(application).toBe("C:\\Windows\\System32\\cmd.exe");
    expect(commandLine).toBe('cmd.exe /e:ON /v:OFF /d /s /c ""C:\\tools\\wrap me.cmd" "a & b" "x|y" "say ""hi""" plain """');
    expect(() => windowsCommand("C:\\tools\\x.bat", ["50%"], "cmd.exe")).toThrow(/cannot hold '%'/);
    expect(() => windowsCommand("C:\\tools\\x.bat", ["a\r\nb"], "cmd.exe")).toThrow(/line break/);
    expect(windowsCommand("C:\\Program Files\\app.exe", ["50%", "a b"], "cmd.exe").commandLine).toBe(
      '"C:\\Program Files\\app.exe" 50% "a b"',
    );
    const block = environmentBlock({ zeta: "1", Alpha: "2", "=C:": "C:\\x", Path: "inherited", PATH: "given", "bad=name": "x" }).toString(
      "utf16le",
    );
    expect(block).toBe("=C:=C:\\x\0Alpha=2\0PATH=given\0zeta=1\0\0");
    expect(windowsVariable({ Path: "a", PATHEXT: ".EXE" }, "PATH")).toBe("a");
  });

  it("shows a Windows record's command line as Windows reads it, and a crash's code by its name", () => {
    expect(commandLine("C:\\Program Files\\Houdini\\bin\\houdini.exe", ["-foreground", "P:\\shows\\a b\\x.hip", 'say "hi"'])).toBe(
      '"C:\\Program Files\\Houdini\\bin\\houdini.exe" -foreground "P:\\shows\\a b\\x.hip" "say \\"hi\\""',
    );
    expect(commandLine("/opt/hfs/bin/houdini", ["a b"])).toBe("/opt/hfs/bin/houdini 'a b'");
    const crashed = { status: "stopped" as const, exitCode: 0xc0000005, exitSignal: null, stopSignal: null };
    expect(statusText(crashed)).toBe("exited 0xC0000005");
    expect(exitCodeField(crashed)).toBe("3221225477 (0xC0000005, access violation)");
    expect(exitCodeField({ ...crashed, exitCode: 3 })).toBe("3");
    expect(exitCodeField({ ...crashed, exitCode: 0xdeadbeef })).toBe("3735928559 (0xDEADBEEF)");
  });
});
