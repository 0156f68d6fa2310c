package federation

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/store"
)

// maxIDLen bounds the resource id derived from a token for the authn claim.
const maxIDLen = 200

// audienceAllowed reports whether aud (a string or an array of strings)
// holds one of allowed.
func audienceAllowed(aud json.RawMessage, allowed []string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return slices.Contains(allowed, one)
	}
	var many []string
	if json.Unmarshal(aud, &many) != nil {
		return false
	}
	return slices.ContainsFunc(many, func(a string) bool { return slices.Contains(allowed, a) })
}

// checkLifetime refuses a token without iat or one meant to live longer
// than its type allows. VerifyWith has already checked that exp and iat
// are valid dates.
func checkLifetime(raw map[string]json.RawMessage, crType string) error {
	var exp, iat float64
	if json.Unmarshal(raw["iat"], &iat) != nil {
		return api.Errorf(api.ErrUnauthenticated, "token has no iat claim")
	}
	json.Unmarshal(raw["exp"], &exp)
	limit := MaxOIDCTokenLifetime
	if crType != api.CRTypeOIDC {
		limit = MaxKubernetesTokenLifetime
	}
	life := time.Duration(math.Round(exp-iat)) * time.Second
	if life > limit {
		return api.Errorf(api.ErrUnauthenticated, "token lifetime (exp - iat) is %v; %s tokens may live at most %v "+
			"(for Kubernetes, set expirationSeconds to 3600 or less on the projected token)", life, crType, limit)
	}
	return nil
}

// decodeClaims JSON-decodes every claim, for claim rules.
func decodeClaims(raw map[string]json.RawMessage) map[string]any {
	claims := make(map[string]any, len(raw)+8)
	for name, v := range raw {
		var x any
		if json.Unmarshal(v, &x) == nil {
			claims[name] = x
		}
	}
	return claims
}

// kubernetesClaims are the claims of a Kubernetes bound service-account
// token (TokenRequest API).
type kubernetesClaims struct {
	Sub string `json:"sub"`
	K8s struct {
		Namespace      string `json:"namespace"`
		ServiceAccount struct {
			Name string `json:"name"`
			UID  string `json:"uid"`
		} `json:"serviceaccount"`
		Pod struct {
			Name string `json:"name"`
			UID  string `json:"uid"`
		} `json:"pod"`
	} `json:"kubernetes.io"`
}

// kubernetesIdentity builds the IKS_SA or ROKS_SA identity of a verified
// Kubernetes token: the issuer's cluster CRN, the namespace and service
// account from the kubernetes.io claim, which must agree with sub
// (system:serviceaccount:NS:SA). Rules see every claim of the token plus
// IBM's attribute names: namespace, name, pod, service_instance (the
// cluster id), crn and location.
func kubernetesIdentity(iss *store.FederationIssuer, raw map[string]json.RawMessage) (*identity.VerifiedCR, error) {
	var c kubernetesClaims
	payload, _ := json.Marshal(raw)
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, api.Errorf(api.ErrUnauthenticated, "token claims are not those of a Kubernetes service account token")
	}
	ns, sa := c.K8s.Namespace, c.K8s.ServiceAccount.Name
	if ns == "" || sa == "" || c.Sub != "system:serviceaccount:"+ns+":"+sa {
		return nil, api.Errorf(api.ErrUnauthenticated, "token is not a Kubernetes service account token: "+
			"it needs sub system:serviceaccount:NAMESPACE:NAME matching its kubernetes.io claim")
	}
	crn, _ := identity.ParseCRN(iss.ClusterCRN)
	claims := decodeClaims(raw)
	for k, v := range map[string]string{"namespace": ns, "name": sa, "pod": c.K8s.Pod.Name,
		"service_instance": crn.ServiceInstance, "crn": iss.ClusterCRN, "location": crn.Location} {
		claims[k] = v
	}
	id := identity.CRIdentity{Type: iss.CRType, CRN: iss.ClusterCRN, Namespace: ns, Name: sa, Claims: claims}
	return &identity.VerifiedCR{Identity: id, AccountID: iss.AccountID,
		Subject: "tok2iks1:" + ns + ":" + sa + ":" + c.K8s.Pod.Name,
		ID:      resourceID(iss.ID, ns+"/"+sa), Name: sa}, nil
}

// oidcIdentity builds the OIDC identity of a verified token of a generic
// issuer (GitHub Actions, GitLab...): no CRN, so only claim rules match,
// on any of its top-level claims (repository, ref, workflow, actor,
// environment, project_path...) and, through dotted names, nested ones.
func oidcIdentity(iss *store.FederationIssuer, raw map[string]json.RawMessage) (*identity.VerifiedCR, error) {
	var sub string
	if json.Unmarshal(raw["sub"], &sub) != nil || sub == "" {
		return nil, api.Errorf(api.ErrUnauthenticated, "token has no sub claim")
	}
	id := identity.CRIdentity{Type: api.CRTypeOIDC, Claims: decodeClaims(raw)}
	return &identity.VerifiedCR{Identity: id, AccountID: iss.AccountID, Subject: short(sub),
		ID: resourceID(iss.ID, sub), Name: short(sub)}, nil
}

// resourceID is the id of a federated resource in the authn claim's CRN:
// the issuer id and the resource's own name, with every character a CRN
// field cannot hold (':' above all) replaced by '_'.
func resourceID(issuerID, name string) string {
	s := issuerID + "/" + strings.Map(func(r rune) rune {
		if r > ' ' && r <= '~' && r != ':' {
			return r
		}
		return '_'
	}, name)
	if len(s) > maxIDLen {
		s = s[:maxIDLen]
	}
	return s
}
