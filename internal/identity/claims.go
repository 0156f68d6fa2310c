package identity

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/cofferhq/coffer/api"
)

// Grant types of the token endpoint, as IBM names them.
const (
	GrantAPIKey       = "urn:ibm:params:oauth:grant-type:apikey"
	GrantRefreshToken = "refresh_token"
	GrantCRToken      = "urn:ibm:params:oauth:grant-type:cr-token"
	GrantAssume       = "urn:ibm:params:oauth:grant-type:assume"
)

// Defaults of ClaimsParams.
const (
	DefaultScope         = "ibm openid"
	DefaultClientID      = "default"
	DefaultTokenLifetime = time.Hour
	// MinTokenLifetime keeps clients working: the SDKs treat a token as
	// expired 10 s before exp and refresh at 80 % of its life.
	MinTokenLifetime = time.Minute
	boundaryGlobal   = "global"
	jtiBytes         = 16
)

// Claims is the claim set of an IAM access token (reference §7.2), in IBM's
// JSON names. Tokens carry no nbf and no aud, like IBM's; Verify still
// checks nbf (and aud if asked) when a token has them.
type Claims struct {
	IAMID      string       `json:"iam_id"`
	ID         string       `json:"id"`
	RealmID    string       `json:"realmid"`
	Identifier string       `json:"identifier"`
	Sub        string       `json:"sub"`
	SubType    string       `json:"sub_type,omitempty"`
	Name       string       `json:"name,omitempty"`
	Email      string       `json:"email,omitempty"`
	Account    AccountClaim `json:"account"`
	GrantType  string       `json:"grant_type"`
	Scope      string       `json:"scope"`
	ClientID   string       `json:"client_id"`
	ACR        int          `json:"acr,omitempty"`
	AMR        []string     `json:"amr,omitempty"`
	Authn      *AuthnClaim  `json:"authn,omitempty"`
	JTI        string       `json:"jti"`
	IssuedAt   int64        `json:"iat"`
	Expiry     int64        `json:"exp"`
	NotBefore  int64        `json:"nbf,omitempty"` // never set by the constructors
	Issuer     string       `json:"iss"`
}

// AccountClaim is the "account" claim: the 32-hex account id in bss.
type AccountClaim struct {
	Valid    bool   `json:"valid"`
	BSS      string `json:"bss"`
	Boundary string `json:"boundary,omitempty"` // "global" for users and profiles
}

// AuthnClaim is the "authn" claim: who actually authenticated. For a service
// ID it repeats the subject; for a profile reached with a CR token it is the
// compute resource; for an assumed profile it is the assuming identity.
type AuthnClaim struct {
	Sub     string `json:"sub"`
	IAMID   string `json:"iam_id"`
	SubType string `json:"sub_type,omitempty"`
	Name    string `json:"name,omitempty"`
}

// ClaimsParams holds what every token's claims need besides the subject.
type ClaimsParams struct {
	Issuer    string        // required, e.g. "https://coffer.example/identity"
	Account   string        // required: the subject's account id (32 hex)
	GrantType string        // required: one of the Grant constants
	Now       time.Time     // required: iat
	Lifetime  time.Duration // exp − iat, at least MinTokenLifetime; zero means DefaultTokenLifetime
	ClientID  string        // zero means DefaultClientID
	Scope     string        // zero means DefaultScope
	JTI       string        // zero means a random one (tests fix it)
}

// UserClaims returns the claims of a token for the user iamID
// ("CofferId-…"). sub is the e-mail address as at IBM, or the iam_id when
// the user has none. Errors wrap api.ErrInvalid.
func UserClaims(p ClaimsParams, iamID, name, email string) (Claims, error) {
	if err := CheckID(PrefixUser, iamID); err != nil {
		return Claims{}, err
	}
	sub := email
	if sub == "" {
		sub = iamID
	}
	c, err := baseClaims(p, iamID, RealmCoffer, iamID[len(PrefixUser):], sub, "", name)
	if err != nil {
		return Claims{}, err
	}
	c.Email = email
	c.Account.Boundary = boundaryGlobal
	c.ACR, c.AMR = 1, []string{"pwd"}
	c.Authn = &AuthnClaim{Sub: sub, IAMID: iamID, Name: name}
	return c, nil
}

// ServiceIDClaims returns the claims of a token for the service ID
// serviceID ("ServiceId-<uuid>") named name. Errors wrap api.ErrInvalid.
func ServiceIDClaims(p ClaimsParams, serviceID, name string) (Claims, error) {
	if err := CheckID(PrefixServiceID, serviceID); err != nil {
		return Claims{}, err
	}
	iamID := IAMIDOf(serviceID)
	c, err := baseClaims(p, iamID, RealmIAM, serviceID, serviceID, string(SubjectServiceID), name)
	if err != nil {
		return Claims{}, err
	}
	c.ACR, c.AMR = 1, []string{"pwd"}
	c.Authn = &AuthnClaim{Sub: serviceID, IAMID: iamID, SubType: string(SubjectServiceID), Name: name}
	return c, nil
}

// ProfileClaims returns the claims of a token for the trusted profile
// profileID ("Profile-<uuid>") named name. authn describes who reached the
// profile: ComputeResourceAuthn for the cr-token grant, AssumerAuthn for the
// assume grant. Errors wrap api.ErrInvalid.
func ProfileClaims(p ClaimsParams, profileID, name string, authn AuthnClaim) (Claims, error) {
	if err := CheckID(PrefixProfile, profileID); err != nil {
		return Claims{}, err
	}
	if authn.Sub == "" || authn.IAMID == "" {
		return Claims{}, api.Errorf(api.ErrInvalid, "profile claims need authn sub and iam_id")
	}
	c, err := baseClaims(p, IAMIDOf(profileID), RealmIAM, profileID, profileID, string(SubjectProfile), name)
	if err != nil {
		return Claims{}, err
	}
	c.Account.Boundary = boundaryGlobal
	c.Authn = &authn
	return c, nil
}

// ComputeResourceAuthn returns the authn claim for a compute resource of
// account: sub is crn:v1:coffer:public:iam-identity::a/<account>::computeresource:<id>,
// iam_id is "crn-" and that CRN, name the resource's name.
func ComputeResourceAuthn(account, id, name string) AuthnClaim {
	crn := IdentityCRN(account, "computeresource", id).String()
	return AuthnClaim{Sub: crn, IAMID: PrefixCRNIAMID + crn, Name: name}
}

// AssumerAuthn returns the authn claim describing the subject of c, the
// verified token of the identity that assumes a profile.
func AssumerAuthn(c *Claims) AuthnClaim {
	return AuthnClaim{Sub: c.Sub, IAMID: c.IAMID, SubType: c.SubType, Name: c.Name}
}

func baseClaims(p ClaimsParams, iamID, realm, identifier, sub, subType, name string) (Claims, error) {
	switch {
	case p.Issuer == "":
		return Claims{}, api.Errorf(api.ErrInvalid, "claims need an issuer")
	case !ValidAccountID(p.Account):
		return Claims{}, api.Errorf(api.ErrInvalid, "claims need a 32-hex account id")
	case p.GrantType == "":
		return Claims{}, api.Errorf(api.ErrInvalid, "claims need a grant type")
	case p.Now.IsZero():
		return Claims{}, api.Errorf(api.ErrInvalid, "claims need an issue time")
	case p.Lifetime != 0 && p.Lifetime < MinTokenLifetime:
		return Claims{}, api.Errorf(api.ErrInvalid, "token lifetime must be at least %v", MinTokenLifetime)
	}
	life := cmp.Or(p.Lifetime, DefaultTokenLifetime)
	iat := p.Now.Unix()
	return Claims{
		IAMID: iamID, ID: iamID, RealmID: realm, Identifier: identifier,
		Sub: sub, SubType: subType, Name: name,
		Account:   AccountClaim{Valid: true, BSS: p.Account},
		GrantType: p.GrantType, Scope: cmp.Or(p.Scope, DefaultScope), ClientID: cmp.Or(p.ClientID, DefaultClientID),
		JTI: cmp.Or(p.JTI, newJTI()), IssuedAt: iat, Expiry: iat + int64(life/time.Second), Issuer: p.Issuer,
	}, nil
}

func newJTI() string {
	var b [jtiBytes]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
