// Reads one secret from Coffer's Secrets Manager the way a Code Engine app
// reads it from IBM Cloud: ibm-cloud-sdk-core's ContainerAuthenticator
// exchanges the compute-resource token that `coffer ce app run` provides for
// an access token of the app's trusted profile. No API key is involved.
//
// Environment, set by `coffer ce app run`: IAM_PROFILE_NAME, IAM_URL,
// CR_TOKEN_FILENAME, SM_SERVICE_URL. Which secret: SECRET_ID, or SECRET_NAME
// with SECRET_GROUP_NAME (default "default") for an arbitrary secret.
'use strict';

const { ContainerAuthenticator } = require('ibm-cloud-sdk-core');

async function main() {
  const options = { iamProfileName: process.env.IAM_PROFILE_NAME, url: process.env.IAM_URL };
  if (process.env.CR_TOKEN_FILENAME) {
    options.crTokenFilename = process.env.CR_TOKEN_FILENAME;
  }
  const auth = new ContainerAuthenticator(options);
  const request = { headers: {} };
  await auth.authenticate(request);

  const base = `${process.env.SM_SERVICE_URL}/api/v2`;
  const path = process.env.SECRET_ID
    ? `/secrets/${encodeURIComponent(process.env.SECRET_ID)}`
    : `/secret_groups/${encodeURIComponent(process.env.SECRET_GROUP_NAME || 'default')}/secret_types/arbitrary/secrets/${encodeURIComponent(process.env.SECRET_NAME)}`;
  const res = await fetch(base + path, {
    headers: { Authorization: request.headers.Authorization, Accept: 'application/json' },
  });
  const body = await res.json();
  if (!res.ok) {
    throw new Error(`reading the secret: ${res.status} ${JSON.stringify(body)}`);
  }
  console.log(`${body.name} = ${body.payload}`);
}

main().catch((err) => {
  console.error('trusted-profile-app:', (err && err.message) || err);
  process.exit(1);
});
