// The Node.js program of the trusted-profile walkthrough test: started by
// `coffer ce app run`, it gets an access token with ibm-cloud-sdk-core's
// ContainerAuthenticator (the app's trusted profile, no API key), reads one
// secret from Secrets Manager's REST API and prints its payload.
//
// Usage: node app.js SECRET_ID (ibm-cloud-sdk-core found through NODE_PATH)
// Environment (set by the runner): IAM_PROFILE_NAME, IAM_URL,
// CR_TOKEN_FILENAME, SM_SERVICE_URL.
'use strict';

const { ContainerAuthenticator } = require('ibm-cloud-sdk-core');

async function main() {
  const id = process.argv[2];
  if (!id) {
    throw new Error('usage: node app.js SECRET_ID');
  }
  const options = { iamProfileName: process.env.IAM_PROFILE_NAME, url: process.env.IAM_URL };
  if (process.env.CR_TOKEN_FILENAME) {
    options.crTokenFilename = process.env.CR_TOKEN_FILENAME;
  }
  const auth = new ContainerAuthenticator(options);
  const request = { headers: {} };
  await auth.authenticate(request);
  const res = await fetch(`${process.env.SM_SERVICE_URL}/api/v2/secrets/${encodeURIComponent(id)}`, {
    headers: { Authorization: request.headers.Authorization, Accept: 'application/json' },
  });
  const body = await res.json();
  if (!res.ok) {
    throw new Error(`GET secret: ${res.status} ${JSON.stringify(body)}`);
  }
  console.log(body.payload);
}

main().catch((err) => {
  console.error('nodeapp:', (err && err.message) || err);
  process.exit(1);
});
