package compiler

import "github.com/floe-dev/floe/schemas/check"

// unmarshalJSON returns the generic value of JSON bytes, as the validator reads them.
func unmarshalJSON(b []byte) (any, error) {
	return check.ParseJSON(b)
}
