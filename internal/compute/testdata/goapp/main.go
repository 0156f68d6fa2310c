// Command goapp is the Go program of the trusted-profile walkthrough test:
// started by `coffer ce app run`, it reads one secret with IBM's Go SDK core
// (ContainerAuthenticator with the app's trusted profile, no API key) and
// the Secrets Manager SDK v2.0.11, and prints the secret's payload.
//
// Usage: goapp SECRET_ID
//
// Environment (set by the runner): IAM_PROFILE_NAME, IAM_URL,
// CR_TOKEN_FILENAME, SM_SERVICE_URL.
package main

import (
	"fmt"
	"os"

	"github.com/IBM/go-sdk-core/v5/core"
	sm "github.com/IBM/secrets-manager-go-sdk/v2/secretsmanagerv2"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goapp SECRET_ID")
		os.Exit(2)
	}
	auth := &core.ContainerAuthenticator{
		IAMProfileName:  os.Getenv("IAM_PROFILE_NAME"),
		URL:             os.Getenv("IAM_URL"),
		CRTokenFilename: os.Getenv("CR_TOKEN_FILENAME"), // "" = the Code Engine path
	}
	svc, err := sm.NewSecretsManagerV2(&sm.SecretsManagerV2Options{URL: os.Getenv("SM_SERVICE_URL"), Authenticator: auth})
	if err != nil {
		fmt.Fprintln(os.Stderr, "goapp:", err)
		os.Exit(1)
	}
	secret, _, err := svc.GetSecret(svc.NewGetSecretOptions(os.Args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "goapp: reading the secret:", err)
		os.Exit(1)
	}
	a, ok := secret.(*sm.ArbitrarySecret)
	if !ok || a.Payload == nil {
		fmt.Fprintf(os.Stderr, "goapp: the secret is a %T, want an arbitrary secret\n", secret)
		os.Exit(1)
	}
	fmt.Println(*a.Payload)
}
