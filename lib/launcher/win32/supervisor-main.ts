// The supervisor's process (bundled to dist/cli/supervisor.js): `node supervisor.js --pipe P --state F`.
import { parseArgs } from "node:util";
import { runSupervisor } from "./supervisor";

const { values } = parseArgs({ options: { pipe: { type: "string" }, state: { type: "string" }, "idle-exit-ms": { type: "string" } } });
if (!values.pipe || !values.state) {
  process.stderr.write("usage: supervisor.js --pipe NAME --state FILE\n");
  process.exit(2);
}
runSupervisor({
  pipe: values.pipe,
  stateFile: values.state,
  idleExitMs: values["idle-exit-ms"] ? Number(values["idle-exit-ms"]) : undefined,
}).then(
  () => process.exit(0),
  // Another supervisor already listens on the pipe: it watches, this one leaves.
  (error: NodeJS.ErrnoException) => process.exit(error.code === "EADDRINUSE" ? 0 : 1),
);
