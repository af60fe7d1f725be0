package storage

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// Codec turns objects into the bytes kept in etcd and back. It writes
// Kubernetes' protobuf envelope ("k8s\x00" + runtime.Unknown), the format
// kube-apiserver stores, so etcd tooling that reads upstream data reads ours.
type Codec struct {
	scheme *runtime.Scheme
	pb     *protobuf.Serializer
}

func NewCodec(scheme *runtime.Scheme) *Codec {
	return &Codec{scheme: scheme, pb: protobuf.NewSerializer(scheme, scheme)}
}

// Encode writes obj. Its TypeMeta must name its kind (the registry sets it).
func (c *Codec) Encode(obj runtime.Object) ([]byte, error) {
	if obj.GetObjectKind().GroupVersionKind().Empty() {
		if err := c.SetKind(obj); err != nil {
			return nil, err
		}
	}
	return Encode(c.pb, obj)
}

// Decode reads data into a fresh object from newObj and sets its kind.
func (c *Codec) Decode(data []byte, newObj func() runtime.Object) (runtime.Object, error) {
	into := newObj()
	out, _, err := c.pb.Decode(data, nil, into)
	if err != nil {
		return nil, fmt.Errorf("decode stored object: %w", err)
	}
	if err := c.SetKind(out); err != nil {
		return nil, err
	}
	return out, nil
}

// SetKind fills obj's apiVersion and kind from the scheme.
func (c *Codec) SetKind(obj runtime.Object) error {
	gvks, _, err := c.scheme.ObjectKinds(obj)
	if err != nil {
		return err
	}
	obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	return nil
}
