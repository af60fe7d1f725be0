package apiserver

import (
	"encoding/json"

	clientv3 "go.etcd.io/etcd/client/v3"
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

func clientv3CountOnly() []clientv3.OpOption {
	return []clientv3.OpOption{clientv3.WithCountOnly()}
}
