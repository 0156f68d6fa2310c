package api

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// This file holds the wire types of IBM's IAM Identity API v1 (/v1/serviceids,
// /v1/apikeys, /v1/profiles and their sub-resources) and of Coffer's own
// account and user API (/coffer/v1/accounts, /coffer/v1/users).
//
// Format (version 1 of IBM's IAM Identity API): JSON field names and the
// omission of empty optional fields follow IBM's responses exactly, so that
// IBM's SDKs decode Coffer's answers. Timestamps in IAM Identity bodies are
// strings in IdentityTimeLayout (minute precision, offset without a colon,
// e.g. "2024-04-12T19:00+0000"); the server formats them with
// FormatIdentityTime. Entity tags are opaque strings "<version>-<hash>" that
// clients send back in If-Match. List envelopes always carry their item
// array, empty rather than null: servers must not leave it nil.

// IdentityTimeLayout is the time layout of created_at, modified_at and
// expires_at in IAM Identity bodies.
const IdentityTimeLayout = "2006-01-02T15:04-0700"

// FormatIdentityTime formats t in IdentityTimeLayout, in UTC.
func FormatIdentityTime(t time.Time) string { return t.UTC().Format(IdentityTimeLayout) }

// ParseIdentityTime parses a time in IdentityTimeLayout. It returns an error
// wrapping ErrInvalid for any other format.
func ParseIdentityTime(s string) (time.Time, error) {
	t, err := time.Parse(IdentityTimeLayout, s)
	if err != nil {
		return time.Time{}, Errorf(ErrInvalid, "time %q is not in the format %s", s, IdentityTimeLayout)
	}
	return t, nil
}

// WireSecret is a secret that must travel on the wire: an API key value or a
// token in a response body. JSON encodes the value itself, but fmt and slog
// print REDACTED, so a logged request or response never shows it. Code that
// holds such a value outside a wire type keeps it as a Sensitive.
type WireSecret string

// Reveal returns the value itself.
func (s WireSecret) Reveal() string { return string(s) }

// Sensitive returns the value as a Sensitive.
func (s WireSecret) Sensitive() Sensitive { return Sensitive(s) }

func (s WireSecret) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (s WireSecret) GoString() string { return redacted }

// LogValue implements slog.LogValuer, so a logged struct holding a
// WireSecret never prints the value.
func (s WireSecret) LogValue() slog.Value { return slog.StringValue(redacted) }

// Format prints REDACTED for every verb, including %x and %d.
func (s WireSecret) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// Values of ProfileClaimRule.Type.
const (
	ClaimRuleTypeSAML = "Profile-SAML"
	ClaimRuleTypeCR   = "Profile-CR"
)

// Compute resource types (cr_type) of links and claim rules.
const (
	CRTypeVSI    = "VSI"
	CRTypePVS    = "PVS"
	CRTypeBMS    = "BMS"
	CRTypeIKSSA  = "IKS_SA"
	CRTypeROKSSA = "ROKS_SA"
	CRTypeCE     = "CE"
)

// Types of trusted-profile identities (ProfileIdentity.Type and the
// identity-type path segment).
const (
	ProfileIdentityUser      = "user"
	ProfileIdentityServiceID = "serviceid"
	ProfileIdentityCRN       = "crn"
)

// ResponseContext describes the request that produced a response.
type ResponseContext struct {
	TransactionID string `json:"transaction_id,omitempty"`
	Operation     string `json:"operation,omitempty"`
	UserAgent     string `json:"user_agent,omitempty"`
	URL           string `json:"url,omitempty"`
	InstanceID    string `json:"instance_id,omitempty"`
	ThreadID      string `json:"thread_id,omitempty"`
	Host          string `json:"host,omitempty"`
	StartTime     string `json:"start_time,omitempty"`
	EndTime       string `json:"end_time,omitempty"`
	ElapsedTime   string `json:"elapsed_time,omitempty"`
	ClusterName   string `json:"cluster_name,omitempty"`
}

// EntityHistoryRecord is one entry of an entity's history (IBM's model is
// spelled EnityHistoryRecord).
type EntityHistoryRecord struct {
	Timestamp    string   `json:"timestamp"`
	IAMID        string   `json:"iam_id"`
	IAMIDAccount string   `json:"iam_id_account"`
	Action       string   `json:"action"`
	Params       []string `json:"params"`
	Message      string   `json:"message"`
}

// Activity is an entity's authentication activity.
type Activity struct {
	LastAuthn  string `json:"last_authn,omitempty"`
	AuthnCount int64  `json:"authn_count"`
}

// ServiceID is an IAM service ID. APIKey is set only in the answer of a
// create that asked for a key.
type ServiceID struct {
	Context            *ResponseContext      `json:"context,omitempty"`
	ID                 string                `json:"id"`
	IAMID              string                `json:"iam_id"`
	EntityTag          string                `json:"entity_tag,omitempty"`
	CRN                string                `json:"crn"`
	Locked             bool                  `json:"locked"`
	CreatedAt          string                `json:"created_at,omitempty"`
	ModifiedAt         string                `json:"modified_at,omitempty"`
	AccountID          string                `json:"account_id"`
	GroupID            string                `json:"group_id,omitempty"`
	Name               string                `json:"name"`
	Description        string                `json:"description,omitempty"`
	UniqueInstanceCRNs []string              `json:"unique_instance_crns,omitempty"`
	History            []EntityHistoryRecord `json:"history,omitempty"`
	APIKey             *APIKey               `json:"apikey,omitempty"`
	Activity           *Activity             `json:"activity,omitempty"`
}

// APIKey is an IAM API key. IAMID is the identity the key authenticates
// (a user or a service ID), not the key's own id. APIKey (the value) is
// present only in the answer of a create, or for service ID keys created
// with store_value.
type APIKey struct {
	Context          *ResponseContext      `json:"context,omitempty"`
	ID               string                `json:"id"`
	EntityTag        string                `json:"entity_tag,omitempty"`
	CRN              string                `json:"crn"`
	Locked           bool                  `json:"locked"`
	Disabled         bool                  `json:"disabled"`
	CreatedAt        string                `json:"created_at,omitempty"`
	CreatedBy        string                `json:"created_by"`
	ModifiedAt       string                `json:"modified_at,omitempty"`
	Name             string                `json:"name"`
	SupportSessions  bool                  `json:"support_sessions,omitempty"`
	ActionWhenLeaked string                `json:"action_when_leaked,omitempty"`
	ExpiresAt        string                `json:"expires_at,omitempty"`
	Description      string                `json:"description,omitempty"`
	IAMID            string                `json:"iam_id"`
	AccountID        string                `json:"account_id"`
	APIKey           WireSecret            `json:"apikey,omitempty"`
	History          []EntityHistoryRecord `json:"history,omitempty"`
	Activity         *Activity             `json:"activity,omitempty"`
}

// TrustedProfile is an IAM trusted profile. Its rules, links and identities
// are separate resources.
type TrustedProfile struct {
	Context      *ResponseContext      `json:"context,omitempty"`
	ID           string                `json:"id"`
	EntityTag    string                `json:"entity_tag"`
	CRN          string                `json:"crn"`
	Name         string                `json:"name"`
	Description  string                `json:"description,omitempty"`
	Email        string                `json:"email,omitempty"`
	CreatedAt    string                `json:"created_at,omitempty"`
	ModifiedAt   string                `json:"modified_at,omitempty"`
	IAMID        string                `json:"iam_id"`
	AccountID    string                `json:"account_id"`
	TemplateID   string                `json:"template_id,omitempty"`
	AssignmentID string                `json:"assignment_id,omitempty"`
	IMSAccountID int64                 `json:"ims_account_id,omitempty"`
	IMSUserID    int64                 `json:"ims_user_id,omitempty"`
	History      []EntityHistoryRecord `json:"history,omitempty"`
	Activity     *Activity             `json:"activity,omitempty"`
}

// ProfileClaimRuleCondition is one condition of a claim rule. Value is a
// JSON value inside a string: `"\"dev\""` for a string, `"[\"a\",\"b\"]"`
// for IN.
type ProfileClaimRuleCondition struct {
	Claim    string `json:"claim"`
	Operator string `json:"operator"`
	Value    string `json:"value"`
}

// ProfileClaimRule is a claim rule of a trusted profile. Expiration (session
// seconds) is always present in responses.
type ProfileClaimRule struct {
	ID         string                      `json:"id"`
	EntityTag  string                      `json:"entity_tag"`
	CreatedAt  string                      `json:"created_at"`
	ModifiedAt string                      `json:"modified_at,omitempty"`
	Name       string                      `json:"name,omitempty"`
	Type       string                      `json:"type"`
	RealmName  string                      `json:"realm_name,omitempty"`
	Expiration int64                       `json:"expiration"`
	CRType     string                      `json:"cr_type,omitempty"`
	Conditions []ProfileClaimRuleCondition `json:"conditions"`
}

// ProfileLinkLink names the compute resource of a link: CRN always; for
// IKS_SA/ROKS_SA Namespace and Name (the service account); for CE
// ComponentType (application, job, function) and ComponentName.
type ProfileLinkLink struct {
	CRN           string `json:"crn"`
	Namespace     string `json:"namespace,omitempty"`
	Name          string `json:"name,omitempty"`
	ComponentType string `json:"component_type,omitempty"`
	ComponentName string `json:"component_name,omitempty"`
}

// ProfileLink links a trusted profile to a compute resource.
type ProfileLink struct {
	ID             string          `json:"id"`
	EntityTag      string          `json:"entity_tag"`
	CreatedAt      string          `json:"created_at"`
	ModifiedAt     string          `json:"modified_at,omitempty"`
	Name           string          `json:"name,omitempty"`
	CRType         string          `json:"cr_type"`
	IsCrossAccount bool            `json:"is_cross_account"`
	Link           ProfileLinkLink `json:"link"`
}

// ProfileIdentity is an identity trusted by a profile (IBM's
// ProfileIdentityResponse). IAMID is the identifier for users,
// "iam-ServiceId-…" for service IDs and "crn-<CRN>" for CRNs.
type ProfileIdentity struct {
	IAMID       string   `json:"iam_id"`
	Identifier  string   `json:"identifier"`
	Type        string   `json:"type"`
	Accounts    []string `json:"accounts,omitempty"`
	Description string   `json:"description,omitempty"`
}

// ProfileIdentitiesResponse is the set of identities trusted by a profile.
// EntityTag is the tag of the whole set, for If-Match on a PUT.
type ProfileIdentitiesResponse struct {
	EntityTag  string            `json:"entity_tag"`
	Identities []ProfileIdentity `json:"identities"`
}

// ServiceIDList is a page of service IDs. Next, Previous and First are full
// URLs; Next is empty on the last page.
type ServiceIDList struct {
	Context    *ResponseContext `json:"context,omitempty"`
	Offset     int64            `json:"offset"`
	Limit      int64            `json:"limit"`
	First      string           `json:"first,omitempty"`
	Previous   string           `json:"previous,omitempty"`
	Next       string           `json:"next,omitempty"`
	ServiceIDs []ServiceID      `json:"serviceids"`
}

// APIKeyList is a page of API keys (see ServiceIDList for paging).
type APIKeyList struct {
	Context  *ResponseContext `json:"context,omitempty"`
	Offset   int64            `json:"offset"`
	Limit    int64            `json:"limit"`
	First    string           `json:"first,omitempty"`
	Previous string           `json:"previous,omitempty"`
	Next     string           `json:"next,omitempty"`
	APIKeys  []APIKey         `json:"apikeys"`
}

// TrustedProfilesList is a page of trusted profiles (see ServiceIDList for
// paging).
type TrustedProfilesList struct {
	Context  *ResponseContext `json:"context,omitempty"`
	Offset   int64            `json:"offset"`
	Limit    int64            `json:"limit"`
	First    string           `json:"first,omitempty"`
	Previous string           `json:"previous,omitempty"`
	Next     string           `json:"next,omitempty"`
	Profiles []TrustedProfile `json:"profiles"`
}

// ProfileClaimRuleList is every claim rule of a profile (not paged).
type ProfileClaimRuleList struct {
	Context *ResponseContext   `json:"context,omitempty"`
	Rules   []ProfileClaimRule `json:"rules"`
}

// ProfileLinkList is every link of a profile (not paged).
type ProfileLinkList struct {
	Links []ProfileLink `json:"links"`
}

// CreateServiceIDAPIKey is the optional API key of a service ID create
// (IBM's ApiKeyInsideCreateServiceIdRequest).
type CreateServiceIDAPIKey struct {
	Name             string     `json:"name"`
	Description      string     `json:"description,omitempty"`
	APIKey           WireSecret `json:"apikey,omitempty"`
	StoreValue       bool       `json:"store_value,omitempty"`
	ActionWhenLeaked string     `json:"action_when_leaked,omitempty"`
	ExpiresAt        string     `json:"expires_at,omitempty"`
}

// CreateServiceIDRequest is the body of POST /v1/serviceids/.
type CreateServiceIDRequest struct {
	AccountID          string                 `json:"account_id"`
	Name               string                 `json:"name"`
	GroupID            string                 `json:"group_id,omitempty"`
	Description        string                 `json:"description,omitempty"`
	UniqueInstanceCRNs []string               `json:"unique_instance_crns,omitempty"`
	APIKey             *CreateServiceIDAPIKey `json:"apikey,omitempty"`
}

// UpdateServiceIDRequest is the body of PUT /v1/serviceids/{id}. A nil field
// is left unchanged; a pointer to "" (or to an empty slice) clears it.
type UpdateServiceIDRequest struct {
	Name               *string   `json:"name,omitempty"`
	Description        *string   `json:"description,omitempty"`
	UniqueInstanceCRNs *[]string `json:"unique_instance_crns,omitempty"`
}

// CreateAPIKeyRequest is the body of POST /v1/apikeys. APIKey optionally
// carries the caller's own value (at least 32 characters, unique).
// ActionWhenLeaked is none, disable or delete.
type CreateAPIKeyRequest struct {
	Name             string     `json:"name"`
	IAMID            string     `json:"iam_id"`
	Description      string     `json:"description,omitempty"`
	AccountID        string     `json:"account_id,omitempty"`
	APIKey           WireSecret `json:"apikey,omitempty"`
	StoreValue       bool       `json:"store_value,omitempty"`
	SupportSessions  bool       `json:"support_sessions,omitempty"`
	ActionWhenLeaked string     `json:"action_when_leaked,omitempty"`
	ExpiresAt        string     `json:"expires_at,omitempty"`
}

// UpdateAPIKeyRequest is the body of PUT /v1/apikeys/{id}. A nil field is
// left unchanged; a pointer to "" clears it.
type UpdateAPIKeyRequest struct {
	Name             *string `json:"name,omitempty"`
	Description      *string `json:"description,omitempty"`
	SupportSessions  *bool   `json:"support_sessions,omitempty"`
	ActionWhenLeaked *string `json:"action_when_leaked,omitempty"`
	ExpiresAt        *string `json:"expires_at,omitempty"`
}

// CreateProfileRequest is the body of POST /v1/profiles.
type CreateProfileRequest struct {
	Name        string `json:"name"`
	AccountID   string `json:"account_id"`
	Description string `json:"description,omitempty"`
	Email       string `json:"email,omitempty"`
}

// UpdateProfileRequest is the body of PUT /v1/profiles/{profile-id}. A nil
// field is left unchanged; a pointer to "" clears it.
type UpdateProfileRequest struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Email       *string `json:"email,omitempty"`
}

// CreateClaimRuleRequest is the body of POST /v1/profiles/{profile-id}/rules
// and of the PUT that replaces a rule. Profile-CR rules need CRType and must
// not carry RealmName or Expiration; Profile-SAML rules need RealmName.
type CreateClaimRuleRequest struct {
	Type       string                      `json:"type"`
	Conditions []ProfileClaimRuleCondition `json:"conditions"`
	Name       string                      `json:"name,omitempty"`
	RealmName  string                      `json:"realm_name,omitempty"`
	CRType     string                      `json:"cr_type,omitempty"`
	Expiration int64                       `json:"expiration,omitempty"`
	Context    *ResponseContext            `json:"context,omitempty"`
}

// UpdateClaimRuleRequest is the body of PUT
// /v1/profiles/{profile-id}/rules/{rule-id}: a full replace.
type UpdateClaimRuleRequest = CreateClaimRuleRequest

// CreateProfileLinkRequest is the body of POST /v1/profiles/{profile-id}/links.
type CreateProfileLinkRequest struct {
	CRType         string          `json:"cr_type"`
	Link           ProfileLinkLink `json:"link"`
	Name           string          `json:"name,omitempty"`
	IsCrossAccount bool            `json:"is_cross_account,omitempty"`
}

// ProfileIdentityRequest is one identity to trust: the body of POST
// /v1/profiles/{profile-id}/identities/{identity-type} and an element of
// SetProfileIdentitiesRequest. Accounts is for users only.
type ProfileIdentityRequest struct {
	Identifier  string   `json:"identifier"`
	Type        string   `json:"type"`
	Accounts    []string `json:"accounts,omitempty"`
	Description string   `json:"description,omitempty"`
}

// SetProfileIdentitiesRequest is the body of PUT
// /v1/profiles/{profile-id}/identities; it replaces the whole set.
type SetProfileIdentitiesRequest struct {
	Identities []ProfileIdentityRequest `json:"identities"`
}

// Account is a Coffer account (/coffer/v1/accounts). State is "ACTIVE" or
// "SUSPENDED"; OwnerIAMID is its first administrator.
type Account struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	State      string    `json:"state"`
	OwnerIAMID string    `json:"owner_iam_id"`
	CreatedAt  time.Time `json:"created_at"`
}

// CreateAccountRequest is the body of POST /coffer/v1/accounts. The account
// gets an administrator user named AdminName and an API key for it.
type CreateAccountRequest struct {
	Name       string `json:"name"`
	AdminName  string `json:"admin_name"`
	AdminEmail string `json:"admin_email,omitempty"`
}

// CreateAccountResponse is the answer of POST /coffer/v1/accounts. The API
// key's value is shown here once.
type CreateAccountResponse struct {
	Account Account `json:"account"`
	Admin   User    `json:"admin"`
	APIKey  APIKey  `json:"apikey"`
}

// User is a user of an account (/coffer/v1/users). State is "ACTIVE" or
// "SUSPENDED".
type User struct {
	IAMID     string    `json:"iam_id"`
	AccountID string    `json:"account_id"`
	Name      string    `json:"name"`
	Email     string    `json:"email,omitempty"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateUserRequest is the body of POST /coffer/v1/users.
type CreateUserRequest struct {
	AccountID string `json:"account_id"`
	Name      string `json:"name"`
	Email     string `json:"email,omitempty"`
}

// UserList is a page of users. Next is an opaque page token, passed back as
// the pagetoken query parameter; empty on the last page.
type UserList struct {
	Users []User `json:"users"`
	Next  string `json:"next,omitempty"`
}

// AccountList is a page of accounts (see UserList for paging).
type AccountList struct {
	Accounts []Account `json:"accounts"`
	Next     string    `json:"next,omitempty"`
}
