// One scratch directory per e2e run (client keys, CSRs, dev homes, certmonger state), removed by global-teardown.cjs,
// so runs never pile up directories in /tmp. Set KEEP_E2E_TMP=1 to keep it for a post-mortem.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  if (process.env.SCEP_E2E_TMP) return; // given by the caller: theirs to keep or remove
  process.env.SCEP_E2E_TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'scep-e2e-'));
  process.env.SCEP_E2E_TMP_OWNED = '1';
};
