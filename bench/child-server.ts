// A benchmark's helper server in its own node process, so its CPU is not the measuring process's: the
// child prints the port it listens on as its first line of output.
import { startProcess } from '../common/start-process.js';

export interface ChildServer {
  readonly port: number;
  stop(): Promise<unknown>;
}

/** Runs `node <args>` and resolves once it has printed its port. */
export async function startPrinting(args: readonly string[]): Promise<ChildServer> {
  const child = startProcess(process.execPath, args, { inheritStderr: true, stopGraceMs: 2000 });
  try {
    const port = Number((await child.waitForOutput(/^(\d+)\n/m, 30_000))[1]);
    return { port, stop: () => child.stop() };
  } catch (err) {
    await child.stop();
    throw err;
  }
}
