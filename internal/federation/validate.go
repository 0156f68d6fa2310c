package federation

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/store"
)

// Limits of a registration.
const (
	maxNameLen        = 128
	maxDescriptionLen = 1024
	maxURLLen         = 512
	maxAudiences      = 10
	maxAudienceLen    = 256
	maxStaticJWKS     = 64 << 10
)

// DefaultAudience is the audience of an issuer registered without any: the
// one IBM's documentation has Kubernetes pods request.
const DefaultAudience = identity.CRTokenAudience

// applyRequest checks req and writes it into row (a new row, or a stored
// one being replaced). Errors wrap api.ErrInvalid and say what is wrong.
func (r *Registry) applyRequest(row *store.FederationIssuer, req api.FederationIssuerRequest) error {
	if err := checkName(req.Name); err != nil {
		return err
	}
	if len(req.Description) > maxDescriptionLen {
		return api.Errorf(api.ErrInvalid, "description is longer than %d characters", maxDescriptionLen)
	}
	if err := checkIssuerURL(req.Issuer); err != nil {
		return err
	}
	if err := checkType(req.CRType, req.ClusterCRN, row.AccountID); err != nil {
		return err
	}
	auds, err := checkAudiences(req.Audiences)
	if err != nil {
		return err
	}
	src, err := r.keySource(req)
	if err != nil {
		return err
	}
	row.Name, row.Description, row.Issuer, row.CRType, row.ClusterCRN = req.Name, req.Description, req.Issuer, req.CRType, req.ClusterCRN
	row.JWKSSource, row.JWKSURI, row.StaticJWKS, row.Audiences = src.source, src.uri, src.static, auds
	return nil
}

func checkName(name string) error {
	if strings.TrimSpace(name) == "" || len(name) > maxNameLen || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return api.Errorf(api.ErrInvalid, "name must be 1 to %d printable characters", maxNameLen)
	}
	return nil
}

// checkIssuerURL: the exact iss of the tokens, an absolute http(s) URL
// without user info, query or fragment (OpenID Connect Discovery §3).
func checkIssuerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || len(s) > maxURLLen || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.Contains(s, "#") {
		return api.Errorf(api.ErrInvalid, "issuer must be the exact iss of the tokens: an https URL of at most %d "+
			"characters without query or fragment, such as https://token.actions.githubusercontent.com", maxURLLen)
	}
	return nil
}

// checkType: IKS_SA and ROKS_SA name their cluster by a CRN of the
// issuer's account; OIDC has none.
func checkType(crType, clusterCRN, account string) error {
	switch crType {
	case api.CRTypeIKSSA, api.CRTypeROKSSA:
		c, err := identity.ParseCRN(clusterCRN)
		if err != nil {
			return api.Errorf(api.ErrInvalid, "a %s issuer needs cluster_crn, the CRN its profile links name: %s", crType, api.Message(err))
		}
		if c.Account() != account {
			return api.Errorf(api.ErrInvalid, "cluster_crn must be of the issuer's account (scope a/%s)", account)
		}
	case api.CRTypeOIDC:
		if clusterCRN != "" {
			return api.Errorf(api.ErrInvalid, "an OIDC issuer has no cluster_crn")
		}
	default:
		return api.Errorf(api.ErrInvalid, "cr_type must be %s, %s or %s", api.CRTypeIKSSA, api.CRTypeROKSSA, api.CRTypeOIDC)
	}
	return nil
}

func checkAudiences(auds []string) ([]string, error) {
	if len(auds) == 0 {
		return []string{DefaultAudience}, nil
	}
	if len(auds) > maxAudiences {
		return nil, api.Errorf(api.ErrInvalid, "at most %d audiences", maxAudiences)
	}
	for _, a := range auds {
		if strings.TrimSpace(a) == "" || len(a) > maxAudienceLen {
			return nil, api.Errorf(api.ErrInvalid, "an audience must be 1 to %d characters", maxAudienceLen)
		}
	}
	return auds, nil
}

// keySource is where an issuer's keys come from.
type keySource struct{ source, uri, static string }

// keySource checks the one key source of req; an empty jwks_source is
// inferred from the fields given.
func (r *Registry) keySource(req api.FederationIssuerRequest) (keySource, error) {
	src := req.JWKSSource
	if src == "" {
		switch {
		case len(req.JWKS) > 0:
			src = api.JWKSSourceStatic
		case req.JWKSURI != "":
			src = api.JWKSSourceURI
		default:
			src = api.JWKSSourceDiscovery
		}
	}
	switch src {
	case api.JWKSSourceDiscovery:
		if req.JWKSURI != "" || len(req.JWKS) > 0 {
			return keySource{}, api.Errorf(api.ErrInvalid, "jwks_source discovery takes neither jwks_uri nor jwks")
		}
		if _, err := r.fetch.checkFetchURL(strings.TrimSuffix(req.Issuer, "/") + discoveryPath); err != nil {
			return keySource{}, api.Errorf(api.ErrInvalid, "discovery: %s", api.Message(err))
		}
		return keySource{source: src}, nil
	case api.JWKSSourceURI:
		if len(req.JWKS) > 0 || len(req.JWKSURI) > maxURLLen {
			return keySource{}, api.Errorf(api.ErrInvalid, "jwks_source jwks_uri takes a jwks_uri of at most %d characters and no jwks", maxURLLen)
		}
		if _, err := r.fetch.checkFetchURL(req.JWKSURI); err != nil {
			return keySource{}, api.Errorf(api.ErrInvalid, "jwks_uri: %s", api.Message(err))
		}
		return keySource{source: src, uri: req.JWKSURI}, nil
	case api.JWKSSourceStatic:
		return staticSource(req)
	}
	return keySource{}, api.Errorf(api.ErrInvalid, "jwks_source must be %s, %s or %s",
		api.JWKSSourceURI, api.JWKSSourceDiscovery, api.JWKSSourceStatic)
}

func staticSource(req api.FederationIssuerRequest) (keySource, error) {
	if req.JWKSURI != "" || len(req.JWKS) == 0 || len(req.JWKS) > maxStaticJWKS {
		return keySource{}, api.Errorf(api.ErrInvalid, "jwks_source static takes a jwks document of at most %d bytes and no jwks_uri", maxStaticJWKS)
	}
	if _, err := parseJWKS(req.JWKS); err != nil {
		return keySource{}, api.Errorf(api.ErrInvalid, "jwks: %s", api.Message(err))
	}
	return keySource{source: api.JWKSSourceStatic, static: string(req.JWKS)}, nil
}
