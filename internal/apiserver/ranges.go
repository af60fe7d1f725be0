package apiserver

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"orca/internal/registry"
	"orca/internal/storage"
)

// ranges keeps the RangeAllocation objects behind ClusterIP and NodePort
// allocation under /registry/core/ranges/ (read and written through etcd
// directly, no watch cache).
type ranges struct{ store *storage.Store }

func (r ranges) Store() *storage.Store  { return r.store }
func (r ranges) Key(name string) string { return r.store.Prefix + name }

func (s *Server) setupAllocators(codec *storage.Codec) error {
	st := storage.NewStore(s.client, codec, storage.Config{
		GR: schema.GroupResource{Resource: "rangeallocations"}, Prefix: storage.ResourcePrefix("", "ranges"),
		NewObj: func() runtime.Object { return &corev1.RangeAllocation{} },
		Attrs:  func(runtime.Object) (labels.Set, fields.Set) { return nil, nil },
	}, storage.CacheOptions{})
	base, size, err := parsePortRange(s.cfg.ServiceNodePortRange)
	if err != nil {
		return err
	}
	s.hooks[corev1.SchemeGroupVersion.WithResource("services")] = registry.NewServiceAllocations(ranges{st}, s.serviceNet, base, size)
	return nil
}

func parsePortRange(v string) (base, size int, err error) {
	lo, hi, ok := strings.Cut(v, "-")
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || a <= 0 || b > 65535 || b < a {
		return 0, 0, fmt.Errorf("--service-node-port-range %q: want FROM-TO, like 30000-32767", v)
	}
	return a, b - a + 1, nil
}
