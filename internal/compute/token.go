package compute

import (
	"context"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/identity"
)

// Bounds of a CR token's lifetime.
const (
	MinTokenTTL = time.Minute
	MaxTokenTTL = time.Hour
)

// MintToken mints a CR token for the application or job name of project
// ref (codeengine.app.run or codeengine.job.run): a JWT of the account's
// compute runtime issuer whose subject is the component's CRN, valid for
// req.TTLSeconds (default DefaultTokenTTL). Errors: api.ErrInvalid with code
// "trusted_profiles_not_enabled" when the component's trusted profiles are
// disabled, api.ErrInvalid for a TTL outside 1 minute to 1 hour,
// api.ErrNotFound, api.ErrPermissionDenied (the caller may see the
// component but not run it), and the gate's.
func (s *Service) MintToken(ctx context.Context, cred authz.Credential, ref, typ, name string, req api.MintCRTokenRequest) (*api.CRToken, error) {
	proj, c, err := s.component(ctx, cred, ref, typ, name, func(a actions) string { return a.run })
	if err != nil {
		return nil, err
	}
	ttl := time.Duration(req.TTLSeconds) * time.Second
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	if ttl < MinTokenTTL || ttl > MaxTokenTTL {
		return nil, api.Errorf(api.ErrInvalid, "ttl_seconds must be between %d and %d", int(MinTokenTTL.Seconds()), int(MaxTokenTTL.Seconds()))
	}
	if !c.TrustedProfilesEnabled {
		return nil, api.Errorf(api.ErrInvalid, "trusted profiles are not enabled for Code Engine %s %q: run "+
			"`coffer ce %s update --name %s --trusted-profiles-enabled=true` first", actionsOf[typ].noun, name,
			cliNoun(typ), name).WithCode("trusted_profiles_not_enabled")
	}
	now := s.now()
	tok, err := s.minter.MintCRToken(ctx, proj.AccountID, identity.CRClaims{ProjectID: proj.GUID, ProjectName: proj.Name,
		ComponentType: c.Type, ComponentName: c.Name, Region: proj.Region}, ttl)
	if err != nil {
		return nil, err
	}
	return &api.CRToken{Token: api.WireSecret(tok.Reveal()), ExpiresIn: int64(ttl.Seconds()),
		Expiration: now.Add(ttl).Unix(), CRN: componentCRN(proj, c), TrustedProfile: c.TrustedProfile}, nil
}

func cliNoun(typ string) string {
	if typ == api.ComponentJob {
		return "job"
	}
	return "app"
}
