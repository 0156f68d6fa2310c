package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
)

// ceComponentCommand is `coffer ce app` or `coffer ce job` (typ
// api.ComponentApplication or api.ComponentJob).
func (a *app) ceComponentCommand(typ string, project *string) *cobra.Command {
	noun := nounOf(typ)
	cmd := &cobra.Command{Use: noun, Short: fmt.Sprintf("Manage and run Code Engine %ss", noun)}
	cmd.AddCommand(a.ceCreateCommand(typ, project), a.ceUpdateCommand(typ, project), a.ceGetCommand(typ, project),
		a.ceListCommand(typ, project), a.ceDeleteCommand(typ, project), a.ceRunCommand(typ, project))
	return cmd
}

// componentFlags are the flags create and update share.
type componentFlags struct {
	name, image, profile string
	command, arguments   []string
	env, envRm           []string
	tpEnabled            bool
}

func (f *componentFlags) add(cmd *cobra.Command, update bool) {
	cmd.Flags().StringVarP(&f.name, "name", "n", "", "name (required)")
	cmd.Flags().StringVarP(&f.image, "image", "i", "", "container image reference (recorded; the runner starts --command)")
	cmd.Flags().StringArrayVarP(&f.command, "command", "c", nil, "command to run; repeat for each word of the command")
	cmd.Flags().StringArrayVarP(&f.arguments, "argument", "a", nil, "argument of the command; repeat for more")
	cmd.Flags().StringArrayVarP(&f.env, "env", "e", nil, "plain environment variable NAME=VALUE; repeat for more (never secrets)")
	cmd.Flags().BoolVar(&f.tpEnabled, "trusted-profiles-enabled", false, "allow CR tokens for it, so it can use trusted profiles (IBM's flag)")
	cmd.Flags().StringVar(&f.profile, "trusted-profile", "", "enable trusted profiles and record PROFILE as the one its runner announces (IAM_PROFILE_NAME)")
	if update {
		cmd.Flags().StringArrayVar(&f.envRm, "env-rm", nil, "remove an environment variable; repeat for more")
	}
	cmd.MarkFlagRequired("name")
}

// profileNotice prints the one-line note that --trusted-profile is the
// tutorial's spelling.
func (a *app) profileNotice(cmd *cobra.Command, noun string, f *componentFlags) {
	if cmd.Flags().Changed("trusted-profile") {
		fmt.Fprintf(a.env.Stderr, "Note: --trusted-profile is a tutorial's spelling; IBM's Code Engine CLI uses "+
			"`ibmcloud ce %s update --name %s --trusted-profiles-enabled=true`. Coffer enables trusted profiles and "+
			"records %q as IAM_PROFILE_NAME for `coffer ce %s run`.\n", noun, f.name, f.profile, noun)
	}
}

func (a *app) ceCreateCommand(typ string, project *string) *cobra.Command {
	noun := nounOf(typ)
	f := &componentFlags{}
	cmd := &cobra.Command{
		Use:   "create --name NAME [--image IMAGE] [--command CMD]... [--argument ARG]... [--env K=V]... [--trusted-profiles-enabled[=true]] [--trusted-profile PROFILE]",
		Short: "Create " + aNoun(typ), Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := parseEnv(f.env)
			if err != nil {
				return err
			}
			cl, ref, err := a.ceContext(cmd.Context(), *project)
			if err != nil {
				return err
			}
			a.profileNotice(cmd, noun, f)
			a.progress("Creating %s %s...", noun, f.name)
			c, err := cl.c.CreateComputeComponent(cmd.Context(), ref, typ, api.CreateComputeComponentRequest{Name: f.name,
				Image: f.image, Command: f.command, Arguments: f.arguments, Env: env,
				TrustedProfilesEnabled: f.tpEnabled, TrustedProfile: f.profile})
			if err != nil {
				return err
			}
			a.ok()
			return a.printComponent(c)
		},
	}
	f.add(cmd, false)
	return cmd
}

func (a *app) ceUpdateCommand(typ string, project *string) *cobra.Command {
	noun := nounOf(typ)
	f := &componentFlags{}
	cmd := &cobra.Command{
		Use:   "update --name NAME [--trusted-profile PROFILE] [--trusted-profiles-enabled=true|false] [--env K=V]... [--env-rm K]... [--image I] [--command C]... [--argument A]...",
		Short: "Change " + aNoun(typ), Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := parseEnv(f.env)
			if err != nil {
				return err
			}
			cl, ref, err := a.ceContext(cmd.Context(), *project)
			if err != nil {
				return err
			}
			cur, err := cl.c.ComputeComponent(cmd.Context(), ref, typ, f.name)
			if err != nil {
				return err
			}
			req := updateRequest(cmd, f, cur, env)
			a.profileNotice(cmd, noun, f)
			a.progress("Updating %s...", describeComponent(cur))
			c, err := cl.c.UpdateComputeComponent(cmd.Context(), ref, typ, f.name, req)
			if err != nil {
				return err
			}
			a.ok()
			return a.printComponent(c)
		},
	}
	f.add(cmd, true)
	return cmd
}

// updateRequest holds the flags given on the command line; --env and
// --env-rm change the current environment.
func updateRequest(cmd *cobra.Command, f *componentFlags, cur *api.ComputeComponent, env map[string]string) api.UpdateComputeComponentRequest {
	var req api.UpdateComputeComponentRequest
	changed := cmd.Flags().Changed
	if changed("image") {
		req.Image = &f.image
	}
	if changed("command") {
		req.Command = &f.command
	}
	if changed("argument") {
		req.Arguments = &f.arguments
	}
	if changed("trusted-profiles-enabled") {
		req.TrustedProfilesEnabled = &f.tpEnabled
	}
	if changed("trusted-profile") {
		req.TrustedProfile = &f.profile
	}
	if changed("env") || changed("env-rm") {
		merged := maps.Clone(cur.Env)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, env)
		for _, k := range f.envRm {
			delete(merged, k)
		}
		req.Env = &merged
	}
	return req
}

func (a *app) ceGetCommand(typ string, project *string) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use: "get --name NAME [--output json]", Short: "Show " + aNoun(typ) + " (its crn, command, env and trusted profile)",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ref, err := a.ceContext(cmd.Context(), *project)
			if err != nil {
				return err
			}
			c, err := cl.c.ComputeComponent(cmd.Context(), ref, typ, name)
			if err != nil {
				return err
			}
			return a.printComponent(c)
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "name (required)")
	cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) ceListCommand(typ string, project *string) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the " + nounOf(typ) + "s of the project", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ref, err := a.ceContext(cmd.Context(), *project)
			if err != nil {
				return err
			}
			a.progress("Listing %ss...", nounOf(typ))
			cs, err := cl.c.AllComputeComponents(cmd.Context(), ref, typ)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(cs))
			}
			a.ok()
			t := newTable(a.env.Stdout, "Name", "Trusted profiles", "Profile", "Command", "Created")
			for _, c := range cs {
				t.row(c.Name, boolStr(c.TrustedProfilesEnabled), c.TrustedProfile,
					strings.Join(slices.Concat(c.Command, c.Arguments), " "), c.CreatedAt)
			}
			return t.flush()
		},
	}
}

func (a *app) ceDeleteCommand(typ string, project *string) *cobra.Command {
	var name string
	var force bool
	cmd := &cobra.Command{
		Use: "delete --name NAME [-f]", Short: "Delete " + aNoun(typ), Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ref, err := a.ceContext(cmd.Context(), *project)
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete %s %s?", nounOf(typ), name); !ok {
				return err
			}
			a.progress("Deleting %s %s...", nounOf(typ), name)
			if err := cl.c.DeleteComputeComponent(cmd.Context(), ref, typ, name); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "name (required)")
	cmd.MarkFlagRequired("name")
	forceFlag(cmd, &force)
	return cmd
}

func (a *app) printComponent(c *api.ComputeComponent) error {
	if a.jsonOutput() {
		return a.printJSON(c)
	}
	env := make([]string, 0, len(c.Env))
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		env = append(env, k+"="+c.Env[k])
	}
	return printKV(a.env.Stdout, "Name", c.Name, "ID", c.ID, "Project", c.ProjectName, "Project ID", c.ProjectID,
		"Region", c.Region, "CRN", c.CRN, "Image", c.Image,
		"Command", strings.Join(slices.Concat(c.Command, c.Arguments), " "), "Env", strings.Join(env, " "),
		"Trusted profiles enabled", boolStr(c.TrustedProfilesEnabled), "Trusted profile", c.TrustedProfile,
		"Created", c.CreatedAt)
}
