// Thin wrappers over the docker CLI shared by the container drivers. The CLI (not the API) is used
// because the same commands are what the README tells users to type, and compose/swarm have no API here.
import { readdirSync, readFileSync } from 'node:fs';
import { runChecked, runCommand, type CommandOptions } from '../../common/run-command.js';
import { dockerProxyListen } from '../../contracts/docker-proxy.js';

/** Runs a docker command (2 minutes at most unless told) and resolves with its trimmed stdout; throws CommandError. */
export function docker(args: readonly string[], options: CommandOptions = {}): Promise<string> {
  return runChecked('docker', args, { timeoutMs: 120_000, ...options });
}

/** Whether a docker command succeeds (an object exists, an engine answers); never throws. */
export async function dockerSucceeds(args: readonly string[], timeoutMs = 15_000): Promise<boolean> {
  return (await runCommand('docker', args, { timeoutMs })).code === 0;
}

/** Parses a process's NUL-separated /proc/<pid>/cmdline into argv. */
export function parseCmdline(raw: string): string[] {
  return raw.split('\0').filter((part) => part !== '');
}

/** Whether argv is a docker-proxy carrying host port `port` (`-host-port 5000`). */
export function isDockerProxyFor(argv: readonly string[], port: number): boolean {
  return dockerProxyListen(argv)?.hostPort === port;
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

/** The published-port part of a Target's path: which hop carries loopback traffic to the container. */
export function publishedPath(port: number): { userlandProxy: boolean; via: string } {
  const userlandProxy = userlandProxyCarries(port) ?? false;
  return { userlandProxy, via: userlandProxy ? 'via docker-proxy' : 'via iptables NAT' };
}

/** The last lines of some command output on one line ("a | b | c"), for error messages. */
export function oneLineTail(output: string, lines: number): string {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ');
}

/** Last lines of a container's log (stdout and stderr), for error messages; '' when there is none. */
export async function containerLogTail(container: string, lines = 5): Promise<string> {
  const r = await runCommand('docker', ['logs', '--tail', String(lines), container], { timeoutMs: 15_000 });
  return oneLineTail(`${r.stdout}\n${r.stderr}`, lines * 2);
}

/**
 * The health probe run inside the service containers: GET /health over bash's /dev/tcp; 0 when the status
 * is 200, else 1 (Docker's "unhealthy"; a read that timed out would exit 142). The slim image has no curl
 * or wget, but bash (Debian's essential set): one bash costs about a millisecond of CPU, where `node -e`
 * cost tens of milliseconds every check and, on a starved machine, seconds of start-up that ran into the
 * check's timeout (deploy/README.md, "The replicas' health check"). Its `$` is the shell's:
 * deploy/swarm/stack.yml and docker-compose.yml write it `$$`.
 */
export const HEALTH_PROBE_SCRIPT = 'exec 3<>/dev/tcp/127.0.0.1/5000 && printf "GET /health HTTP/1.0\\r\\n\\r\\n" >&3 && read -r -t 5 _ code _ <&3 && [ "$code" = 200 ] || exit 1';
/** The probe as one shell command, for `docker service create --health-cmd` (run by /bin/sh -c). */
export const HEALTH_PROBE_SH = `bash -c '${HEALTH_PROBE_SCRIPT}'`;

/** The label every Docker object created by a driver carries, so cleanup only touches our own. */
export const OWNER_LABEL = 'llm-deploy-bench.driver';

/**
 * The Docker network a running container is on and its address there (the first network it has an
 * address on), for a container placed before it; throws when it has none.
 */
export async function containerNetworkAddress(container: string, port: number): Promise<{ network: string; address: string }> {
  const networks = JSON.parse(await docker(['inspect', '-f', '{{json .NetworkSettings.Networks}}', container])) as Record<string, { IPAddress?: string }> | null;
  const found = Object.entries(networks ?? {}).find(([, n]) => n.IPAddress);
  if (!found) throw new Error(`container ${container} has no network address`);
  return { network: found[0], address: `${found[1].IPAddress}:${port}` };
}

/** A container's state (`running`, `exited` …), or undefined when it does not exist. */
export async function containerState(ref: string): Promise<string | undefined> {
  try {
    return await docker(['inspect', '-f', '{{.State.Status}}', ref], { timeoutMs: 15_000 });
  } catch {
    return undefined;
  }
}

/**
 * A stopped container named `name` that a driver of ours made (label OWNER_LABEL=`owner`, left by a
 * crashed run) is removed. A running one may belong to another run in progress, and anyone else's is not
 * ours to touch: both throw, the message prefixed with `who`.
 */
export async function removeStaleContainer(name: string, owner: string, who: string, log: (message: string) => void): Promise<void> {
  const state = await containerState(name);
  if (state === undefined) return;
  const label = await docker(['inspect', '-f', `{{index .Config.Labels "${OWNER_LABEL}"}}`, name]).catch(() => '');
  if (label !== owner) throw new Error(`${who}: a container named ${name} already exists and is not ours; remove it or choose another name`);
  if (state === 'running') throw new Error(`${who}: container ${name} is already running (another run? if not: docker rm -f ${name})`);
  log(`${who}: removing the stopped ${name} left over from an earlier run`);
  await docker(['rm', '-f', name]);
}
