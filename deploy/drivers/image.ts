// Which image the container deployments run, and how it gets onto this engine. A plain local name
// (llm-inference-image, built by deploy/build-image.sh) must already exist. A reference that names a
// registry (LLM_IMAGE=ghcr.io/me/llm-inference-image:v1, 127.0.0.1:5001/llm-inference-image@sha256:…) is
// pulled before anything is created, so the run uses what the registry serves, not a local tag.
import { runCommand } from '../../common/run-command.js';
import type { ImageInfo } from '../../contracts/run-record.js';
import { dockerSucceeds, oneLineTail } from './engine.js';
import { DEFAULT_IMAGE } from '../../contracts/deployments.js';

/** The image deploy/build-image.sh builds. */

/** How long a pull may take: a 350 MB image over a slow link. */
const PULL_TIMEOUT_MS = 600_000;

/** The image the container deployments run: LLM_IMAGE when set (and not empty), else the local build. */
export function defaultImage(env: NodeJS.ProcessEnv = process.env): string {
  return env.LLM_IMAGE || DEFAULT_IMAGE;
}

/**
 * The registry an image reference names (`ghcr.io`, `127.0.0.1:5001`, `localhost`), or undefined for a
 * name without one. Docker's own rule: the part before the first '/' is a registry when it has a '.' or a
 * ':' or is `localhost`; otherwise the name is local (or Docker Hub's, which must then be written
 * docker.io/USER/NAME to be pulled).
 */
export function imageRegistry(ref: string): string | undefined {
  const slash = ref.indexOf('/');
  if (slash < 0) return undefined;
  const first = ref.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

/** The repository of a reference, without tag or digest, as `docker image inspect` writes it in RepoDigests. */
export function imageRepository(ref: string): string {
  const name = ref.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  // Docker writes Docker Hub names without their registry (and official images without library/).
  return name.replace(/^(?:index\.)?docker\.io\//, '').replace(/^library\//, '');
}

/** Why no container can be started here (no engine answers), or undefined when one can. */
export async function engineMissing(): Promise<string | undefined> {
  const answers = await dockerSucceeds(['version', '--format', '{{.Server.Version}}']);
  return answers ? undefined : 'no Docker engine answers (start one with "bash deploy/engine.sh")';
}

/**
 * Shared preflight of every container deployment: an engine that answers, and the image when it is a local
 * name (a registry reference is pulled by up(), so its absence here is no reason to skip the deployment).
 */
export async function containerPreflight(image: string): Promise<string | undefined> {
  const noEngine = await engineMissing();
  if (noEngine) return noEngine;
  if (imageRegistry(image) === undefined && !(await dockerSucceeds(['image', 'inspect', '--format', '{{.Id}}', image]))) {
    return `image ${image} not found (build it with "bash deploy/build-image.sh")`;
  }
  return undefined;
}

/**
 * Pulls a registry reference; nothing for a local name. Throws `cannot pull REF from REGISTRY: <what the
 * engine or the registry answered>`.
 */
export async function pullImage(ref: string, log: (message: string) => void): Promise<void> {
  const registry = imageRegistry(ref);
  if (registry === undefined) return;
  log(`docker pull ${ref}`);
  const r = await runCommand('docker', ['pull', ref], { timeoutMs: PULL_TIMEOUT_MS });
  if (r.code !== 0) {
    throw new Error(`cannot pull ${ref} from ${registry}: ${r.failure ?? (oneLineTail(r.stderr, 2) || `docker pull exit ${r.code}`)}`);
  }
}

/** `docker image inspect --format '{{.Id}} {{.Size}} {{json .RepoDigests}}'` output → ImageInfo (pure). */
export function parseImageInspect(ref: string, output: string): ImageInfo | null {
  const m = /^(\S+) (\d+) (\[.*\]|null)$/.exec(output.trim());
  if (!m) return null;
  const repoDigests = (JSON.parse(m[3]!) as string[] | null) ?? [];
  return { id: m[1]!, sizeBytes: Number(m[2]), ref, digest: registryDigest(ref, repoDigests) };
}

/** The digest the registry serves for `ref`: its RepoDigest; null for a local name or one never pulled or pushed. */
function registryDigest(ref: string, repoDigests: readonly string[]): string | null {
  if (imageRegistry(ref) === undefined) return null;
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(ref);
  if (pinned) return pinned[1]!;
  const repository = imageRepository(ref);
  const match = repoDigests.find((d) => imageRepository(d) === repository);
  return match === undefined ? null : match.slice(match.indexOf('@') + 1);
}

/** What run.json records of the image: id, size, the reference and its registry digest; null when absent. */
export async function inspectImage(ref: string = defaultImage()): Promise<ImageInfo | null> {
  const format = '{{.Id}} {{.Size}} {{json .RepoDigests}}';
  const r = await runCommand('docker', ['image', 'inspect', '--format', format, ref], { timeoutMs: 15_000 });
  return r.code === 0 ? parseImageInspect(ref, r.stdout) : null;
}
