package apiserver

import (
	"context"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"orca/internal/registry"
	"orca/internal/storage"
)

// backend is what the handlers need from a resource's REST logic.
type backend interface {
	Get(ctx context.Context, ns, name string, opts metav1.GetOptions) (runtime.Object, error)
	List(ctx context.Context, ns string, opts storage.ListOptions) (runtime.Object, error)
	Watch(ctx context.Context, ns string, opts storage.ListOptions) (*storage.Watch, error)
	Create(ctx context.Context, ns string, obj runtime.Object, opts registry.WriteOptions) (runtime.Object, error)
	Update(ctx context.Context, ns, name, sub string, fn registry.NewObjectFunc, opts registry.WriteOptions) (runtime.Object, bool, error)
	Delete(ctx context.Context, ns, name string, opts metav1.DeleteOptions) (runtime.Object, bool, error)
	DeleteCollection(ctx context.Context, ns string, lopts storage.ListOptions, opts metav1.DeleteOptions) (runtime.Object, error)
}

// served is one resource as the handlers see it.
type served struct {
	res  *registry.Resource
	rest backend
	conv *converter
	// decodeStored turns a cached object into what this version serves
	// (identity unless the resource is stored at another version).
	fromStorage func(runtime.Object) (runtime.Object, error)
}

func (s *Server) lookup(info *RequestInfo) *served {
	return s.resources[gvrKey{info.Group, info.Version, info.Resource}]
}

type gvrKey struct{ group, version, resource string }

// serveResource handles every request under /api and /apis that names a resource.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, info *RequestInfo) {
	sv := s.lookup(info)
	if sv == nil {
		s.writeError(w, r, notFound())
		return
	}
	if !sv.res.Namespaced && info.Namespace != "" && info.Resource != "namespaces" {
		s.writeError(w, r, notFound())
		return
	}
	if msg, ok := deprecated[sv.res.GVR()]; ok {
		addWarning(w, msg)
	}
	ns := info.Namespace
	if info.Resource == "namespaces" {
		ns = ""
	}
	switch info.Subresource {
	case "":
		s.serveMain(w, r, sv, info, ns)
	case "status":
		if !sv.res.Status {
			s.writeError(w, r, notFound())
			return
		}
		s.serveStatus(w, r, sv, info, ns)
	case "scale":
		if sv.res.Scale == nil {
			s.writeError(w, r, notFound())
			return
		}
		s.serveScale(w, r, sv, info, ns)
	case "binding":
		s.serveBinding(w, r, sv, info, ns)
	case "eviction":
		s.serveEviction(w, r, sv, info, ns)
	case "finalize":
		s.serveFinalize(w, r, sv, info)
	case "log":
		s.servePodLog(w, r, sv, info, ns)
	case "exec", "attach", "portforward":
		s.servePodStream(w, r, sv, info, ns)
	case "proxy":
		s.serveNodeProxy(w, r, sv, info)
	default:
		s.writeError(w, r, notFound())
	}
}

func (s *Server) serveMain(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo, ns string) {
	switch info.Verb {
	case "get":
		s.handleGet(w, r, sv, ns, info.Name)
	case "list":
		s.handleList(w, r, sv, ns)
	case "watch":
		s.handleWatch(w, r, sv, ns, info.Name)
	case "create":
		if info.Name != "" {
			s.writeError(w, r, methodNotAllowed("create", info.Resource))
			return
		}
		s.handleCreate(w, r, sv, ns)
	case "update", "patch":
		if info.Name == "" { // PUT and PATCH name an object, never a collection
			s.writeError(w, r, methodNotAllowed(info.Verb, info.Resource))
			return
		}
		if info.Verb == "update" {
			s.handleUpdate(w, r, sv, ns, info.Name, "")
		} else {
			s.handlePatch(w, r, sv, ns, info.Name, "")
		}
	case "delete":
		s.handleDelete(w, r, sv, ns, info.Name)
	case "deletecollection":
		s.handleDeleteCollection(w, r, sv, ns)
	default:
		s.writeError(w, r, methodNotAllowed(info.Verb, info.Resource))
	}
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo, ns string) {
	switch info.Verb {
	case "get":
		s.handleGet(w, r, sv, ns, info.Name)
	case "update":
		s.handleUpdate(w, r, sv, ns, info.Name, "status")
	case "patch":
		s.handlePatch(w, r, sv, ns, info.Name, "status")
	default:
		s.writeError(w, r, methodNotAllowed(info.Verb, info.Resource+"/status"))
	}
}
