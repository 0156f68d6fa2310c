package compute

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// actions are the action names of one component type.
type actions struct{ noun, create, get, list, update, del, run string }

var actionsOf = map[string]actions{
	api.ComponentApplication: {"application", api.ActionAppCreate, api.ActionAppGet, api.ActionAppList,
		api.ActionAppUpdate, api.ActionAppDelete, api.ActionAppRun},
	api.ComponentJob: {"job", api.ActionJobCreate, api.ActionJobGet, api.ActionJobList,
		api.ActionJobUpdate, api.ActionJobDelete, api.ActionJobRun},
}

func typeActions(typ string) (actions, error) {
	a, ok := actionsOf[typ]
	if !ok {
		return actions{}, api.Errorf(api.ErrInvalid, "component type must be %s or %s", api.ComponentApplication, api.ComponentJob)
	}
	return a, nil
}

func componentView(p *store.ComputeProject, c *store.ComputeComponent) *api.ComputeComponent {
	env := c.Env
	if env == nil {
		env = map[string]string{}
	}
	return &api.ComputeComponent{ID: c.ID, Name: c.Name, Type: c.Type, ProjectID: p.GUID, ProjectName: p.Name,
		AccountID: p.AccountID, Region: p.Region, CRN: componentCRN(p, c), Image: c.Image,
		Command: nonNil(c.Command), Arguments: nonNil(c.Arguments), Env: env,
		TrustedProfilesEnabled: c.TrustedProfilesEnabled, TrustedProfile: c.TrustedProfile, Revision: c.Revision,
		CreatedAt: formatTime(c.CreatedAt), UpdatedAt: formatTime(c.UpdatedAt)}
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func errComponentNotFound(noun, name string) error {
	return api.Errorf(api.ErrNotFound, "Code Engine %s %q was not found", noun, name)
}

// CreateComponent creates an application or job (typ) in the project ref
// (codeengine.app.create or codeengine.job.create). A TrustedProfile in the
// request enables trusted profiles. Errors: api.ErrInvalid (bad name,
// command or env, or an env name that looks like a credential),
// api.ErrAlreadyExists, api.ErrNotFound (project), and the gate's.
func (s *Service) CreateComponent(ctx context.Context, cred authz.Credential, ref, typ string, req api.CreateComputeComponentRequest) (*api.ComputeComponent, error) {
	acts, err := typeActions(typ)
	if err != nil {
		return nil, err
	}
	_, proj, err := s.authorizedProject(ctx, cred, ref, acts.create, func(p *store.ComputeProject) authz.Resource {
		return componentResource(p, typ, req.Name)
	})
	if err != nil {
		return nil, err
	}
	c := &store.ComputeComponent{ID: uuid.NewString(), ProjectGUID: proj.GUID, Type: typ, Name: req.Name,
		Image: req.Image, Command: req.Command, Arguments: req.Arguments, Env: req.Env,
		TrustedProfilesEnabled: req.TrustedProfilesEnabled || req.TrustedProfile != "", TrustedProfile: req.TrustedProfile}
	if err := checkComponent(acts.noun, c); err != nil {
		return nil, err
	}
	if err := s.st.CreateComputeComponent(ctx, c); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, api.Errorf(api.ErrAlreadyExists, "a Code Engine %s named %q already exists in project %s",
				acts.noun, req.Name, proj.Name)
		}
		return nil, err
	}
	return componentView(proj, c), nil
}

// checkComponent validates the fields a caller sets.
func checkComponent(noun string, c *store.ComputeComponent) error {
	if !componentNameRE.MatchString(c.Name) {
		return api.Errorf(api.ErrInvalid, "%s name %q must be 1 to 63 lower-case letters, digits and '-', "+
			"starting with a letter and not ending with '-'", noun, c.Name)
	}
	if len(c.Image) > 512 || strings.ContainsAny(c.Image, " \t\r\n") {
		return api.Errorf(api.ErrInvalid, "image must be at most 512 characters without spaces")
	}
	if len(c.Command)+len(c.Arguments) > maxArgv {
		return api.Errorf(api.ErrInvalid, "command and arguments may hold at most %d strings", maxArgv)
	}
	for _, a := range slices.Concat(c.Command, c.Arguments) {
		if len(a) > maxArgLength || strings.ContainsRune(a, 0) {
			return api.Errorf(api.ErrInvalid, "a command or argument string is longer than %d bytes or holds NUL", maxArgLength)
		}
	}
	if c.TrustedProfile != "" && (len(c.TrustedProfile) > 256 || strings.ContainsAny(c.TrustedProfile, "\r\n\x00")) {
		return api.Errorf(api.ErrInvalid, "trusted_profile must be a trusted profile name of at most 256 characters")
	}
	return checkEnv(c.Env)
}

// checkEnv refuses bad names, oversized values and credential-looking names.
func checkEnv(env map[string]string) error {
	if len(env) > maxEnvVars {
		return api.Errorf(api.ErrInvalid, "env may hold at most %d variables", maxEnvVars)
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		v := env[k]
		switch {
		case !envNameRE.MatchString(k):
			return api.Errorf(api.ErrInvalid, "env name %q must be letters, digits and '_', not starting with a digit", k)
		case len(v) > maxEnvValue || strings.ContainsRune(v, 0):
			return api.Errorf(api.ErrInvalid, "env %s: value longer than %d bytes or holding NUL", k, maxEnvValue)
		case api.IsCredentialEnvName(k):
			return api.Errorf(api.ErrInvalid, "env %s looks like a credential: an app's env holds plain configuration; "+
				"keep secrets in Secrets Manager and read them with the app's trusted profile", k)
		}
	}
	return nil
}

// component authorizes action on component typ/name of project ref and
// loads it. A component the caller may not see answers like a missing one.
func (s *Service) component(ctx context.Context, cred authz.Credential, ref, typ, name string,
	action func(actions) string) (*store.ComputeProject, *store.ComputeComponent, error) {
	acts, err := typeActions(typ)
	if err != nil {
		return nil, nil, err
	}
	_, proj, err := s.authorizedProject(ctx, cred, ref, action(acts), func(p *store.ComputeProject) authz.Resource {
		return componentResource(p, typ, name)
	})
	if err != nil {
		return nil, nil, err
	}
	c, err := s.st.ComputeComponentByName(ctx, proj.GUID, typ, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errComponentNotFound(acts.noun, name)
	}
	return proj, c, err
}

// Component returns the application or job name of project ref
// (codeengine.app.get or codeengine.job.get). Errors: api.ErrNotFound, and
// the gate's.
func (s *Service) Component(ctx context.Context, cred authz.Credential, ref, typ, name string) (*api.ComputeComponent, error) {
	proj, c, err := s.component(ctx, cred, ref, typ, name, func(a actions) string { return a.get })
	if err != nil {
		return nil, err
	}
	return componentView(proj, c), nil
}

// ListComponents returns a page of the project's applications or jobs that
// the caller may see (codeengine.app.list or codeengine.job.list). Errors:
// api.ErrNotFound (project), api.ErrInvalid (page token), and the gate's.
func (s *Service) ListComponents(ctx context.Context, cred authz.Credential, ref, typ string, pg Page) (*api.ComputeComponentList, error) {
	acts, err := typeActions(typ)
	if err != nil {
		return nil, err
	}
	p, proj, err := s.authorizedProject(ctx, cred, ref, api.ActionProjectGet, projectResource)
	if err != nil {
		return nil, err
	}
	items, next, err := s.st.ListComputeComponents(ctx, proj.GUID, typ, pg.options())
	if err != nil {
		return nil, err
	}
	out := &api.ComputeComponentList{Components: []api.ComputeComponent{}, Next: next}
	for _, c := range items {
		if s.gate.Allowed(ctx, p, acts.list, componentResource(proj, typ, c.Name)) {
			out.Components = append(out.Components, *componentView(proj, c))
		}
	}
	return out, nil
}

// UpdateComponent changes the application or job name of project ref
// (codeengine.app.update or codeengine.job.update); see
// api.UpdateComputeComponentRequest. Errors: api.ErrInvalid, api.ErrNotFound,
// api.ErrConflict (changed concurrently twice over), and the gate's.
func (s *Service) UpdateComponent(ctx context.Context, cred authz.Credential, ref, typ, name string, req api.UpdateComputeComponentRequest) (*api.ComputeComponent, error) {
	for attempt := 0; ; attempt++ {
		proj, c, err := s.component(ctx, cred, ref, typ, name, func(a actions) string { return a.update })
		if err != nil {
			return nil, err
		}
		applyPatch(c, req)
		if err := checkComponent(actionsOf[typ].noun, c); err != nil {
			return nil, err
		}
		err = s.st.UpdateComputeComponent(ctx, c)
		if errors.Is(err, store.ErrConflict) && attempt < 2 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return componentView(proj, c), nil
	}
}

func applyPatch(c *store.ComputeComponent, req api.UpdateComputeComponentRequest) {
	if req.Image != nil {
		c.Image = *req.Image
	}
	if req.Command != nil {
		c.Command = *req.Command
	}
	if req.Arguments != nil {
		c.Arguments = *req.Arguments
	}
	if req.Env != nil {
		c.Env = *req.Env
	}
	if req.TrustedProfile != nil {
		c.TrustedProfile = *req.TrustedProfile
		if c.TrustedProfile != "" {
			c.TrustedProfilesEnabled = true
		}
	}
	if req.TrustedProfilesEnabled != nil {
		c.TrustedProfilesEnabled = *req.TrustedProfilesEnabled
	}
}

// DeleteComponent deletes the application or job name of project ref
// (codeengine.app.delete or codeengine.job.delete). Errors:
// api.ErrNotFound, and the gate's.
func (s *Service) DeleteComponent(ctx context.Context, cred authz.Credential, ref, typ, name string) error {
	_, c, err := s.component(ctx, cred, ref, typ, name, func(a actions) string { return a.del })
	if err != nil {
		return err
	}
	if err := s.st.DeleteComputeComponent(ctx, c.ID); errors.Is(err, store.ErrNotFound) {
		return errComponentNotFound(actionsOf[typ].noun, name)
	} else if err != nil {
		return err
	}
	return nil
}
