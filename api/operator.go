package api

// SealStatus is the answer of GET /coffer/v1/operator/seal-status and of
// unseal calls.
type SealStatus struct {
	Type        string `json:"type"`        // keyfile, master-key, passphrase, shamir, dev
	Initialized bool   `json:"initialized"` // false until a Shamir server is initialized
	Sealed      bool   `json:"sealed"`
	Threshold   int    `json:"threshold,omitempty"` // shares needed (Shamir)
	Shares      int    `json:"shares,omitempty"`    // shares issued (Shamir)
	Progress    int    `json:"progress"`            // shares received so far (Shamir)
	RootKeyID   string `json:"root_key_id,omitempty"`
}

// InitRequest is the body of POST /coffer/v1/operator/init.
type InitRequest struct {
	Shares    int `json:"shares"`
	Threshold int `json:"threshold"`
}

// InitResponse carries the unseal shares, shown once.
type InitResponse struct {
	Shares    []string `json:"shares"`
	Threshold int      `json:"threshold"`
	RootKeyID string   `json:"root_key_id"`
}

// UnsealRequest is the body of POST /coffer/v1/operator/unseal.
type UnsealRequest struct {
	Share string `json:"share"`
}

// RootKeyRotation is the answer of POST /coffer/v1/operator/rotate-root-key.
type RootKeyRotation struct {
	RootKeyID string   `json:"root_key_id"`
	DataKeys  int      `json:"data_keys_rewrapped"`
	Shares    []string `json:"shares,omitempty"` // new unseal shares (Shamir), shown once
}

// Health is the body of /healthz and /readyz.
type Health struct {
	Status string            `json:"status"` // "ok" or "unavailable"
	Checks map[string]string `json:"checks,omitempty"`
}

// Version is the answer of GET /coffer/v1/version and of `coffer version`.
type Version struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
}
