package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func TestParseRoleID(t *testing.T) {
	tests := []struct {
		in   string
		want Role
	}{
		{"crn:v1:coffer:public:iam::::role:Viewer", RoleViewer},
		{"crn:v1:bluemix:public:iam::::role:Administrator", RoleAdministrator},
		{"crn:v1:coffer:public:iam::::serviceRole:Reader", RoleReader},
		{"crn:v1:bluemix:public:iam::::serviceRole:Manager", RoleManager},
		{"crn:v1:bluemix:public:secrets-manager::::serviceRole:Reader", RoleReader},
		{"crn:v1:coffer:public:secrets-manager::::serviceRole:Writer", RoleWriter},
		{"crn:v1:bluemix:public:secrets-manager::::serviceRole:SecretsReader", RoleSecretsReader},
		{"crn:v1:coffer:public:secrets-manager::::serviceRole:SecretTaskUpdater", RoleSecretTaskUpdater},
		{"crn:v1:bluemix:public:secrets-manager::::role:Operator", RoleOperator},
	}
	for _, tt := range tests {
		got, err := ParseRoleID(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseRoleID(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRoleIDErrors(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"", "is not a CRN"},
		{"Viewer", "is not a CRN"},
		{"crn:v2:coffer:public:iam::::role:Viewer", "is not a CRN"},
		{"crn:v1:coffer:private:iam::::role:Viewer", "cloud must be"},
		{"crn:v1:ibmcloud:public:iam-access-management::a/acct::customRole:Mine", "cloud must be"},
		{"crn:v1:coffer:public:iam:us-south:::role:Viewer", "must be empty"},
		{"crn:v1:coffer:public:kms::::serviceRole:Reader", "unknown role service"},
		{"crn:v1:coffer:public:iam::::serviceRole:Viewer", "is a platform role"},
		{"crn:v1:coffer:public:iam::::role:Reader", "is a service role"},
		{"crn:v1:coffer:public:iam::::serviceRole:SecretsReader", "is defined by secrets-manager"},
		{"crn:v1:coffer:public:iam::::role:viewer", "unknown role"},
		{"crn:v1:coffer:public:iam::::role:AuthorizationDelegator", "unknown role"},
	}
	for _, tt := range tests {
		_, err := ParseRoleID(tt.in)
		if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseRoleID(%q) error = %v, want ErrInvalid containing %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestRoleByName(t *testing.T) {
	tests := []struct {
		service, name string
		want          Role
		wantErr       string
	}{
		{"secrets-manager", "SecretsReader", RoleSecretsReader, ""},
		{"secrets-manager", "secretsreader", RoleSecretsReader, ""},
		{"secrets-manager", "Reader", RoleReader, ""},
		{"secrets-manager", "Viewer", RoleViewer, ""},
		{"secrets-manager", "crn:v1:bluemix:public:iam::::serviceRole:Manager", RoleManager, ""},
		{"", "Administrator", RoleAdministrator, ""},
		{"", "SecretsReader", "", "not a system role"},
		{"codeengine", "SecretsReader", "", "not a role of service codeengine; valid roles: Viewer, Operator, Editor, Administrator, Reader, Writer, Manager"},
		{"coffer-operator", "Viewer", "", "valid roles: Administrator"},
		{"secrets-manager", "Owner", "", "not a role of service secrets-manager"},
		{"secrets-manager", "crn:v1:coffer:public:iam::::role:Nope", "", "unknown role"},
	}
	for _, tt := range tests {
		got, err := RoleByName(tt.service, tt.name)
		if tt.wantErr != "" {
			if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("RoleByName(%q, %q) error = %v, want ErrInvalid containing %q", tt.service, tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("RoleByName(%q, %q) = %q, %v, want %q", tt.service, tt.name, got, err, tt.want)
		}
	}
	if _, err := RoleByName("kms", "Reader"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("RoleByName(kms, Reader) error = %v, want ErrNotFound", err)
	}
}

func TestRoleParts(t *testing.T) {
	tests := []struct {
		r             Role
		name, service string
		kind          RoleKind
	}{
		{RoleEditor, "Editor", "", PlatformRole},
		{RoleWriter, "Writer", "", ServiceRole},
		{RoleSecretTaskUpdater, "SecretTaskUpdater", "secrets-manager", ServiceRole},
	}
	for _, tt := range tests {
		if tt.r.Name() != tt.name || tt.r.Service() != tt.service || tt.r.Kind() != tt.kind {
			t.Errorf("%s: Name, Service, Kind = %q, %q, %q, want %q, %q, %q", tt.r,
				tt.r.Name(), tt.r.Service(), tt.r.Kind(), tt.name, tt.service, tt.kind)
		}
	}
}

func FuzzParseRoleID(f *testing.F) {
	for _, s := range []string{"crn:v1:coffer:public:iam::::role:Viewer", "crn:v1:bluemix:public:secrets-manager::::serviceRole:SecretsReader",
		"crn:v1:coffer:public:iam::::serviceRole:Reader", "crn:::::::::", "crn:v1:coffer:public:iam::::role:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoleID(s)
		if err != nil {
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("ParseRoleID(%q) error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if r.def() == nil {
			t.Fatalf("ParseRoleID(%q) = %q, not a canonical role", s, r)
		}
		if again, err := ParseRoleID(string(r)); err != nil || again != r {
			t.Fatalf("ParseRoleID(%q) = %q, %v, want itself", r, again, err)
		}
	})
}
