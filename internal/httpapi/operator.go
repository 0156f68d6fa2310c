package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer/api"
)

func (s *Server) routeOperator() {
	s.Handle("GET /coffer/v1/operator/seal-status", s.handleSealStatus)
	s.Handle("POST /coffer/v1/operator/init", s.handleInit)
	s.Handle("POST /coffer/v1/operator/unseal", s.handleUnseal)
	s.Handle("POST /coffer/v1/operator/seal", s.handleSeal)
	s.Handle("POST /coffer/v1/operator/rotate-root-key", s.handleRotateRootKey)
}

func (s *Server) handleSealStatus(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.cfg.Operator.SealStatus(r.Context()))
	return nil
}

func (s *Server) handleInit(w http.ResponseWriter, r *http.Request) error {
	var req api.InitRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	resp, err := s.cfg.Operator.Init(r.Context(), req.Shares, req.Threshold)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) handleUnseal(w http.ResponseWriter, r *http.Request) error {
	var req api.UnsealRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	st, err := s.cfg.Operator.Unseal(r.Context(), req.Share)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) handleSeal(w http.ResponseWriter, r *http.Request) error {
	cred, err := Credential(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Operator.Seal(r.Context(), cred); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.cfg.Operator.SealStatus(r.Context()))
	return nil
}

func (s *Server) handleRotateRootKey(w http.ResponseWriter, r *http.Request) error {
	cred, err := Credential(r)
	if err != nil {
		return err
	}
	res, err := s.cfg.Operator.RotateRootKey(r.Context(), cred)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
