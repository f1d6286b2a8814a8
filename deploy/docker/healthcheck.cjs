// The image's HEALTHCHECK: GET http://127.0.0.1:<ops port>/healthz, exit 0 on 2xx, 1 otherwise (3 s budget).
// The operations port is, in order: $OPS_PORT; the running service's own <PREFIX>_OPS_PORT; its default from
// docs/operations/service-interfaces.md, the service being recognised from PID 1's command line (the image's
// entry point is node, so PID 1 is the service). A container that runs no known service (the migration job) is
// healthy while it runs. 127.0.0.1 works for every service, the signer included (its ops port stays on loopback).
'use strict';
const { readFileSync } = require('node:fs');

const services = [
  ['apps/scep-gateway/', 'SCEP_GATEWAY_OPS_PORT', 9460],
  ['apps/admin-api/', 'ADMIN_API_OPS_PORT', 9461],
  ['apps/policy-service/', 'POLICY_OPS_PORT', 9462],
  ['apps/signer-worker/', 'SIGNER_OPS_PORT', 9463],
  ['apps/challenge-service/', 'CHALLENGE_OPS_PORT', 9464],
];

function opsPort() {
  if (process.env.OPS_PORT) return process.env.OPS_PORT;
  let commandLine = '';
  try {
    commandLine = readFileSync('/proc/1/cmdline', 'utf8');
  } catch {
    return undefined;
  }
  const service = services.find(([entry]) => commandLine.includes(entry));
  if (!service) return undefined;
  return process.env[service[1]] || String(service[2]);
}

const port = opsPort();
if (!port) process.exit(0);
fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
