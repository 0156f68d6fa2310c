package httpapi

// routeSecrets registers the Secrets Manager v2 routes and the routing of
// requests to instances.
func (s *Server) routeSecrets() {}
