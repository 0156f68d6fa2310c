package identity

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

const detailsAPIKeyExpired = "The API key has expired and cannot be used to log in."

// APIKeyExpiredError is the answer for an API key past its expires_at: the
// BXNIM0415E family (400) with details saying so.
func APIKeyExpiredError() *TokenError {
	return &TokenError{Status: 400, Code: CodeAPIKeyNotFound, Message: msgAPIKeyNotFound, Details: detailsAPIKeyExpired}
}

// signedClaims are the claims Coffer signs: IBM's, plus apikey_id naming
// the API key a login used, so that deleting or disabling the key ends the
// tokens it gave (IBM's SDKs ignore unknown claims).
type signedClaims struct {
	Claims
	APIKeyID string `json:"apikey_id,omitempty"`
}

// Token serves POST /identity/token for a request parsed by
// ParseTokenRequest: the apikey, refresh_token, cr-token and assume grants.
// Refused credentials and inputs are *TokenError values with IBM's BXNIM
// codes (HTTP 400); other errors are the store's or api.ErrSealed. The
// response never appears in logs (TokenResponse redacts itself).
//
// Every request, granted or refused, is written to the audit trail (action
// iam-identity.token.create, with the grant type); if the event cannot be
// written, no token is issued.
func (s *Service) Token(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	resp, err := s.grant(ctx, req)
	if s.gate == nil {
		return resp, err
	}
	l := authz.Login{Action: ActionTokenCreate, Details: map[string]string{"grant_type": req.GrantType}}
	if err != nil {
		l.Reason = "refused: " + api.Message(err)
	} else if c := resp.claims; c != nil {
		l.Allowed, l.IAMID, l.AccountID = true, c.IAMID, c.Account.BSS
		l.Kind, l.APIKeyID = principalKind(c), resp.apiKeyID
		if c.SubType == string(SubjectProfile) {
			l.ProfileID = c.Identifier
		}
	}
	if aerr := s.gate.RecordLogin(ctx, l); aerr != nil {
		return nil, aerr
	}
	return resp, err
}

// ActionTokenCreate is the audit action of a token request.
const ActionTokenCreate = "iam-identity.token.create"

// principalKind is the principal kind of a token's subject.
func principalKind(c *Claims) string {
	switch c.SubType {
	case string(SubjectServiceID):
		return KindServiceID
	case string(SubjectProfile):
		return KindProfile
	}
	return KindUser
}

// grant dispatches a token request to its grant.
func (s *Service) grant(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	switch req.GrantType {
	case GrantAPIKey:
		return s.apiKeyGrant(ctx, req)
	case GrantRefreshToken:
		return s.refreshGrant(ctx, req)
	case GrantCRToken:
		return s.crTokenGrant(ctx, req)
	case GrantAssume:
		return s.assumeGrant(ctx, req)
	}
	return nil, UnsupportedGrantTypeError(req.GrantType)
}

// apiKeyGrant exchanges an API key for an access token and a refresh token.
func (s *Service) apiKeyGrant(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	h, err := s.HashKey(ctx, req.APIKey.Reveal())
	if err != nil {
		return nil, err
	}
	k, err := s.st.APIKeyByHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, APIKeyNotFoundError()
	}
	if err != nil {
		return nil, err
	}
	return s.loginWithKey(ctx, req, k, "")
}

// loginWithKey issues the tokens of a login with the API key k, after
// checking k and its owner. family is the refresh token family to continue
// ("" starts one).
func (s *Service) loginWithKey(ctx context.Context, req *TokenRequest, k *store.APIKey, family string) (*TokenResponse, error) {
	if te := keyProblem(k, s.now()); te != nil {
		return nil, te
	}
	subj, err := s.lookupSubject(ctx, k.AccountID, k.IAMID)
	if errors.Is(err, errBadCredential) {
		return nil, APIKeyNotFoundError()
	}
	if err != nil {
		return nil, err
	}
	c, err := s.subjectClaims(subj, s.claimsParams(req, subj.accountID, GrantAPIKey))
	if err != nil {
		return nil, err
	}
	access, err := s.sign(ctx, signedClaims{Claims: c, APIKeyID: k.ID})
	if err != nil {
		return nil, err
	}
	refresh, err := s.issueRefreshToken(ctx, k, family)
	if err != nil {
		return nil, err
	}
	resp := NewTokenResponse(access, refresh.Reveal(), &c)
	resp.apiKeyID = k.ID
	return &resp, nil
}

// claimsParams returns the parameters of a token for account.
func (s *Service) claimsParams(req *TokenRequest, account, grant string) ClaimsParams {
	return ClaimsParams{Issuer: s.Issuer(), Account: account, GrantType: grant, Now: s.now(),
		Lifetime: DefaultTokenLifetime, ClientID: req.ClientID}
}

// subjectClaims returns the claims of a user or service ID.
func (s *Service) subjectClaims(subj *subject, p ClaimsParams) (Claims, error) {
	switch subj.kind {
	case SubjectUser:
		return UserClaims(p, subj.iamID, subj.name, subj.email)
	case SubjectServiceID:
		return ServiceIDClaims(p, subj.id, subj.name)
	}
	return Claims{}, api.Errorf(api.ErrInvalid, "only users and service IDs log in with API keys")
}

// sign signs claims with the current signing key.
func (s *Service) sign(ctx context.Context, claims any) (string, error) {
	key, err := s.signingKeys.signer(ctx)
	if err != nil {
		return "", err
	}
	return Sign(key, claims)
}

// invalidToken turns a verification failure into BXNIM0407E, keeping
// errors that are not about the token (sealed, store down) as they are.
func invalidToken(err error, what string) error {
	var te *TokenError
	if errors.As(err, &te) {
		return te
	}
	if errors.Is(err, api.ErrUnauthenticated) || errors.Is(err, api.ErrInvalid) {
		return InvalidTokenError(what + ": " + api.Message(err))
	}
	return err
}

// assumeGrant exchanges the token of a user or service ID for a token of a
// trusted profile that lists it among its identities, in the same account.
// A refresh token may stand for the access token; it is checked, not used
// up. No refresh token is issued.
func (s *Service) assumeGrant(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	caller, err := s.assumer(ctx, req)
	if err != nil {
		return nil, err
	}
	prof, err := s.assumeProfile(ctx, req)
	if err != nil {
		return nil, err
	}
	if prof == nil || prof.AccountID != caller.accountID {
		id := req.ProfileID
		if prof != nil {
			id = prof.ID
		}
		return nil, ProfileNotEligibleError(caller.iamID, IAMIDOf(id))
	}
	ids, err := s.st.ListProfileIdentities(ctx, prof.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if id.IAMID == caller.iamID && (id.Type == api.ProfileIdentityUser || id.Type == api.ProfileIdentityServiceID) {
			authn := AuthnClaim{Sub: caller.sub(), IAMID: caller.iamID, SubType: caller.subType(), Name: caller.name}
			return s.profileToken(ctx, req, prof, GrantAssume, authn)
		}
	}
	return nil, ProfileNotEligibleError(caller.iamID, prof.IAMID)
}

func (subj *subject) sub() string {
	if subj.kind == SubjectUser && subj.email != "" {
		return subj.email
	}
	return subj.id
}

func (subj *subject) subType() string {
	if subj.kind == SubjectUser {
		return ""
	}
	return string(subj.kind)
}

// assumer returns the user or service ID whose access or refresh token the
// assume request carries.
func (s *Service) assumer(ctx context.Context, req *TokenRequest) (*subject, error) {
	var subj *subject
	if req.AccessToken != "" {
		c, keyID, err := s.verifyAccessToken(ctx, req.AccessToken.Reveal())
		if err != nil {
			return nil, invalidToken(err, "The access token was refused")
		}
		if _, err := s.principalOfClaims(ctx, c, keyID); err != nil {
			return nil, invalidToken(err, "The identity of the access token can no longer log in")
		}
		if subj, err = s.lookupSubject(ctx, c.Account.BSS, c.IAMID); err != nil {
			return nil, invalidToken(err, "The identity of the access token can no longer log in")
		}
	} else {
		rt, err := s.usableRefreshToken(ctx, req.RefreshToken.Reveal())
		if err != nil {
			return nil, err
		}
		k, err := s.st.APIKey(ctx, rt.APIKeyID)
		if err != nil || keyProblem(k, s.now()) != nil {
			return nil, RefreshTokenInvalidError("The API key of this login can no longer log in.")
		}
		if subj, err = s.lookupSubject(ctx, rt.AccountID, rt.IAMID); err != nil {
			return nil, RefreshTokenInvalidError("The identity of this login can no longer log in.")
		}
	}
	if subj.kind != SubjectUser && subj.kind != SubjectServiceID {
		return nil, InvalidTokenError("Only users and service IDs may assume a trusted profile.")
	}
	return subj, nil
}

// assumeProfile finds the profile by CRN, id, or name and account (in that
// priority, as the SDKs send them); nil when there is none.
func (s *Service) assumeProfile(ctx context.Context, req *TokenRequest) (*store.Profile, error) {
	var p *store.Profile
	var err error
	switch {
	case req.ProfileCRN != "":
		id := profileIDOfCRN(req.ProfileCRN)
		if id == "" {
			return nil, InvalidPropertyError("profile_crn", "is not the CRN of a trusted profile")
		}
		p, err = s.st.Profile(ctx, id)
	case req.ProfileID != "":
		p, err = s.st.Profile(ctx, req.ProfileID)
	default:
		p, err = s.st.ProfileByName(ctx, req.Account, req.ProfileName)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return p, err
}
