package httpapi

// routeToken registers the IAM token endpoint routes (/identity/...).
func (s *Server) routeToken() {}
