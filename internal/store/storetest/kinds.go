package storetest

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/internal/store"
)

var accounts = entity[store.Account]{
	parentless: true,
	make: func(_ string, i int) *store.Account {
		return &store.Account{ID: mkID("acct", "x", i), Name: fmt.Sprintf("account %d", i), State: "active",
			OwnerIAMID: mkID("IBMid", "owner", i)}
	},
	create: (*store.Store).CreateAccount,
	get: func(s *store.Store, ctx context.Context, a *store.Account) (*store.Account, error) {
		return s.Account(ctx, a.ID)
	},
	update: (*store.Store).UpdateAccount,
	delete: func(s *store.Store, ctx context.Context, a *store.Account) error { return s.DeleteAccount(ctx, a.ID) },
	list: func(s *store.Store, ctx context.Context, _ string, o store.ListOptions) ([]*store.Account, string, error) {
		return s.ListAccounts(ctx, o)
	},
	mutate: func(a *store.Account, n int) {
		a.Name, a.State, a.OwnerIAMID = fmt.Sprintf("renamed %d", n), "suspended", fmt.Sprintf("IBMid-new%d", n)
	},
	stamps: func(a *store.Account) (string, *time.Time, *time.Time, *int64) {
		return a.ID, &a.CreatedAt, &a.UpdatedAt, &a.Revision
	},
	clashes: map[string]func(o, f *store.Account){
		"SameID": func(o, f *store.Account) { f.ID = o.ID },
	},
}

var users = entity[store.User]{
	make: func(acct string, i int) *store.User {
		return &store.User{IAMID: mkID("IBMid", acct, i), AccountID: acct, Name: fmt.Sprintf("user%d", i),
			Email: fmt.Sprintf("user%d@example.com", i), State: "ACTIVE"}
	},
	create: (*store.Store).CreateUser,
	get: func(s *store.Store, ctx context.Context, u *store.User) (*store.User, error) {
		return s.User(ctx, u.AccountID, u.IAMID)
	},
	update: (*store.Store).UpdateUser,
	delete: func(s *store.Store, ctx context.Context, u *store.User) error {
		return s.DeleteUser(ctx, u.AccountID, u.IAMID)
	},
	list: (*store.Store).ListUsers,
	mutate: func(u *store.User, n int) {
		u.Name, u.Email, u.State = fmt.Sprintf("renamed%d", n), fmt.Sprintf("new%d@example.com", n), "DISABLED"
	},
	stamps: func(u *store.User) (string, *time.Time, *time.Time, *int64) {
		return u.IAMID, &u.CreatedAt, &u.UpdatedAt, &u.Revision
	},
	lookups: map[string]func(*store.Store, context.Context, *store.User) (*store.User, error){
		"UserByName": func(s *store.Store, ctx context.Context, u *store.User) (*store.User, error) {
			return s.UserByName(ctx, u.AccountID, u.Name)
		},
	},
	clashes: map[string]func(o, f *store.User){
		"SameIAMID": func(o, f *store.User) { f.IAMID = o.IAMID },
		"SameName":  func(o, f *store.User) { f.Name = o.Name },
	},
}

var apiKeys = entity[store.APIKey]{
	make: func(acct string, i int) *store.APIKey {
		return &store.APIKey{ID: mkID("ApiKey", acct, i), AccountID: acct, IAMID: "IBMid-owner",
			Name: fmt.Sprintf("key %d", i), Description: "for tests", CreatedBy: "IBMid-creator",
			Hash: []byte(fmt.Sprintf("hash\x00%s-%d", acct, i)), Locked: i%2 == 0}
	},
	create: (*store.Store).CreateAPIKey,
	get: func(s *store.Store, ctx context.Context, k *store.APIKey) (*store.APIKey, error) {
		return s.APIKey(ctx, k.ID)
	},
	update: (*store.Store).UpdateAPIKey,
	delete: func(s *store.Store, ctx context.Context, k *store.APIKey) error { return s.DeleteAPIKey(ctx, k.ID) },
	list: func(s *store.Store, ctx context.Context, acct string, o store.ListOptions) ([]*store.APIKey, string, error) {
		return s.ListAPIKeys(ctx, acct, "", o)
	},
	mutate: func(k *store.APIKey, n int) {
		k.Name, k.Description = fmt.Sprintf("renamed %d", n), fmt.Sprintf("changed %d", n)
		k.Locked, k.Disabled = !k.Locked, !k.Disabled
	},
	stamps: func(k *store.APIKey) (string, *time.Time, *time.Time, *int64) {
		return k.ID, &k.CreatedAt, &k.UpdatedAt, &k.Revision
	},
	lookups: map[string]func(*store.Store, context.Context, *store.APIKey) (*store.APIKey, error){
		"APIKeyByHash": func(s *store.Store, ctx context.Context, k *store.APIKey) (*store.APIKey, error) {
			return s.APIKeyByHash(ctx, k.Hash)
		},
	},
	clashes: map[string]func(o, f *store.APIKey){
		"SameID":   func(o, f *store.APIKey) { f.ID = o.ID },
		"SameHash": func(o, f *store.APIKey) { f.Hash = append([]byte(nil), o.Hash...) },
	},
}

var instances = entity[store.Instance]{
	make: func(acct string, i int) *store.Instance {
		return &store.Instance{GUID: mkID("guid", acct, i), AccountID: acct, Name: fmt.Sprintf("sm-%d", i),
			Region: "local", ResourceGroupID: "default", Plan: "standard", State: "active"}
	},
	create: (*store.Store).CreateInstance,
	get: func(s *store.Store, ctx context.Context, in *store.Instance) (*store.Instance, error) {
		return s.Instance(ctx, in.GUID)
	},
	update: (*store.Store).UpdateInstance,
	delete: func(s *store.Store, ctx context.Context, in *store.Instance) error {
		return s.DeleteInstance(ctx, in.GUID)
	},
	list: (*store.Store).ListInstances,
	mutate: func(in *store.Instance, n int) {
		in.Name, in.Region, in.ResourceGroupID = fmt.Sprintf("renamed-%d", n), "eu-de", fmt.Sprintf("rg-%d", n)
		in.Plan, in.State = "trial", "inactive"
	},
	stamps: func(in *store.Instance) (string, *time.Time, *time.Time, *int64) {
		return in.GUID, &in.CreatedAt, &in.UpdatedAt, &in.Revision
	},
	lookups: map[string]func(*store.Store, context.Context, *store.Instance) (*store.Instance, error){
		"InstanceByName": func(s *store.Store, ctx context.Context, in *store.Instance) (*store.Instance, error) {
			return s.InstanceByName(ctx, in.AccountID, in.Name)
		},
	},
	clashes: map[string]func(o, f *store.Instance){
		"SameGUID": func(o, f *store.Instance) { f.GUID = o.GUID },
		"SameName": func(o, f *store.Instance) { f.Name = o.Name },
	},
}
