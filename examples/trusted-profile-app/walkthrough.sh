#!/usr/bin/env bash
# The trusted-profile walkthrough on a fresh `coffer server --dev`: an app
# reads a secret through IBM's ContainerAuthenticator and its trusted
# profile, with no API key in its environment. Each step is the tutorial's
# `ibmcloud` command with `coffer` in its place.
#
# Run from anywhere inside the repository:  examples/trusted-profile-app/walkthrough.sh
# Needs: go, jq; node (optional, for the Node.js app; `npm ci` here first, or
# test/node's modules are used). COFFER_PORT picks the port (default 8421).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
port=${COFFER_PORT:-8421}
url="http://127.0.0.1:$port"
work=$(mktemp -d)
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Building coffer and the Go app"
(cd "$repo" && go build -o "$work/coffer" ./cmd/coffer && go build -o "$work/trusted-profile-app" ./examples/trusted-profile-app)
coffer="$work/coffer"

step "Starting a fresh development server on $url"
"$coffer" server --dev --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$url/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

# The CLI keeps its login in $HOME/.coffer: use a private home for the demo.
export HOME="$work/home"
mkdir -p "$HOME"
unset COFFER_APIKEY COFFER_TOKEN COFFER_URL

step "1. coffer login --apikey KEY -a $url"
"$coffer" login --apikey coffer-dev-apikey-not-for-production -a "$url"

step "2. coffer resource service-instance-create my-sm secrets-manager standard us-south"
guid=$("$coffer" resource service-instance-create my-sm secrets-manager standard us-south --output json | jq -r '.guid')
echo "instance GUID: $guid"

step "3. coffer iam trusted-profile-create my-app-profile --description ..."
"$coffer" iam trusted-profile-create my-app-profile --description "Profile for my Code Engine app"

step "4. coffer ce project create / app create / app update --trusted-profile"
"$coffer" ce project create --name my-project
"$coffer" ce app create --name my-app --image icr.io/codeengine/helloworld --env SECRET_NAME=db-password
"$coffer" ce app update --name my-app --trusted-profile my-app-profile

step "5. coffer ce app get --name my-app --output json | jq -r '.crn'"
crn=$("$coffer" ce app get --name my-app --output json | jq -r '.crn')
echo "$crn"

step "6. coffer iam trusted-profile-compute-resource-add my-app-profile --compute-resource CRN --compute-resource-type code_engine"
"$coffer" iam trusted-profile-compute-resource-add my-app-profile --compute-resource "$crn" --compute-resource-type code_engine

step "7. coffer iam trusted-profile-policy-create my-app-profile --roles SecretsReader --service-name secrets-manager --service-instance GUID"
"$coffer" iam trusted-profile-policy-create my-app-profile --roles SecretsReader --service-name secrets-manager --service-instance "$guid"

step "A secret to read: coffer secrets-manager secret-create ... db-password"
"$coffer" secrets-manager secret-create --instance-id "$guid" --secret-type arbitrary --secret-name db-password \
  --arbitrary-payload "correct-horse-battery-staple" >/dev/null
echo "created db-password in my-sm"

step "8. coffer ce app run --name my-app --instance-id GUID -- trusted-profile-app (Go)"
"$coffer" ce app run --name my-app --instance-id "$guid" -- "$work/trusted-profile-app"

if command -v node >/dev/null; then
  modules=""
  if [[ -d "$here/node_modules/ibm-cloud-sdk-core" ]]; then
    modules="$here/node_modules"
  elif [[ -d "$repo/test/node/node_modules/ibm-cloud-sdk-core" ]]; then
    modules="$repo/test/node/node_modules"
  fi
  if [[ -n "$modules" ]]; then
    step "8'. coffer ce app run --name my-app --instance-id GUID -- node app.js (Node.js)"
    NODE_PATH="$modules" "$coffer" ce app run --name my-app --instance-id "$guid" -- node "$here/app.js"
  else
    echo "(Node.js app skipped: run npm ci in $here)"
  fi
fi

step "Done: the apps read the secret with no API key. Stopping the server."
