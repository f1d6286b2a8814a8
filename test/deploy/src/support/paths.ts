import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const chartDir = path.join(repoRoot, 'deploy', 'helm', 'scep-platform');
export const observabilityDir = path.join(repoRoot, 'deploy', 'observability');
/** Downloaded and extracted tools (git-ignored). */
export const toolsDir = path.join(repoRoot, 'tmp', 'deploy-tools');
export const fromRoot = (...parts: string[]) => path.join(repoRoot, ...parts);
