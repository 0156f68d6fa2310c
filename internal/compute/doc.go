// Package compute is Coffer's compute runtime, in the manner of IBM Code
// Engine: projects, and in them applications and jobs with a command, an
// environment and a trusted-profile setting. Its one privilege is minting
// compute-resource (CR) tokens: short-lived JWTs of the account's compute
// runtime issuer (see identity.MintCRToken) whose subject is the component's
// CRN. The runner of `coffer ce app run` asks for one, hands it to the
// program it starts as a file, and IBM's ContainerAuthenticator exchanges it
// at /identity/token (cr-token grant) for an access token of a trusted
// profile linked to the component. No API key ever reaches the program.
//
// # Model
//
// A project belongs to an account and has a GUID, a name unique in the
// account and a region; its CRN is
// crn:v1:coffer:public:codeengine:REGION:a/ACCOUNT:PROJECT_GUID::. A
// component (type application or job) has a name unique in its project and
// type and the CRN of its project with the type and name appended
// (...:PROJECT_GUID:application:NAME). Projects are addressed by name or
// GUID within the caller's account.
//
// # Authorization
//
// Every operation starts at the authz gate with IBM's Code Engine action
// names (codeengine.project.*, codeengine.app.*, codeengine.job.*). The
// resource carries accountId, serviceName codeengine, serviceInstance (the
// project GUID), region, resourceType (application or job) and resource (the
// component name). An object the caller may not see answers as missing.
// Minting a CR token needs codeengine.app.run (or codeengine.job.run) and a
// component whose trusted profiles are enabled.
//
// # Environment
//
// A component's env holds plain configuration. Names that look like
// credentials (api.IsCredentialEnvName) are refused: secrets belong in
// Secrets Manager, read with the CR token.
package compute
