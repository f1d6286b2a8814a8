// Bootstrap of a worker thread running TypeScript: a worker has its own module loader, so ts-node (transpile only)
// and the @scep/* path aliases are registered again here before the .ts entry named in workerData is loaded.
'use strict';
const path = require('node:path');
const { workerData } = require('node:worker_threads');

const root = path.resolve(__dirname, '..', '..');
require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
const tsconfigPaths = require('tsconfig-paths');
const config = tsconfigPaths.loadConfig(root);
if (config.resultType !== 'success') throw new Error(`tsconfig-paths: ${config.message}`);
tsconfigPaths.register({ baseUrl: config.absoluteBaseUrl, paths: config.paths });
require(workerData.entry);
