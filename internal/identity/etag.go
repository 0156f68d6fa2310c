package identity

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// IBM message code for a property that is missing or empty, used for a
// missing If-Match header.
const codePropertyMissing = "BXNIM0109E"

// entityTag returns the entity tag of an IAM Identity object at revision:
// "<revision>-<md5 hex of the JSON encoding of v>", the form IBM uses
// ("2-b36be9d5a3152ef753a76c0baf4293f2"). v is the response object with its
// EntityTag still empty and without any API key value, so the tag changes
// exactly when what a client sees changes. MD5 is an identifier here, not a
// protection: tags are public.
func entityTag(revision int64, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only wire structs of strings, numbers and booleans reach here
	}
	sum := md5.Sum(b)
	return strconv.FormatInt(revision, 10) + "-" + hex.EncodeToString(sum[:])
}

// checkIfMatch checks the If-Match header of an update against the current
// entity tag. "*" skips the check; quotes and a weak W/ prefix are ignored.
// Errors: api.ErrInvalid (code BXNIM0109E) when ifMatch is empty,
// api.ErrConflict when it names another version.
func checkIfMatch(ifMatch, current string) error {
	tag := strings.TrimSpace(ifMatch)
	tag = strings.Trim(strings.TrimPrefix(tag, "W/"), `"`)
	switch tag {
	case "":
		return &api.Error{Kind: api.ErrInvalid, Code: codePropertyMissing,
			Message: "The If-Match header is required: send the entity_tag of the object (or * to skip the check)."}
	case "*", current:
		return nil
	}
	return &api.Error{Kind: api.ErrConflict,
		Message: "The entity_tag in If-Match is not the current one: the object was changed since it was read. Read it again and retry."}
}

// errLocked is the answer to a change of a locked entity.
func errLocked(what, id string) error {
	return api.Errorf(api.ErrConflict, "%s %s is locked: unlock it before changing or deleting it", what, id)
}
