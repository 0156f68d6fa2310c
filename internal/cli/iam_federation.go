package cli

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
)

// federationFlags are the flags of federation-issuer-create.
type federationFlags struct {
	issuer, jwksURI, jwks, crType, clusterCRN, description string
	discovery                                              bool
	audiences                                              []string
}

// federationIssuerRequest checks the flags and builds the request: exactly
// one of --jwks-uri, --discovery and --jwks.
func federationIssuerRequest(name string, f federationFlags) (api.FederationIssuerRequest, error) {
	req := api.FederationIssuerRequest{Name: name, Description: f.description, Issuer: f.issuer,
		CRType: strings.ToUpper(f.crType), ClusterCRN: f.clusterCRN, Audiences: f.audiences}
	if f.issuer == "" {
		return req, usagef("give the issuer URL (the exact iss of its tokens) with --issuer")
	}
	n := 0
	for _, set := range []bool{f.jwksURI != "", f.discovery, f.jwks != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return req, usagef("give exactly one key source: --jwks-uri URL, --discovery, or --jwks @FILE")
	}
	switch {
	case f.jwksURI != "":
		req.JWKSSource, req.JWKSURI = api.JWKSSourceURI, f.jwksURI
	case f.discovery:
		req.JWKSSource = api.JWKSSourceDiscovery
	default:
		doc, err := readJWKSFlag(f.jwks)
		if err != nil {
			return req, err
		}
		req.JWKSSource, req.JWKS = api.JWKSSourceStatic, doc
	}
	switch req.CRType {
	case api.CRTypeIKSSA, api.CRTypeROKSSA:
		if f.clusterCRN == "" {
			return req, usagef("an %s issuer needs --cluster-crn, the CRN its trusted-profile links name", req.CRType)
		}
	case api.CRTypeOIDC:
		if f.clusterCRN != "" {
			return req, usagef("an OIDC issuer takes no --cluster-crn")
		}
	default:
		return req, usagef("--cr-type must be IKS_SA, ROKS_SA or OIDC, not %q", f.crType)
	}
	return req, nil
}

// readJWKSFlag reads --jwks: a JWKS document, or @FILE holding one.
func readJWKSFlag(v string) (json.RawMessage, error) {
	raw := []byte(v)
	if path, ok := strings.CutPrefix(v, "@"); ok {
		var err error
		if raw, err = os.ReadFile(path); err != nil {
			return nil, usagef("--jwks: %v", err)
		}
	}
	if !json.Valid(raw) {
		return nil, usagef("--jwks must be a JWKS JSON document or @FILE holding one")
	}
	return json.RawMessage(raw), nil
}

// federationCommands manage the account's external OIDC issuers.
func (a *app) federationCommands() []*cobra.Command {
	var f federationFlags
	create := &cobra.Command{
		Use: "federation-issuer-create NAME --issuer URL (--jwks-uri URL | --discovery | --jwks @FILE) " +
			"--cr-type IKS_SA|ROKS_SA|OIDC [--cluster-crn CRN] [--audience iam]...",
		Short: "Register an external OIDC issuer (Kubernetes cluster, GitHub Actions, GitLab) for the cr-token grant",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := federationIssuerRequest(args[0], f)
			if err != nil {
				return err
			}
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Registering federation issuer %s (%s) as %s...", req.Name, req.Issuer, cl.IAMID)
			v, err := cl.c.CreateFederationIssuer(cmd.Context(), req)
			if err != nil {
				return err
			}
			a.ok()
			return a.printIssuer(v)
		},
	}
	fl := create.Flags()
	fl.StringVar(&f.issuer, "issuer", "", "issuer URL: the exact iss claim of the tokens")
	fl.StringVar(&f.jwksURI, "jwks-uri", "", "URL of the issuer's JWKS")
	fl.BoolVar(&f.discovery, "discovery", false, "find the JWKS through {issuer}/.well-known/openid-configuration")
	fl.StringVar(&f.jwks, "jwks", "", "static JWKS document, or @FILE (for issuers whose keys Coffer cannot reach)")
	fl.StringVar(&f.crType, "cr-type", "", "IKS_SA or ROKS_SA (Kubernetes service accounts) or OIDC (CI systems)")
	fl.StringVar(&f.clusterCRN, "cluster-crn", "", "CRN of the cluster (IKS_SA, ROKS_SA): the --link-crn of profile links")
	fl.StringArrayVar(&f.audiences, "audience", nil, "allowed token audience (repeatable; default iam)")
	fl.StringVar(&f.description, "description", "", "description of the issuer")
	return []*cobra.Command{create, a.federationListCommand(), a.federationGetCommand(), a.federationDeleteCommand()}
}

func (a *app) federationListCommand() *cobra.Command {
	return &cobra.Command{
		Use: "federation-issuers", Short: "List the account's external OIDC issuers", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			all, err := cl.c.AllFederationIssuers(cmd.Context(), cl.AccountID)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(all))
			}
			t := newTable(a.env.Stdout, "Name", "ID", "Issuer", "CR Type", "Keys", "Audiences")
			for _, v := range all {
				t.row(v.Name, v.ID, v.Issuer, v.CRType, v.JWKSSource, strings.Join(v.Audiences, ","))
			}
			return t.flush()
		},
	}
}

func (a *app) federationGetCommand() *cobra.Command {
	return &cobra.Command{
		Use: "federation-issuer NAME", Short: "Show an external OIDC issuer (by name or ID)", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, v, err := a.federationArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.printIssuer(v)
		},
	}
}

func (a *app) federationDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "federation-issuer-delete NAME [-f]", Short: "Remove an external OIDC issuer: its tokens are refused from then on",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, v, err := a.federationArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Remove federation issuer %s (%s)?", v.Name, v.Issuer); !ok {
				return err
			}
			a.progress("Removing federation issuer %s as %s...", v.Name, cl.IAMID)
			if err := cl.c.DeleteFederationIssuer(cmd.Context(), v.ID); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	forceFlag(cmd, &force)
	return cmd
}

// federationArg finds an issuer of the caller's account by ID or name.
func (a *app) federationArg(ctx context.Context, arg string) (*caller, *api.FederationIssuer, error) {
	cl, err := a.caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if strings.HasPrefix(arg, "FederationIssuer-") {
		v, err := cl.c.FederationIssuer(ctx, arg)
		return cl, v, err
	}
	all, err := cl.c.AllFederationIssuers(ctx, cl.AccountID)
	if err != nil {
		return nil, nil, err
	}
	v, err := pick("federation issuer", arg, all, func(v api.FederationIssuer) string { return v.Name },
		func(v api.FederationIssuer) string { return v.ID })
	return cl, &v, err
}

func (a *app) printIssuer(v *api.FederationIssuer) error {
	if a.jsonOutput() {
		return a.printJSON(v)
	}
	keys := v.JWKSSource
	if v.JWKSURI != "" {
		keys += " " + v.JWKSURI
	}
	return printKV(a.env.Stdout, "Name", v.Name, "ID", v.ID, "Issuer", v.Issuer, "CR Type", v.CRType,
		"Cluster CRN", v.ClusterCRN, "Keys", keys, "Audiences", strings.Join(v.Audiences, ", "),
		"Description", v.Description, "Account", v.AccountID, "Created At", v.CreatedAt, "Revision", strconv.FormatInt(v.Revision, 10))
}
