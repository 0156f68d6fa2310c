package httpapi

// routeIdentity registers the IAM Identity API v1 routes and Coffer's
// account and user routes.
func (s *Server) routeIdentity() {}
