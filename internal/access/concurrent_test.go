package access_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/servertest"
)

// TestConcurrentUpdatesAnyVersion: policy replacements and state changes,
// and access group updates, sent at the same time with If-Match "*" all
// succeed; one naming a replaced ETag is refused with a conflict.
func TestConcurrentUpdatesAnyVersion(t *testing.T) {
	srv := servertest.New(t)
	ctx := context.Background()
	acct := srv.Bootstrap().AccountID
	sid, err := srv.Client.CreateServiceID(ctx, api.CreateServiceIDRequest{AccountID: acct, Name: "subject"}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pol := func(desc, role string) api.Policy {
		return api.Policy{Type: "access", Description: desc,
			Subjects: []api.PolicySubject{{Attributes: []api.SubjectAttribute{{Name: "iam_id", Value: sid.IAMID}}}},
			Roles:    []api.PolicyRole{{RoleID: role}},
			Resources: []api.PolicyResource{{Attributes: []api.ResourceAttribute{{Name: "accountId", Value: acct},
				{Name: "serviceName", Value: "secrets-manager"}}}}}
	}
	p, err := srv.Client.CreatePolicy(ctx, pol("first", "crn:v1:bluemix:public:iam::::serviceRole:Reader"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := srv.Client.CreateAccessGroup(ctx, acct, api.CreateAccessGroupRequest{Name: "busy"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for i := range n {
		d := fmt.Sprintf("update %d", i)
		wg.Go(func() {
			if _, err := srv.Client.ReplacePolicy(ctx, p.ID, "*", pol(d, "crn:v1:bluemix:public:iam::::serviceRole:Reader")); err != nil {
				errs <- fmt.Errorf("policy %s: %w", d, err)
			}
		})
		wg.Go(func() {
			if _, err := srv.Client.UpdatePolicyState(ctx, p.ID, "*", "active"); err != nil {
				errs <- fmt.Errorf("policy state %s: %w", d, err)
			}
		})
		wg.Go(func() {
			if _, err := srv.Client.UpdateAccessGroup(ctx, g.ID, "*", api.UpdateAccessGroupRequest{Description: &d}); err != nil {
				errs <- fmt.Errorf("access group %s: %w", d, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, err = srv.Client.ReplacePolicy(ctx, p.ID, p.ETag, pol("stale", "crn:v1:bluemix:public:iam::::serviceRole:Reader"))
	if api.KindOf(err) != api.ErrConflict {
		t.Errorf("replacement at the ETag of creation after %d replacements = %v; want a conflict", n, err)
	}
}
