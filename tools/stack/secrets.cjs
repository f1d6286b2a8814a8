'use strict';
const crypto = require('node:crypto');

/** PrintableString-safe alphabet without look-alikes (Windows clients reject other symbols, scep-protocol.md §11). */
const CHALLENGE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A challenge with >= 128 bits of entropy from the PrintableString-safe alphabet (unbiased rejection sampling). */
function randomChallenge(length = 24) {
  let out = '';
  while (out.length < length) {
    const byte = crypto.randomBytes(1)[0];
    if (byte < 256 - (256 % CHALLENGE_ALPHABET.length)) out += CHALLENGE_ALPHABET[byte % CHALLENGE_ALPHABET.length];
  }
  return out;
}

/** Fresh secrets for one deployment (local dev or one test run). */
function generateSecrets() {
  return {
    SIGNER_CA_KEK: crypto.randomBytes(32).toString('base64'),
    RA_KEK: crypto.randomBytes(32).toString('base64'),
    CHALLENGE_PEPPER: crypto.randomBytes(32).toString('base64'),
    APPROVAL_KEY: crypto.randomBytes(32).toString('base64'),
    ADMIN_BOOTSTRAP_API_KEY: `scep_${crypto.randomBytes(8).toString('hex')}_${crypto.randomBytes(32).toString('base64url')}`,
    DEV_CHALLENGE: randomChallenge(),
  };
}

/**
 * The environment each service needs from the secrets: the RA KEK goes to the signer and the gateway, the approval
 * key to the policy service and the signer (docs/adr/007-enrollment-path-v2.md).
 */
function secretEnv(secrets) {
  return {
    SIGNER_CA_KEK: secrets.SIGNER_CA_KEK,
    POLICY_APPROVAL_KEY: secrets.APPROVAL_KEY,
    SIGNER_APPROVAL_KEY: secrets.APPROVAL_KEY,
    SIGNER_RA_KEK: secrets.RA_KEK,
    SCEP_GATEWAY_RA_KEK: secrets.RA_KEK,
    CHALLENGE_PEPPER: secrets.CHALLENGE_PEPPER,
    ADMIN_BOOTSTRAP_API_KEY: secrets.ADMIN_BOOTSTRAP_API_KEY,
  };
}

module.exports = { generateSecrets, secretEnv, randomChallenge };
