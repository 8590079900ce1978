#!/usr/bin/env node
// `collector start|stop|status|runs|help`: a thin shell over control.ts. Usage errors: one line, exit 2;
// `--help` on any command: its usage, exit 0.
import { fileURLToPath } from 'node:url';
import { startDetached, startForeground, runs, status, stop } from './control.js';
import type { Io } from './control.js';
import { errorText } from '../common/error-text.js';
import { UsageError } from '../contracts/usage-error.js';
import { parseCommand, usage } from './options.js';

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

async function main(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv);
  switch (cmd.name) {
    case 'help':
      io.out(usage(cmd.topic));
      return 0;
    case 'start':
      return cmd.options.detach
        ? startDetached(cmd.options, cmd.argv, fileURLToPath(import.meta.url), io)
        : startForeground(cmd.options, io);
    case 'stop':
      return stop(cmd.options, io);
    case 'status':
      return status(cmd.options, io);
    case 'runs':
      return runs(cmd.options, io);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // a finished recording exits at once: idle keep-alive sockets to dockerd must not hold it open
    if (process.argv[2] === 'start') setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      io.err(`collector: ${err.message}`);
      process.exitCode = 2;
    } else {
      io.err(`collector: ${err instanceof Error ? (err.stack ?? err.message) : errorText(err)}`);
      process.exitCode = 1;
    }
  },
);
