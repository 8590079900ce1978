// `node dist/service/main.js`: the inference service. Reads the environment once (a bad value → one
// line naming it, exit 2), starts listening, loads the model, and on SIGTERM/SIGINT shuts down
// gracefully and exits 0. Docker runs this file directly as PID 1, so the signal handling matters.
import { ConfigError, parseConfig } from './config.js';
import { errorText } from '../common/error-text.js';
import { findPackageRoot } from '../common/package-root.js';
import { startService } from './service.js';

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = parseConfig(process.env, { cwd: process.cwd(), packageRoot: findPackageRoot() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`service: ${err.message}`);
    process.exit(2);
  }

  const svc = await startService(cfg, {
    defaultMetrics: true,
    info: (m) => console.log(m),
    // A dead model thread will not come back: exit so Docker/Swarm restarts the replica.
    onModelLost: (err) => {
      console.error(`service: ${err.message}; exiting`);
      void svc.close().finally(() => process.exit(1));
    },
  });
  console.log(
    `service: listening on http://${cfg.host}:${svc.port} (pid ${process.pid}); model ${cfg.modelId} (${cfg.modelDtype}) loading; ` +
      `log ${cfg.metricsLogFile}`,
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      console.error(`service: second ${signal}, exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`service: ${signal} received, finishing in-flight requests`);
    // Belt and braces: close() cuts connections after SHUTDOWN_TIMEOUT_MS; this catches anything else.
    setTimeout(() => {
      console.error('service: shutdown took too long, exiting');
      process.exit(1);
    }, cfg.shutdownTimeoutMs + 2000).unref();
    svc.close().then(
      () => {
        console.log('service: stopped cleanly, CSV flushed');
        process.exit(0);
      },
      (err: unknown) => {
        console.error('service: error while stopping:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  svc.modelReady.catch(async (err: unknown) => {
    console.error(`service: ${errorText(err)}`);
    await svc.close();
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  console.error(`service: ${errorText(err)}`);
  process.exit(1);
});
