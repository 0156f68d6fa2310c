package client

import (
	"context"
	"net/url"

	"github.com/cofferhq/coffer/api"
)

// This file holds Coffer's compute runtime API (/coffer/v1/compute/projects):
// projects, their applications and jobs, and CR token minting. A project is
// named by its name or its GUID. Errors are *api.Error with the server's
// kind: api.ErrNotFound for a project or component that is missing or that
// the caller may not see, api.ErrAlreadyExists for a taken name,
// api.ErrInvalid for a refused body (and, with code
// "trusted_profiles_not_enabled", for a token of a component whose trusted
// profiles are disabled), api.ErrPermissionDenied for a caller who may see
// but not run a component.

const computeBase = "/coffer/v1/compute/projects"

func projectPath(project string) string { return computeBase + "/" + url.PathEscape(project) }

// componentPath returns the collection path of a component type
// (api.ComponentApplication or api.ComponentJob) in project.
func componentPath(project, typ string) string {
	if typ == api.ComponentJob {
		return projectPath(project) + "/jobs"
	}
	return projectPath(project) + "/apps"
}

// CreateComputeProject creates a project in the caller's account.
func (c *Client) CreateComputeProject(ctx context.Context, req api.CreateComputeProjectRequest) (*api.ComputeProject, error) {
	var p api.ComputeProject
	return &p, c.do(ctx, "POST", computeBase, req, &p)
}

// ComputeProject returns the project named or identified by project.
func (c *Client) ComputeProject(ctx context.Context, project string) (*api.ComputeProject, error) {
	var p api.ComputeProject
	return &p, c.do(ctx, "GET", projectPath(project), nil, &p)
}

// AllComputeProjects returns every project of the caller's account that the
// caller may see.
func (c *Client) AllComputeProjects(ctx context.Context) ([]api.ComputeProject, error) {
	return pageAll(func(token string) ([]api.ComputeProject, string, error) {
		var l api.ComputeProjectList
		err := c.do(ctx, "GET", computeBase+encodeQuery(url.Values{"start": {token}}), nil, &l)
		return l.Projects, l.Next, err
	})
}

// DeleteComputeProject deletes a project with its applications and jobs.
func (c *Client) DeleteComputeProject(ctx context.Context, project string) error {
	return c.do(ctx, "DELETE", projectPath(project), nil, nil)
}

// CreateComputeComponent creates an application or a job (typ) in project.
func (c *Client) CreateComputeComponent(ctx context.Context, project, typ string, req api.CreateComputeComponentRequest) (*api.ComputeComponent, error) {
	var out api.ComputeComponent
	return &out, c.do(ctx, "POST", componentPath(project, typ), req, &out)
}

// ComputeComponent returns the application or job name of project.
func (c *Client) ComputeComponent(ctx context.Context, project, typ, name string) (*api.ComputeComponent, error) {
	var out api.ComputeComponent
	return &out, c.do(ctx, "GET", componentPath(project, typ)+"/"+url.PathEscape(name), nil, &out)
}

// AllComputeComponents returns every application or job of project that
// the caller may see.
func (c *Client) AllComputeComponents(ctx context.Context, project, typ string) ([]api.ComputeComponent, error) {
	return pageAll(func(token string) ([]api.ComputeComponent, string, error) {
		var l api.ComputeComponentList
		err := c.do(ctx, "GET", componentPath(project, typ)+encodeQuery(url.Values{"start": {token}}), nil, &l)
		return l.Components, l.Next, err
	})
}

// UpdateComputeComponent changes the application or job name of project;
// nil fields of req stay as they are.
func (c *Client) UpdateComputeComponent(ctx context.Context, project, typ, name string, req api.UpdateComputeComponentRequest) (*api.ComputeComponent, error) {
	var out api.ComputeComponent
	return &out, c.do(ctx, "PATCH", componentPath(project, typ)+"/"+url.PathEscape(name), req, &out)
}

// DeleteComputeComponent deletes the application or job name of project.
func (c *Client) DeleteComputeComponent(ctx context.Context, project, typ, name string) error {
	return c.do(ctx, "DELETE", componentPath(project, typ)+"/"+url.PathEscape(name), nil, nil)
}

// MintCRToken asks the server for a CR token of the application or job name
// of project, valid for req.TTLSeconds (0: the server's default, 15
// minutes). The caller needs codeengine.app.run (or codeengine.job.run).
func (c *Client) MintCRToken(ctx context.Context, project, typ, name string, req api.MintCRTokenRequest) (*api.CRToken, error) {
	var out api.CRToken
	return &out, c.do(ctx, "POST", componentPath(project, typ)+"/"+url.PathEscape(name)+"/token", req, &out)
}
