package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func TestConfirm(t *testing.T) {
	tests := []struct {
		stdin   string
		force   bool
		want    bool
		wantErr bool
	}{
		{stdin: "y\n", want: true},
		{stdin: "YES\n", want: true},
		{stdin: "n\n", want: false},
		{stdin: "\n", want: false},
		{stdin: "yes please\n", want: false},
		{stdin: "y", want: true}, // no newline at EOF
		{stdin: "", wantErr: true},
		{stdin: "", force: true, want: true},
	}
	for _, tt := range tests {
		env, _, errb := testEnv(t, tt.stdin, nil)
		a := &app{env: env}
		got, err := a.confirm(tt.force, "Delete %s?", "X")
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("confirm(stdin %q, force %t) = %t, %v, want %t, error %t", tt.stdin, tt.force, got, err, tt.want, tt.wantErr)
		}
		if prompt := "Delete X? [y/N]"; !tt.force && !strings.Contains(errb.String(), prompt) {
			t.Errorf("confirm(stdin %q) prompt = %q, want %q", tt.stdin, errb, prompt)
		}
	}
}

func TestPick(t *testing.T) {
	items := []api.ServiceID{{ID: "ServiceId-1", Name: "a"}, {ID: "ServiceId-2", Name: "b"}, {ID: "ServiceId-3", Name: "b"}}
	name := func(s api.ServiceID) string { return s.Name }
	id := func(s api.ServiceID) string { return s.ID }
	if got, err := pick("service ID", "a", items, name, id); err != nil || got.ID != "ServiceId-1" {
		t.Errorf("pick(a) = %v, %v, want ServiceId-1", got, err)
	}
	if _, err := pick("service ID", "b", items, name, id); !errorsIs(err, api.ErrInvalid) ||
		!strings.Contains(err.Error(), "ServiceId-2, ServiceId-3") {
		t.Errorf("pick(b) = %v, want an ambiguity error naming both ids", err)
	}
	if _, err := pick("service ID", "c", items, name, id); !errorsIs(err, api.ErrNotFound) {
		t.Errorf("pick(c) = %v, want not found", err)
	}
}

func errorsIs(err error, k *api.Kind) bool { return err != nil && api.KindOf(err) == k }

func TestIAMUsageErrorsBeforeAnyCall(t *testing.T) {
	// These fail on the command line alone: no server is needed (the URL
	// points nowhere), and the exit code is the usage code.
	tests := [][]string{
		{"iam", "trusted-profile-compute-resource-add", "p", "--compute-resource", "crn:v1:coffer:public:codeengine:r:a/x:proj::"},
		{"iam", "trusted-profile-compute-resource-add", "p", "--compute-resource", "crn:v1:coffer:public:codeengine:r:a/x:proj:application:app", "--compute-resource-type", "vsi"},
		{"iam", "trusted-profile-link-create", "p", "--cr-type", "IKS_SA", "--link-crn", "crn:c", "--link-name", "sa"},
		{"iam", "trusted-profile-rule-create", "p", "--name", "r", "--type", "Profile-CR", "--cr-type", "CE", "--conditions", "claim:x,operator:BOGUS,value:y"},
		{"iam", "service-id-create"},
		{"iam", "api-key-delete", "a", "b"},
	}
	for _, args := range tests {
		env, _, errb := testEnv(t, "", map[string]string{"COFFER_URL": "http://127.0.0.1:1"})
		if code := Run(context.Background(), args, env); code != ExitUsage {
			t.Errorf("Run(%q) = %d, want %d; stderr %q", args, code, ExitUsage, errb)
		}
	}
}

func TestTable(t *testing.T) {
	env, out, _ := testEnv(t, "", nil)
	tb := newTable(env.Stdout, "Name", "ID")
	tb.row("long-name", "ServiceId-1")
	tb.row("", "ServiceId-2")
	tb.flush()
	want := "Name        ID\nlong-name   ServiceId-1\n-           ServiceId-2\n"
	if out.String() != want {
		t.Errorf("table = %q, want %q", out, want)
	}
}
