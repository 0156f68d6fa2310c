package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
)

// ceCommand is `coffer ce`: Coffer's compute runtime in IBM Code Engine CLI
// spelling (ce_component.go holds apps and jobs, ce_run.go the runner).
func (a *app) ceCommand() *cobra.Command {
	var project string
	cmd := &cobra.Command{Use: "ce", Short: "Run apps and jobs with workload identity (Code Engine style)",
		Long: `Manage Code Engine style projects, apps and jobs, and run them with a CR token
(coffer ce app run): the app reads its secrets through IBM's ContainerAuthenticator
and its trusted profile, with no API key in its environment.

Apps and jobs live in the selected project (coffer ce project select --name NAME;
project create selects the new project) or the one --project names.`}
	cmd.PersistentFlags().StringVar(&project, "project", "", "project name or ID (default: the selected project)")
	cmd.AddCommand(a.ceProjectCommand())
	cmd.AddCommand(a.ceComponentCommand(api.ComponentApplication, &project))
	cmd.AddCommand(a.ceComponentCommand(api.ComponentJob, &project))
	return cmd
}

func (a *app) ceProjectCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "project", Short: "Manage Code Engine projects"}
	var name, region string
	var noSelect bool
	create := &cobra.Command{
		Use: "create --name NAME [--region REGION] [--no-select]", Short: "Create a project and select it",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Creating project %s...", name)
			p, err := cl.c.CreateComputeProject(cmd.Context(), api.CreateComputeProjectRequest{Name: name, Region: region})
			if err != nil {
				return err
			}
			if !noSelect {
				if err := a.selectProject(p); err != nil {
					return err
				}
			}
			a.ok()
			return a.printProject(p)
		},
	}
	create.Flags().StringVarP(&name, "name", "n", "", "project name (required)")
	create.Flags().StringVarP(&region, "region", "r", "", "region (default: the server's)")
	create.Flags().BoolVar(&noSelect, "no-select", false, "do not select the new project")
	create.MarkFlagRequired("name")
	cmd.AddCommand(create, a.ceProjectListCommand(), a.ceProjectGetCommand(), a.ceProjectSelectCommand(),
		a.ceProjectDeleteCommand(), a.ceProjectCurrentCommand())
	return cmd
}

func (a *app) ceProjectListCommand() *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the projects of the account", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Getting projects...")
			ps, err := cl.c.AllComputeProjects(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(nonNil(ps))
			}
			a.ok()
			s, _ := loadSession(a.env.HomeDir)
			t := newTable(a.env.Stdout, "Name", "ID", "Region", "Selected", "Created")
			for _, p := range ps {
				t.row(p.Name, p.ID, p.Region, boolStr(p.ID == s.CEProject), p.CreatedAt)
			}
			return t.flush()
		},
	}
}

func (a *app) ceProjectGetCommand() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use: "get --name NAME", Short: "Show a project", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			p, err := cl.c.ComputeProject(cmd.Context(), name)
			if err != nil {
				return err
			}
			return a.printProject(p)
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "project name or ID (required)")
	cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) ceProjectSelectCommand() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use: "select --name NAME", Short: "Select the project later ce commands use", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			a.progress("Selecting project %s...", name)
			p, err := cl.c.ComputeProject(cmd.Context(), name)
			if err != nil {
				return err
			}
			if err := a.selectProject(p); err != nil {
				return err
			}
			a.ok()
			return nil
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "project name or ID (required)")
	cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) ceProjectCurrentCommand() *cobra.Command {
	return &cobra.Command{
		Use: "current", Short: "Show the selected project", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ref, err := a.ceProjectRef("")
			if err != nil {
				return err
			}
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			p, err := cl.c.ComputeProject(cmd.Context(), ref)
			if err != nil {
				return err
			}
			return a.printProject(p)
		},
	}
}

func (a *app) ceProjectDeleteCommand() *cobra.Command {
	var name string
	var force bool
	cmd := &cobra.Command{
		Use: "delete --name NAME [-f]", Short: "Delete a project with its apps and jobs", Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.caller(cmd.Context())
			if err != nil {
				return err
			}
			p, err := cl.c.ComputeProject(cmd.Context(), name)
			if err != nil {
				return err
			}
			if ok, err := a.confirm(force, "Delete project %s (%s) with all its apps and jobs?", p.Name, p.ID); !ok {
				return err
			}
			a.progress("Deleting project %s...", p.Name)
			if err := cl.c.DeleteComputeProject(cmd.Context(), p.ID); err != nil {
				return err
			}
			if s, _ := loadSession(a.env.HomeDir); s.CEProject == p.ID {
				s.CEProject = ""
				if err := saveSession(a.env.HomeDir, s); err != nil {
					return err
				}
			}
			a.ok()
			return nil
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "project name or ID (required)")
	cmd.MarkFlagRequired("name")
	forceFlag(cmd, &force)
	return cmd
}

// selectProject records p as the current project in ~/.coffer/config.json.
func (a *app) selectProject(p *api.ComputeProject) error {
	s, err := loadSession(a.env.HomeDir)
	if err != nil {
		return err
	}
	s.CEProject = p.ID
	if err := saveSession(a.env.HomeDir, s); err != nil {
		return err
	}
	a.progress("Selected project %s (%s).", p.Name, p.ID)
	return nil
}

// ceProjectRef returns the project to act on: --project, else the selected one.
func (a *app) ceProjectRef(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	s, err := loadSession(a.env.HomeDir)
	if err != nil {
		return "", err
	}
	if s.CEProject == "" {
		return "", usagef("no project selected: run coffer ce project select --name NAME, or give --project NAME")
	}
	return s.CEProject, nil
}

func (a *app) printProject(p *api.ComputeProject) error {
	if a.jsonOutput() {
		return a.printJSON(p)
	}
	return printKV(a.env.Stdout, "Name", p.Name, "ID", p.ID, "Region", p.Region, "CRN", p.CRN, "Created", p.CreatedAt)
}

// parseEnv turns K=V flags into a map. Values may be empty; names may not.
func parseEnv(flags []string) (map[string]string, error) {
	env := map[string]string{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, usagef("--env %q must be NAME=VALUE", f)
		}
		env[k] = v
	}
	return env, nil
}

// ceContext is the client and project of an app or job command.
func (a *app) ceContext(ctx context.Context, projectFlag string) (*caller, string, error) {
	ref, err := a.ceProjectRef(projectFlag)
	if err != nil {
		return nil, "", err
	}
	cl, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	return cl, ref, nil
}

// nounOf is the CLI noun of a component type.
func nounOf(typ string) string {
	if typ == api.ComponentJob {
		return "job"
	}
	return "app"
}

// aNoun is nounOf with its article: "an app", "a job".
func aNoun(typ string) string {
	if typ == api.ComponentJob {
		return "a job"
	}
	return "an app"
}

func describeComponent(c *api.ComputeComponent) string {
	return fmt.Sprintf("%s %s in project %s", nounOf(c.Type), c.Name, c.ProjectName)
}
