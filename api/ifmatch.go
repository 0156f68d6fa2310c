package api

import "strings"

// IfMatchAny reports whether an If-Match header value accepts any version
// of the object ("*", possibly quoted or weak): the caller asks for its
// change whatever the version, so a concurrent change must not refuse it.
func IfMatchAny(ifMatch string) bool {
	return strings.Trim(strings.TrimPrefix(strings.TrimSpace(ifMatch), "W/"), `"`) == "*"
}
