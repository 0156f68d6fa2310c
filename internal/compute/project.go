package compute

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

func projectView(p *store.ComputeProject) *api.ComputeProject {
	return &api.ComputeProject{ID: p.GUID, Name: p.Name, AccountID: p.AccountID, Region: p.Region,
		CRN: projectCRN(p).String(), CreatedAt: formatTime(p.CreatedAt), UpdatedAt: formatTime(p.UpdatedAt)}
}

// CreateProject creates a project in the caller's account
// (codeengine.project.create). Errors: api.ErrInvalid (bad name or region),
// api.ErrAlreadyExists (name taken in the account), and the gate's.
func (s *Service) CreateProject(ctx context.Context, cred authz.Credential, req api.CreateComputeProjectRequest) (*api.ComputeProject, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	if req.Region == "" {
		req.Region = s.region
	}
	res := authz.Resource{AccountID: p.AccountID, ServiceName: ServiceName, Region: req.Region}
	if err := s.gate.Authorize(ctx, p, api.ActionProjectCreate, res); err != nil {
		return nil, err
	}
	if !projectNameRE.MatchString(req.Name) {
		return nil, api.Errorf(api.ErrInvalid, "project name %q must be 1 to 63 letters, digits, '-', '_' or '.', "+
			"starting with a letter or digit", req.Name)
	}
	if !regionRE.MatchString(req.Region) {
		return nil, api.Errorf(api.ErrInvalid, "region %q must be lower-case letters, digits and '-'", req.Region)
	}
	proj := &store.ComputeProject{GUID: uuid.NewString(), AccountID: p.AccountID, Name: req.Name, Region: req.Region}
	if err := s.st.CreateComputeProject(ctx, proj); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, api.Errorf(api.ErrAlreadyExists, "a Code Engine project named %q already exists in the account", req.Name)
		}
		return nil, err
	}
	return projectView(proj), nil
}

// Project returns the project ref, a GUID or a name
// (codeengine.project.get). Errors: api.ErrNotFound (also for a project the
// caller may not see), and the gate's.
func (s *Service) Project(ctx context.Context, cred authz.Credential, ref string) (*api.ComputeProject, error) {
	_, proj, err := s.authorizedProject(ctx, cred, ref, api.ActionProjectGet, projectResource)
	if err != nil {
		return nil, err
	}
	return projectView(proj), nil
}

// ListProjects returns a page of the projects of the caller's account that
// the caller may see (codeengine.project.list). Errors: api.ErrInvalid for
// a bad page token, and the gate's.
func (s *Service) ListProjects(ctx context.Context, cred authz.Credential, pg Page) (*api.ComputeProjectList, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	items, next, err := s.st.ListComputeProjects(ctx, p.AccountID, pg.options())
	if err != nil {
		return nil, err
	}
	out := &api.ComputeProjectList{Projects: []api.ComputeProject{}, Next: next}
	for _, proj := range items {
		if s.gate.Allowed(ctx, p, api.ActionProjectList, projectResource(proj)) {
			out.Projects = append(out.Projects, *projectView(proj))
		}
	}
	return out, nil
}

// DeleteProject deletes the project ref with its applications and jobs
// (codeengine.project.delete). Errors: api.ErrNotFound, and the gate's.
func (s *Service) DeleteProject(ctx context.Context, cred authz.Credential, ref string) error {
	_, proj, err := s.authorizedProject(ctx, cred, ref, api.ActionProjectDelete, projectResource)
	if err != nil {
		return err
	}
	if err := s.st.DeleteComputeProject(ctx, proj.GUID); errors.Is(err, store.ErrNotFound) {
		return errProjectNotFound(ref)
	} else if err != nil {
		return err
	}
	return nil
}
