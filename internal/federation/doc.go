// Package federation lets the cr-token grant of POST /identity/token accept
// tokens of external OIDC issuers that an account registers: a Kubernetes
// cluster's service-account issuer (cr_type IKS_SA or ROKS_SA), or a CI
// system such as GitHub Actions or GitLab (cr_type OIDC).
//
// # Model
//
// An issuer registration (store.FederationIssuer, API
// /coffer/v1/federation/issuers) names the exact iss of the tokens, where
// its public keys come from, the audiences it may use and, for Kubernetes,
// the CRN of the cluster. Registry implements identity.CRIssuers: for a
// token whose iss is registered it verifies the token and returns the
// compute resource it proves; Service is the API that manages
// registrations.
//
// # Invariants
//
//   - An issuer URL is registered in at most one account, across the whole
//     Coffer (a second registration anywhere is api.ErrAlreadyExists). A
//     verified token therefore belongs to exactly one account, the one that
//     registered its issuer, and can only reach that account's trusted
//     profiles (or another account's through a link marked
//     is_cross_account). A public issuer such as GitHub Actions is thus
//     usable by one account per Coffer.
//   - Signatures are RS256 (RSA of 2048 bits or more) or ES256 (P-256).
//     The token's aud must hold one of the issuer's audiences (default
//     "iam"); exp and iat are required, nbf honoured, all with leeway; a
//     Kubernetes token may live at most an hour (exp - iat, IBM's rule for
//     projected tokens used with IAM), any other a day.
//   - A Kubernetes token must be a bound service-account token whose sub
//     system:serviceaccount:NS:SA agrees with its kubernetes.io claim. It
//     becomes an identity of type IKS_SA or ROKS_SA with the cluster CRN,
//     the namespace and the service account name, which profile links
//     match; claim rules see every claim plus namespace, name, pod,
//     service_instance (the cluster id), crn and location.
//   - A token of an OIDC issuer becomes an identity of type OIDC with no
//     CRN: only claim rules match it, on any of its claims (repository,
//     ref, workflow, environment, project_path...). Any GitHub repository
//     can mint tokens of GitHub's issuer with any audience, so rules must
//     pin the repository (or repository_id) and the ref or environment.
//
// # Keys
//
// A static issuer's JWKS is stored with the registration and never
// fetched. A remote issuer's keys come from its jwks_uri, or from the
// jwks_uri of {issuer}/.well-known/openid-configuration (discovery), whose
// issuer must equal the registered one. Fetched key sets are cached per
// issuer and revision of the registration for Config.KeysMaxAge, and
// fetched again earlier when a token names an unknown kid, so a rotation
// at the issuer takes effect on the first token signed with the new key;
// a key the issuer no longer publishes is refused after that refresh.
// Fetches of one issuer are serialized and rate-limited (a token bucket of
// Config.RefreshBurst, one more per Config.RefreshInterval), so tokens with
// made-up kids cannot make Coffer hammer an issuer. When a refresh fails,
// the cached keys stay in use. Fetches go only through Config.HTTPClient,
// only to https URLs (plain http only to loopback addresses unless
// Config.AllowInsecureHTTP), follow at most 3 redirects under the same
// rule, and read at most 1 MiB.
//
// # Formats
//
// The wire types are api.FederationIssuer and api.FederationIssuerRequest
// (version 1, see api/federation.go); the table is described in
// store/migrations/0009_federation.sql.
package federation
