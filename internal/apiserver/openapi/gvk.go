package openapi

import (
	"cmp"
	"reflect"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// gvkExtension is the vendor extension naming the kinds a schema encodes.
const gvkExtension = "x-kubernetes-group-version-kind"

// newScheme registers exactly the API groups whose schemas are generated, so
// that kinds map to Go types and Go types to OpenAPI model names.
func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme,
		autoscalingv1.AddToScheme, autoscalingv2.AddToScheme, networkingv1.AddToScheme,
		discoveryv1.AddToScheme, coordinationv1.AddToScheme, eventsv1.AddToScheme,
		rbacv1.AddToScheme, storagev1.AddToScheme, schedulingv1.AddToScheme,
		policyv1.AddToScheme, authenticationv1.AddToScheme, authorizationv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

type modelNamer interface{ OpenAPIModelName() string }

// modelName returns the OpenAPI model name of a Go type ("" if it has none).
func modelName(t reflect.Type) string {
	if n, ok := reflect.New(t).Interface().(modelNamer); ok {
		return n.OpenAPIModelName()
	}
	return ""
}

// kindIndex maps kinds to model names and back.
type kindIndex struct {
	models map[schema.GroupVersionKind]string
	kinds  map[string][]schema.GroupVersionKind // sorted by group, version, kind
}

func newKindIndex(s *runtime.Scheme) *kindIndex {
	ix := &kindIndex{models: map[schema.GroupVersionKind]string{}, kinds: map[string][]schema.GroupVersionKind{}}
	for gvk, t := range s.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		name := modelName(t)
		if name == "" {
			continue
		}
		ix.models[gvk] = name
		ix.kinds[name] = append(ix.kinds[name], gvk)
	}
	for _, l := range ix.kinds {
		slices.SortFunc(l, func(a, b schema.GroupVersionKind) int {
			return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Kind, b.Kind))
		})
	}
	return ix
}

// model returns the model name of gvk.
func (ix *kindIndex) model(gvk schema.GroupVersionKind) (string, bool) {
	n, ok := ix.models[gvk]
	return n, ok
}

// extension returns the x-kubernetes-group-version-kind value for a model,
// in the []interface{} of map[string]interface{} form that both JSON
// encoding and managedfields' parser expect; nil if the model is no kind.
func (ix *kindIndex) extension(model string) []interface{} {
	l := ix.kinds[model]
	if len(l) == 0 {
		return nil
	}
	out := make([]interface{}, len(l))
	for i, gvk := range l {
		out[i] = map[string]interface{}{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}
	}
	return out
}
