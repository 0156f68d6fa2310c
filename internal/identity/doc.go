// Package identity holds Coffer's accounts, users, service IDs, API keys
// and trusted profiles, and the IAM token service that IBM's SDKs call at
// POST /identity/token.
//
// The files jwt.go, claims.go, tokenform.go, match.go, errors.go and ids.go
// are its pure core: no I/O, no clock (time is a parameter), safe for
// concurrent use. The stateful service calls them.
//
// # Tokens
//
// Access tokens are compact JWS with the header {"alg":"RS256","kid":…}
// (no typ, as IBM's) and IBM's claim set (Claims). Kids are date stamps
// ("20261129-01:30:00"). A SigningKey signs until NotAfter and verifies
// until ExpiresAt; KeySet is the immutable set of public keys Verify uses
// and /identity/keys serves (KeySet.JWKS, with "use":"sig", a superset of
// IBM's keys). Coffer's tokens carry no nbf and no aud, like IBM's samples;
// Verify checks nbf and aud anyway when present or asked, with a leeway of
// DefaultLeeway. Verify accepts RS256 only; VerifyWith, meant for CR tokens
// of external issuers, also ES256 when allowed.
//
// # Requests and errors
//
// ParseTokenRequest validates the form of every supported grant (apikey,
// refresh_token, cr-token, assume) and returns *TokenError values carrying
// IBM's BXNIM codes, HTTP status 400 for bad input and bad credentials as
// IBM does. TokenError.Body gives IBM's error JSON. An unsupported grant
// type is BXNIM0106E, IBM's code for a property that fails validation.
//
// # Identifiers
//
// Ids follow IBM's forms (ServiceId-<uuid>, iam-ServiceId-<uuid>,
// Profile-<uuid>, ApiKey-<uuid>, ClaimRule-<uuid>, ProfileLink-<uuid>);
// users are CofferId-<10 uppercase letters or digits> in realm CofferId.
// CRNs use the cloud name "coffer". API key values are 44 URL-safe random
// characters and are stored only as HMAC-SHA-256 under a server pepper.
//
// # Trusted profile matching
//
// A compute resource (CRIdentity) may reach a profile through a Link (exact
// CRN plus namespace and service account, or CE component) or a claim Rule.
// Rule values are JSON inside strings, compared with their JSON types; a
// claim absent from the token fails every condition; dotted claim names
// reach nested objects when no claim has the full name. Rules that fail
// ValidateRule never match.
package identity
