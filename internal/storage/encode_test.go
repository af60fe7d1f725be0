package storage

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
)

func TestEncodeIsExactAndTight(t *testing.T) {
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"a": strings.Repeat("b", 60)}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img"}}},
	}
	for name, enc := range map[string]runtime.Encoder{
		"protobuf": protobuf.NewSerializer(scheme.Scheme, scheme.Scheme),
		"json":     json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, json.SerializerOptions{}),
	} {
		var want bytes.Buffer
		if err := enc.Encode(pod, &want); err != nil {
			t.Fatal(err)
		}
		got, err := Encode(enc, pod)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: Encode differs from the encoder's own output", name)
		}
		if slack := cap(got) - len(got); slack > len(got)/8 {
			t.Errorf("%s: %d bytes of %d unused", name, slack, cap(got))
		}
	}
}
