// Removes the run's scratch directory made by global-setup.cjs (unless KEEP_E2E_TMP=1 or the caller gave it).
const fs = require('node:fs');

module.exports = async () => {
  const dir = process.env.SCEP_E2E_TMP;
  if (!dir || process.env.SCEP_E2E_TMP_OWNED !== '1') return;
  if (process.env.KEEP_E2E_TMP === '1') {
    process.stdout.write(`\ne2e scratch directory kept: ${dir}\n`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
};
