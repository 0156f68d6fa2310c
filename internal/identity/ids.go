package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// Coffer's CRN cloud name and type: CRNs read crn:v1:coffer:public:…
const (
	CloudName = "coffer"
	CloudType = "public"
)

// ID prefixes, as IBM writes them. An iam_id is the id with PrefixIAM in
// front, except for users, whose iam_id is the CofferId itself.
const (
	PrefixServiceID   = "ServiceId-"
	PrefixAPIKey      = "ApiKey-"
	PrefixProfile     = "Profile-"
	PrefixClaimRule   = "ClaimRule-"
	PrefixProfileLink = "ProfileLink-"
	PrefixUser        = "CofferId-"
	PrefixIAM         = "iam-"
	PrefixCRNIAMID    = "crn-"
)

// Realm ids of the realmid claim.
const (
	RealmCoffer = "CofferId" // Coffer's users, like IBM's "IBMid"
	RealmIAM    = "iam"      // service IDs and trusted profiles
)

// SubjectKind is the kind of subject an iam_id names. The values of
// service IDs, profiles and CRNs are what IBM writes in the sub_type claim.
type SubjectKind string

// Subject kinds. IBM's user tokens carry no sub_type; neither do Coffer's.
const (
	SubjectUser      SubjectKind = "User"
	SubjectServiceID SubjectKind = "ServiceId"
	SubjectProfile   SubjectKind = "Profile"
	SubjectCRN       SubjectKind = "CRN"
)

const (
	accountIDLen    = 32
	userIDLen       = 10
	apiKeyValueLen  = 44 // base64url of 33 random bytes: 264 bits
	userIDAlphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	uuidLen         = 36
	maxCRNLen       = 1024
	crnFieldCount   = 10
	identityService = "iam-identity"
)

// NewAccountID returns a random account id: 32 lowercase hex characters.
func NewAccountID() string {
	var b [accountIDLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidAccountID reports whether s is 32 lowercase hex characters.
func ValidAccountID(s string) bool {
	return len(s) == accountIDLen && isLowerHex(s)
}

// NewServiceID returns "ServiceId-<uuid>".
func NewServiceID() string { return PrefixServiceID + newRandomUUID() }

// NewAPIKeyID returns "ApiKey-<uuid>".
func NewAPIKeyID() string { return PrefixAPIKey + newRandomUUID() }

// NewProfileID returns "Profile-<uuid>".
func NewProfileID() string { return PrefixProfile + newRandomUUID() }

// NewClaimRuleID returns "ClaimRule-<uuid>".
func NewClaimRuleID() string { return PrefixClaimRule + newRandomUUID() }

// NewProfileLinkID returns "ProfileLink-<uuid>".
func NewProfileLinkID() string { return PrefixProfileLink + newRandomUUID() }

// NewUserIAMID returns a user's iam_id: "CofferId-" and 10 random uppercase
// letters and digits.
func NewUserIAMID() string {
	var out [userIDLen]byte
	var buf [1]byte
	for i := 0; i < userIDLen; {
		rand.Read(buf[:])
		if buf[0] >= 252 { // 252 = 7*36: reject to keep the draw uniform
			continue
		}
		out[i] = userIDAlphabet[int(buf[0])%len(userIDAlphabet)]
		i++
	}
	return PrefixUser + string(out[:])
}

// CheckID returns nil if id is prefix followed by a canonical lowercase
// UUID (or, for PrefixUser, 10 uppercase letters and digits), and an error
// wrapping api.ErrInvalid otherwise. prefix is one of the Prefix constants.
func CheckID(prefix, id string) error {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || prefix == "" {
		return api.Errorf(api.ErrInvalid, "id must start with %q", prefix)
	}
	if prefix == PrefixUser {
		if len(rest) != userIDLen || strings.Trim(rest, userIDAlphabet) != "" {
			return api.Errorf(api.ErrInvalid, "user id must be %q and %d uppercase letters or digits", PrefixUser, userIDLen)
		}
		return nil
	}
	if !validUUID(rest) {
		return api.Errorf(api.ErrInvalid, "id must be %q and a lowercase UUID", prefix)
	}
	return nil
}

// IAMIDOf returns the iam_id of a service ID or profile id ("iam-" + id);
// a user's id (CofferId-…) is already its iam_id and is returned unchanged.
func IAMIDOf(id string) string {
	if strings.HasPrefix(id, PrefixUser) {
		return id
	}
	return PrefixIAM + id
}

// ParseIAMID returns the kind of subject iamID names and its id: the
// ServiceId-/Profile- id, the CofferId, or the CRN of a "crn-" identity.
// It returns an error wrapping api.ErrInvalid for anything else.
func ParseIAMID(iamID string) (SubjectKind, string, error) {
	switch {
	case strings.HasPrefix(iamID, PrefixUser):
		return SubjectUser, iamID, CheckID(PrefixUser, iamID)
	case strings.HasPrefix(iamID, PrefixIAM+PrefixServiceID):
		id := iamID[len(PrefixIAM):]
		return SubjectServiceID, id, CheckID(PrefixServiceID, id)
	case strings.HasPrefix(iamID, PrefixIAM+PrefixProfile):
		id := iamID[len(PrefixIAM):]
		return SubjectProfile, id, CheckID(PrefixProfile, id)
	case strings.HasPrefix(iamID, PrefixCRNIAMID):
		c, err := ParseCRN(iamID[len(PrefixCRNIAMID):])
		return SubjectCRN, c.String(), err
	}
	return "", "", api.Errorf(api.ErrInvalid, "iam_id has an unknown form")
}

// NewAPIKeyValue returns a fresh API key value: 44 URL-safe characters
// holding 264 random bits. Store only HashAPIKey of it.
func NewAPIKeyValue() api.Sensitive {
	var b [apiKeyValueLen * 3 / 4]byte
	rand.Read(b[:])
	return api.Sensitive(base64.RawURLEncoding.EncodeToString(b[:]))
}

// HashAPIKey returns HMAC-SHA-256(pepper, value), the lookup key under which
// an API key is stored. pepper is a server secret of at least 32 bytes kept
// outside the database, so a stolen database does not allow offline guessing.
func HashAPIKey(pepper []byte, value string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(value))
	return m.Sum(nil)
}

// newRandomUUID returns a random (version 4) UUID in lowercase.
func newRandomUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// validUUID reports whether s is a UUID in canonical lowercase form.
func validUUID(s string) bool {
	if len(s) != uuidLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isLowerHex(s[i : i+1]) {
				return false
			}
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// CRN is a Cloud Resource Name:
// crn:v1:{cname}:{ctype}:{service-name}:{location}:{scope}:{service-instance}:{resource-type}:{resource}.
// Empty fields stay empty ("::"). Coffer's own CRNs have CName CloudName and
// CType CloudType; Scope is "a/<account id>" for account-scoped resources.
type CRN struct {
	CName           string
	CType           string
	Service         string
	Location        string
	Scope           string
	ServiceInstance string
	ResourceType    string
	Resource        string
}

// ParseCRN parses s, which must have exactly 10 colon-separated fields
// starting with "crn" and "v1", a non-empty cname, ctype and service name,
// a scope that is empty or "<a|o|s|p>/<value>", and only printable ASCII
// without spaces. Errors wrap api.ErrInvalid and name the failing rule.
func ParseCRN(s string) (CRN, error) {
	if len(s) > maxCRNLen {
		return CRN{}, api.Errorf(api.ErrInvalid, "crn longer than %d characters", maxCRNLen)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return CRN{}, api.Errorf(api.ErrInvalid, "crn holds a space, control or non-ASCII character")
		}
	}
	f := strings.Split(s, ":")
	if len(f) != crnFieldCount {
		return CRN{}, api.Errorf(api.ErrInvalid, "crn must have %d colon-separated fields, not %d", crnFieldCount, len(f))
	}
	if f[0] != "crn" || f[1] != "v1" {
		return CRN{}, api.Errorf(api.ErrInvalid, `crn must start with "crn:v1:"`)
	}
	c := CRN{CName: f[2], CType: f[3], Service: f[4], Location: f[5], Scope: f[6],
		ServiceInstance: f[7], ResourceType: f[8], Resource: f[9]}
	if c.CName == "" || c.CType == "" || c.Service == "" {
		return CRN{}, api.Errorf(api.ErrInvalid, "crn needs a cloud name, cloud type and service name")
	}
	if c.Scope != "" && !validCRNScope(c.Scope) {
		return CRN{}, api.Errorf(api.ErrInvalid, `crn scope must be empty or "a/<account id>" (or o/, s/, p/)`)
	}
	return c, nil
}

func validCRNScope(s string) bool {
	kind, v, ok := strings.Cut(s, "/")
	return ok && v != "" && !strings.Contains(v, "/") && (kind == "a" || kind == "o" || kind == "s" || kind == "p")
}

// String returns the CRN in its colon-separated form; for a CRN from
// ParseCRN it is the parsed string.
func (c CRN) String() string {
	return strings.Join([]string{"crn", "v1", c.CName, c.CType, c.Service, c.Location,
		c.Scope, c.ServiceInstance, c.ResourceType, c.Resource}, ":")
}

// Account returns the account id of an "a/<account>" scope, or "".
func (c CRN) Account() string {
	if v, ok := strings.CutPrefix(c.Scope, "a/"); ok {
		return v
	}
	return ""
}

// IdentityCRN returns the CRN of an IAM Identity object of Coffer:
// crn:v1:coffer:public:iam-identity::a/<account>::<resourceType>:<id>, with
// resourceType "serviceid", "apikey", "profile" or "computeresource".
func IdentityCRN(account, resourceType, id string) CRN {
	return CRN{CName: CloudName, CType: CloudType, Service: identityService,
		Scope: "a/" + account, ResourceType: resourceType, Resource: id}
}
