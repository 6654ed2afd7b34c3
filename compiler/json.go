package compiler

import (
	"bytes"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func unmarshalJSON(b []byte) (any, error) {
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}
