package api

import "strings"

// This file holds the wire types of Coffer's compute runtime API
// (/coffer/v1/compute/projects/...): Code Engine style projects, their
// applications and jobs, and the CR tokens minted for them.
//
// CRNs follow Code Engine's layout with Coffer's cloud name: a project is
// crn:v1:coffer:public:codeengine:REGION:a/ACCOUNT:PROJECT_GUID:: and a
// component adds its type and name:
// crn:v1:coffer:public:codeengine:REGION:a/ACCOUNT:PROJECT_GUID:application:APP
// (or :job:JOB). Trusted-profile links of type CE name the project CRN and
// the component's type and name.

// Component types of the compute runtime.
const (
	ComponentApplication = "application"
	ComponentJob         = "job"
)

// Actions of the compute runtime (service codeengine).
const (
	ActionProjectCreate = "codeengine.project.create"
	ActionProjectGet    = "codeengine.project.get"
	ActionProjectList   = "codeengine.project.list"
	ActionProjectDelete = "codeengine.project.delete"
	ActionAppCreate     = "codeengine.app.create"
	ActionAppGet        = "codeengine.app.get"
	ActionAppList       = "codeengine.app.list"
	ActionAppUpdate     = "codeengine.app.update"
	ActionAppDelete     = "codeengine.app.delete"
	ActionAppRun        = "codeengine.app.run"
	ActionJobCreate     = "codeengine.job.create"
	ActionJobGet        = "codeengine.job.get"
	ActionJobList       = "codeengine.job.list"
	ActionJobUpdate     = "codeengine.job.update"
	ActionJobDelete     = "codeengine.job.delete"
	ActionJobRun        = "codeengine.job.run"
)

// ComputeProject is a project of the compute runtime. ID is its GUID.
type ComputeProject struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	AccountID string `json:"account_id"`
	Region    string `json:"region"`
	CRN       string `json:"crn"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// CreateComputeProjectRequest is the body of POST /coffer/v1/compute/projects.
// Region defaults to the server's region.
type CreateComputeProjectRequest struct {
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
}

// ComputeProjectList is a page of projects; Next is the page token of the
// next page, "" on the last.
type ComputeProjectList struct {
	Projects []ComputeProject `json:"projects"`
	Next     string           `json:"next,omitempty"`
}

// ComputeComponent is an application or a job. Command and Arguments are
// the argv the runner starts (`coffer ce app run`); Env holds plain
// configuration values, never secrets (apps read those from Secrets Manager
// with their trusted profile). TrustedProfilesEnabled allows CR tokens to be
// minted for the component; TrustedProfile is the profile its runner
// announces to the app (IAM_PROFILE_NAME), if any.
type ComputeComponent struct {
	ID                     string            `json:"id"`
	Name                   string            `json:"name"`
	Type                   string            `json:"type"`
	ProjectID              string            `json:"project_id"`
	ProjectName            string            `json:"project_name"`
	AccountID              string            `json:"account_id"`
	Region                 string            `json:"region"`
	CRN                    string            `json:"crn"`
	Image                  string            `json:"image,omitempty"`
	Command                []string          `json:"command"`
	Arguments              []string          `json:"arguments"`
	Env                    map[string]string `json:"env"`
	TrustedProfilesEnabled bool              `json:"trusted_profiles_enabled"`
	TrustedProfile         string            `json:"trusted_profile,omitempty"`
	Revision               int64             `json:"revision"`
	CreatedAt              string            `json:"created_at"`
	UpdatedAt              string            `json:"updated_at"`
}

// CreateComputeComponentRequest is the body of POST .../apps and .../jobs.
// Setting TrustedProfile enables trusted profiles.
type CreateComputeComponentRequest struct {
	Name                   string            `json:"name"`
	Image                  string            `json:"image,omitempty"`
	Command                []string          `json:"command,omitempty"`
	Arguments              []string          `json:"arguments,omitempty"`
	Env                    map[string]string `json:"env,omitempty"`
	TrustedProfilesEnabled bool              `json:"trusted_profiles_enabled,omitempty"`
	TrustedProfile         string            `json:"trusted_profile,omitempty"`
}

// UpdateComputeComponentRequest is the body of PATCH .../apps/{app} and
// .../jobs/{job}: nil fields stay as they are; Env replaces the whole
// environment. A non-empty TrustedProfile also enables trusted profiles
// unless TrustedProfilesEnabled says otherwise.
type UpdateComputeComponentRequest struct {
	Image                  *string            `json:"image,omitempty"`
	Command                *[]string          `json:"command,omitempty"`
	Arguments              *[]string          `json:"arguments,omitempty"`
	Env                    *map[string]string `json:"env,omitempty"`
	TrustedProfilesEnabled *bool              `json:"trusted_profiles_enabled,omitempty"`
	TrustedProfile         *string            `json:"trusted_profile,omitempty"`
}

// ComputeComponentList is a page of applications or jobs.
type ComputeComponentList struct {
	Components []ComputeComponent `json:"components"`
	Next       string             `json:"next,omitempty"`
}

// MintCRTokenRequest is the optional body of POST .../apps/{app}/token and
// .../jobs/{job}/token. TTLSeconds is the token's lifetime: 0 means the
// default (900 seconds); 60 to 3600 are allowed.
type MintCRTokenRequest struct {
	TTLSeconds int64 `json:"ttl_seconds,omitempty"`
}

// CRToken is a compute-resource token minted for a component: a JWT of the
// account's compute runtime issuer, audience "iam", subject the component
// CRN, to be exchanged at /identity/token with the cr-token grant.
// Expiration is in Unix seconds.
type CRToken struct {
	Token          WireSecret `json:"token"`
	ExpiresIn      int64      `json:"expires_in"`
	Expiration     int64      `json:"expiration"`
	CRN            string     `json:"crn"`
	TrustedProfile string     `json:"trusted_profile,omitempty"`
}

// IsCredentialEnvName reports whether an environment variable named name
// holds, by its name, a credential that must never reach a program started
// by `coffer ce app run`: every COFFER_ variable (the runner's API key,
// token and server settings), IBM Cloud API key variables (IBMCLOUD_API_KEY,
// IC_API_KEY, BLUEMIX_API_KEY and any name ending in APIKEY or API_KEY),
// names ending in _BEARER_TOKEN, _REFRESH_TOKEN, _ACCESS_TOKEN,
// _CLIENT_SECRET or _PASSWORD (IBM SDK external-configuration credentials),
// and the credential sources IBM SDKs read besides the environment:
// IBM_CREDENTIALS_FILE and VCAP_SERVICES. The comparison ignores case.
// The compute API refuses such names in a component's env, and the runner
// removes them from the environment it passes on.
func IsCredentialEnvName(name string) bool {
	n := strings.ToUpper(name)
	if strings.HasPrefix(n, "COFFER_") {
		return true
	}
	switch n {
	case "IBMCLOUD_API_KEY", "IC_API_KEY", "BLUEMIX_API_KEY", "IBM_CREDENTIALS_FILE", "VCAP_SERVICES",
		"IAM_TOKEN", "IC_IAM_TOKEN", "IC_IAM_REFRESH_TOKEN":
		return true
	}
	for _, suffix := range []string{"APIKEY", "API_KEY", "_BEARER_TOKEN", "_REFRESH_TOKEN", "_ACCESS_TOKEN",
		"_CLIENT_SECRET", "_PASSWORD"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}
