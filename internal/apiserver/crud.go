package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, sv *served, ns, name string) {
	obj, err := sv.rest.Get(r.Context(), ns, name, metav1.GetOptions{ResourceVersion: r.URL.Query().Get("resourceVersion")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, obj, sv.conv)
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request, sv *served, ns string) {
	opts, err := listOptions(r, sv.res)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := sv.rest.List(r.Context(), ns, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, list, sv.conv)
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, sv *served, ns string) {
	if sv.res.Namespaced && ns == "" {
		s.writeError(w, r, notFound())
		return
	}
	obj, opts, err := s.readWrite(w, r, sv.res)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := sv.rest.Create(r.Context(), ns, obj, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusCreated, out, sv.conv)
}

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, sv *served, ns, name, sub string) {
	obj, opts, err := s.readWrite(w, r, sv.res)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, created, err := sv.rest.Update(r.Context(), ns, name, sub, func(_ context.Context, _ runtime.Object) (runtime.Object, error) {
		return obj.DeepCopyObject(), nil
	}, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	s.writeObject(w, r, code, out, sv.conv)
}

// deleteOptions reads DeleteOptions from the body (JSON, YAML or
// protobuf) or the query string.
func (s *Server) deleteOptions(r *http.Request) (metav1.DeleteOptions, error) {
	var opts metav1.DeleteOptions
	data, err := readBody(r)
	if err != nil {
		return opts, err
	}
	if len(data) > 0 {
		if err := s.decodeOptions(r, data, &opts); err != nil {
			return opts, err
		}
	}
	q := r.URL.Query()
	if v := q.Get("gracePeriodSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %q", v))
		}
		opts.GracePeriodSeconds = &n
	}
	if v := q.Get("propagationPolicy"); v != "" {
		p := metav1.DeletionPropagation(v)
		opts.PropagationPolicy = &p
	}
	if v := q.Get("orphanDependents"); v != "" {
		b := v == "true"
		opts.OrphanDependents = &b
	}
	if dry, err := dryRun(r); err != nil {
		return opts, err
	} else if dry {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	for _, d := range opts.DryRun {
		if d != metav1.DryRunAll {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("Invalid dryRun value %q, only \"All\" is supported", d))
		}
	}
	if p := opts.PropagationPolicy; p != nil {
		switch *p {
		case metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan:
		default:
			return opts, apierrors.NewBadRequest(fmt.Sprintf("propagationPolicy: Unsupported value: %q: supported values: \"Foreground\", \"Background\", \"Orphan\"", *p))
		}
		if opts.OrphanDependents != nil {
			return opts, apierrors.NewBadRequest("propagationPolicy: Invalid value: Orphan: orphanDependents and deletionPropagation cannot be both set")
		}
	}
	if g := opts.GracePeriodSeconds; g != nil && *g < 0 {
		zero := int64(0)
		opts.GracePeriodSeconds = &zero
	}
	return opts, nil
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, sv *served, ns, name string) {
	opts, err := s.deleteOptions(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, deleted, err := sv.rest.Delete(r.Context(), ns, name, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !deleted {
		// Marked for deletion (finalizers, grace period): the object, with
		// 200 as upstream answers, 202 only when the client asked for
		// cascading deletion the legacy way (orphanDependents=false).
		code := http.StatusOK
		if o := opts.OrphanDependents; o != nil && !*o {
			code = http.StatusAccepted
		}
		s.writeObject(w, r, code, out, sv.conv)
		return
	}
	if sv.res.ReturnDeleted {
		s.writeObject(w, r, http.StatusOK, out, sv.conv)
		return
	}
	m, _ := meta.Accessor(out)
	st := &metav1.Status{Status: metav1.StatusSuccess, Details: &metav1.StatusDetails{
		Name: name, Group: sv.res.Group, Kind: sv.res.Resource, UID: m.GetUID(),
	}}
	s.writeObject(w, r, http.StatusOK, st, nil)
}

func (s *Server) handleDeleteCollection(w http.ResponseWriter, r *http.Request, sv *served, ns string) {
	lopts, err := listOptions(r, sv.res)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	opts, err := s.deleteOptions(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := sv.rest.DeleteCollection(r.Context(), ns, lopts, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, out, sv.conv)
}

// decodeOptions decodes a DeleteOptions body: JSON, YAML or protobuf (the
// "k8s\x00" envelope around the message). Its apiVersion is not checked:
// clients send v1 or meta.k8s.io/v1, both mean the same type.
func (s *Server) decodeOptions(r *http.Request, data []byte, opts *metav1.DeleteOptions) error {
	var err error
	switch contentType(r) {
	case mtProtobuf:
		var u runtime.Unknown
		if len(data) < 4 || string(data[:4]) != "k8s\x00" {
			err = fmt.Errorf("not a protobuf envelope")
		} else if err = u.Unmarshal(data[4:]); err == nil {
			err = opts.Unmarshal(u.Raw)
		}
	default:
		err = yaml.Unmarshal(data, opts)
	}
	if err != nil {
		return apierrors.NewBadRequest("invalid DeleteOptions: " + err.Error())
	}
	return nil
}
