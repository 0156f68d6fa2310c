// Command trusted-profile-app reads one secret from Coffer's Secrets Manager
// the way a Code Engine app reads it from IBM Cloud: IBM's
// ContainerAuthenticator exchanges the compute-resource token that
// `coffer ce app run` provides for an access token of the app's trusted
// profile. No API key is involved.
//
// Environment, set by `coffer ce app run`: IAM_PROFILE_NAME (the trusted
// profile), IAM_URL (Coffer's URL), CR_TOKEN_FILENAME (the token file; when
// empty the SDK reads Code Engine's path), SM_SERVICE_URL (the Secrets
// Manager instance). Which secret: SECRET_ID, or SECRET_NAME with
// SECRET_GROUP_NAME (default "default") for an arbitrary secret.
package main

import (
	"fmt"
	"os"

	"github.com/IBM/go-sdk-core/v5/core"
	sm "github.com/IBM/secrets-manager-go-sdk/v2/secretsmanagerv2"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "trusted-profile-app:", err)
		os.Exit(1)
	}
}

func run() error {
	auth := &core.ContainerAuthenticator{
		IAMProfileName:  os.Getenv("IAM_PROFILE_NAME"),
		URL:             os.Getenv("IAM_URL"),
		CRTokenFilename: os.Getenv("CR_TOKEN_FILENAME"),
	}
	svc, err := sm.NewSecretsManagerV2(&sm.SecretsManagerV2Options{URL: os.Getenv("SM_SERVICE_URL"), Authenticator: auth})
	if err != nil {
		return err
	}
	var secret sm.SecretIntf
	if id := os.Getenv("SECRET_ID"); id != "" {
		secret, _, err = svc.GetSecret(svc.NewGetSecretOptions(id))
	} else {
		group := os.Getenv("SECRET_GROUP_NAME")
		if group == "" {
			group = "default"
		}
		secret, _, err = svc.GetSecretByNameType(svc.NewGetSecretByNameTypeOptions("arbitrary", os.Getenv("SECRET_NAME"), group))
	}
	if err != nil {
		return fmt.Errorf("reading the secret: %w", err)
	}
	a, ok := secret.(*sm.ArbitrarySecret)
	if !ok || a.Payload == nil {
		return fmt.Errorf("the secret is a %T, want an arbitrary secret", secret)
	}
	fmt.Printf("%s = %s\n", *a.Name, *a.Payload)
	return nil
}
