#!/usr/bin/env python3
"""An external custom-credentials provider for Coffer (or IBM Cloud Secrets Manager).

It polls the instance for queued tasks of the custom_credentials secrets whose configuration is
$PROVIDER_CONFIGURATION, runs create_credentials / delete_credentials, and answers each task
through PUT /api/v2/secrets/{id}/tasks/{task_id}. Replace create() and delete() with calls to your
system. Standard library only. See docs/custom-credentials.md for the contract.

Environment: COFFER_URL (instance URL), COFFER_APIKEY (service ID with SecretTaskUpdater and
Reader), PROVIDER_CONFIGURATION, POLL_SECONDS (default 10). Flag --once runs a single pass.
"""
import json
import os
import secrets
import sys
import time
import urllib.parse
import urllib.request

BASE = os.environ["COFFER_URL"].rstrip("/")
CONFIGURATION = os.environ["PROVIDER_CONFIGURATION"]


def token():
    body = urllib.parse.urlencode({"grant_type": "urn:ibm:params:oauth:grant-type:apikey",
                                   "apikey": os.environ["COFFER_APIKEY"]}).encode()
    root = BASE.split("/instances/")[0]
    with urllib.request.urlopen(urllib.request.Request(root + "/identity/token", data=body)) as r:
        return json.load(r)["access_token"]


def call(tok, method, path, body=None):
    req = urllib.request.Request(BASE + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        data = r.read()
        return json.loads(data) if data else None


def create(secret, task):
    """Create credentials in your system; return (credentials id, payload object)."""
    username = "svc_" + secrets.token_hex(4)
    return username, {"username": username, "password": secrets.token_urlsafe(24)}


def delete(secret, task, credentials_id):
    """Delete the credentials credentials_id in your system. Must succeed if they are already gone."""


def answer(tok, secret, task):
    path = "/api/v2/secrets/%s/tasks/%s" % (secret["id"], task["id"])
    try:
        if task["type"] == "create_credentials":
            cid, payload = create(secret, task)
            body = {"status": "credentials_created", "credentials": {"id": cid, "payload": payload}}
        else:
            meta = call(tok, "GET", "/api/v2/secrets/%s/versions/%s/metadata" % (secret["id"], task["secret_version_id"]))
            delete(secret, task, meta.get("credentials_id"))
            body = {"status": "credentials_deleted"}
    except Exception as e:  # report, never crash the loop; never put credentials in the message
        body = {"status": "failed", "errors": [{"code": "provider_error", "description": type(e).__name__}]}
    call(tok, "PUT", path, body)
    print("task %s (%s) of secret %s: %s" % (task["id"], task["type"], secret["id"], body["status"]), file=sys.stderr)


def one_pass():
    tok = token()
    offset = 0
    while True:
        page = call(tok, "GET", "/api/v2/secrets?secret_types=custom_credentials&limit=200&offset=%d" % offset)
        for secret in page.get("secrets", []):
            if secret.get("configuration") != CONFIGURATION:
                continue
            for task in call(tok, "GET", "/api/v2/secrets/%s/tasks" % secret["id"])["tasks"]:
                if task["status"] in ("queued", "processing"):
                    answer(tok, secret, task)
        offset += len(page.get("secrets", []))
        if not page.get("secrets") or offset >= page.get("total_count", 0):
            return


if __name__ == "__main__":
    while True:
        try:
            one_pass()
        except Exception as e:
            print("pass failed: %s" % e, file=sys.stderr)
        if "--once" in sys.argv:
            break
        time.sleep(int(os.environ.get("POLL_SECONDS", "10")))
