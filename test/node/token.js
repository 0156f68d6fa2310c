// Gets IAM access tokens from Coffer with IBM's real Node SDK core
// (ibm-cloud-sdk-core) and prints the results as one JSON object on stdout.
//
// Environment: COFFER_URL (the token server's base URL), COFFER_APIKEY,
// COFFER_CR_TOKEN_FILE, COFFER_PROFILE_NAME, and optionally
// COFFER_BAD_APIKEY (a key that must be refused). Run by
// internal/identity/node_test.go; exit status 0 even when a grant fails: the
// Go test judges the output.
'use strict';

const { IamAuthenticator, ContainerAuthenticator } = require('ibm-cloud-sdk-core');

function claims(token) {
  const part = token.split('.')[1];
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

async function attempt(name, makeAuthenticator) {
  try {
    const auth = makeAuthenticator();
    const options = {};
    await auth.authenticate(options);
    const header = (options.headers && options.headers.Authorization) || '';
    const token = header.replace(/^Bearer /, '');
    const c = claims(token);
    return { name, ok: true, bearer: header.startsWith('Bearer '), iam_id: c.iam_id, exp: c.exp, iat: c.iat, token };
  } catch (err) {
    return { name, ok: false, error: String((err && err.message) || err), status: err && err.status };
  }
}

async function main() {
  const url = process.env.COFFER_URL;
  const results = [];
  results.push(await attempt('iam', () => new IamAuthenticator({ apikey: process.env.COFFER_APIKEY, url })));
  results.push(await attempt('container', () => new ContainerAuthenticator({
    crTokenFilename: process.env.COFFER_CR_TOKEN_FILE,
    iamProfileName: process.env.COFFER_PROFILE_NAME,
    url,
  })));
  if (process.env.COFFER_BAD_APIKEY) {
    results.push(await attempt('iam-bad-key', () => new IamAuthenticator({ apikey: process.env.COFFER_BAD_APIKEY, url })));
  }
  process.stdout.write(JSON.stringify({ results }) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
