import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory inside this e2e run's scratch directory (see global-setup.cjs), removed when the run ends. */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(process.env.SCEP_E2E_TMP ?? os.tmpdir(), prefix));
}
