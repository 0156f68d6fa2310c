// Package coffer is the root of Coffer, a self-hosted secrets manager that
// speaks IBM Cloud's Secrets Manager and IAM APIs. The binary is cmd/coffer;
// see README.md and ARCHITECTURE.md.
package coffer
