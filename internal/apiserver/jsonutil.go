package apiserver

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime"
)

// jsonRoundTrip copies in into out through JSON (for same-shaped types).
func jsonRoundTrip(in, out runtime.Object) (runtime.Object, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return out, json.Unmarshal(b, out)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
