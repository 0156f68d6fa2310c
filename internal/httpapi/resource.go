package httpapi

// routeResource registers the Resource Controller routes
// (/v2/resource_instances, /v2/resource_groups).
func (s *Server) routeResource() {}
