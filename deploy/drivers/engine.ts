// Thin wrappers over the docker CLI shared by the container drivers. The CLI (not the API) is used
// because the same commands are what the README tells users to type, and compose/swarm have no API here.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ExecOptions {
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Runs a command and resolves with its trimmed stdout; rejects with `<cmd> <sub>: <stderr>` on failure. */
export function exec(command: string, args: readonly string[], options: ExecOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs ?? 120_000, env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout.trim());
        const detail = (stderr || err.message).trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ');
        reject(new Error(`${command} ${args.slice(0, 2).join(' ')}: ${detail}`));
      },
    );
  });
}

export const docker = (args: readonly string[], options?: ExecOptions): Promise<string> => exec('docker', args, options);

/** The engine version, or undefined when no engine answers. */
export async function engineVersion(): Promise<string | undefined> {
  try {
    return await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 });
  } catch {
    return undefined;
  }
}

export async function imageExists(image: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', image], { timeoutMs: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** Shared preflight of every container deployment: an engine and the image. */
export async function containerPreflight(image: string): Promise<string | undefined> {
  if ((await engineVersion()) === undefined) return 'no Docker engine answers (start one with "bash deploy/engine.sh")';
  if (!(await imageExists(image))) return `image ${image} not found (build it with "bash deploy/build-image.sh")`;
  return undefined;
}

/** Parses a process's NUL-separated /proc/<pid>/cmdline into argv. */
export function parseCmdline(raw: string): string[] {
  return raw.split('\0').filter((part) => part !== '');
}

/** Whether argv is a docker-proxy carrying host port `port` (`-host-port 5000`). */
export function isDockerProxyFor(argv: readonly string[], port: number): boolean {
  if (!argv[0]?.endsWith('docker-proxy')) return false;
  const at = argv.indexOf('-host-port');
  return at >= 0 && argv[at + 1] === String(port);
}

/**
 * Whether Docker's userland proxy (docker-proxy) listens on the published port: then loopback traffic
 * goes through that extra user-space hop instead of iptables NAT alone. Read from /proc, so it needs the
 * engine on this machine; null when /proc cannot be read.
 */
export function userlandProxyCarries(port: number): boolean | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      if (isDockerProxyFor(parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8')), port)) return true;
    } catch {
      // the process ended between readdir and read
    }
  }
  return false;
}

/** Last lines of a container's log (stdout and stderr), for error messages. */
export function containerLogTail(container: string, lines = 5): Promise<string> {
  return new Promise((resolve) => {
    execFile('docker', ['logs', '--tail', String(lines), container], { timeout: 15_000 }, (_err, stdout, stderr) => {
      resolve(`${stdout}\n${stderr}`.split('\n').map((l) => l.trim()).filter(Boolean).join(' | '));
    });
  });
}

/** Health probe run inside the containers: the slim image has no curl, so node asks /health itself. */
export const HEALTH_PROBE_JS =
  "require('http').get('http://127.0.0.1:5000/health', r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))";

/** The label every Docker object created by a driver carries, so cleanup only touches our own. */
export const OWNER_LABEL = 'llm-deploy-bench.driver';
