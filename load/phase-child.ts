// One load phase in a process of its own: `node dist/load/phase-child.js`, forked by phase-process.ts
// with an IPC channel. Every measured phase so starts from the same client state (a fresh V8 heap, JIT
// and connection pool; nothing carried over from the deployment measured before), and the generator's
// CPU is its own process's. It runs the plan it is sent, appends the rows to the CSV in batches (flushed
// every second), reports progress, and sends the summary. A stop message, SIGINT/SIGTERM (Ctrl-C reaches
// the whole process group) or the parent going away stops the phase: requests in flight end as aborted,
// the rows are flushed and the result is still sent. A second signal exits at once.
import { errorText } from '../common/error-text.js';
import { ClientCsvWriter } from './csv-writer.js';
import type { FromChild, ToChild } from './phase-messages.js';
import { runLoad } from './run.js';

const FLUSH_MS = 1000;
const stop = new AbortController();
const finish = new AbortController();
const send = (message: FromChild): void => void process.send?.(message);

function onStopRequest(): void {
  if (stop.signal.aborted) process.exit(130);
  stop.abort();
}
process.on('SIGINT', onStopRequest);
process.on('SIGTERM', onStopRequest);
process.on('disconnect', () => stop.abort());

async function runPhase(message: Extract<ToChild, { type: 'run' }>): Promise<void> {
  const writer = new ClientCsvWriter(message.csv);
  let done = 0;
  let failed = 0;
  let lastProgress = Date.now();
  const tick = setInterval(() => {
    writer.flush();
    if (Date.now() - lastProgress >= message.progressMs) {
      lastProgress = Date.now();
      send({ type: 'progress', done, failed });
    }
  }, FLUSH_MS);
  try {
    const { summary, startMs, endMs } = await runLoad(message.plan, {
      signal: stop.signal,
      finish: finish.signal,
      keepRows: false,
      onRow: (row) => {
        writer.write(row);
        done++;
        if (row.error !== '') failed++;
      },
    });
    writer.close();
    send({ type: 'result', summary, startMs, endMs, rows: writer.rowsWritten });
  } finally {
    clearInterval(tick);
    writer.close();
  }
}

process.on('message', (message: ToChild) => {
  if (message.type === 'stop') return stop.abort();
  if (message.type === 'finish') return finish.abort();
  runPhase(message).then(
    () => process.disconnect?.(),
    (err: unknown) => {
      send({ type: 'error', message: errorText(err) });
      process.disconnect?.();
    },
  );
});
