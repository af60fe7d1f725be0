package apiserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// servePodLog is GET pods/<name>/log: the container's log, read from the
// kubelet of the pod's node and streamed back as text/plain.
func (s *Server) servePodLog(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo, ns string) {
	if sv.res.Group != "" || info.Resource != "pods" {
		s.writeError(w, r, notFound())
		return
	}
	if info.Verb != "get" {
		s.writeError(w, r, methodNotAllowed(info.Verb, "pods/log"))
		return
	}
	q := r.URL.Query()
	params, follow, err := podLogParams(q, info.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pod, err := s.getPod(r.Context(), sv, ns, info.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	container, err := validateContainer(pod, q.Get("container"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if pod.Spec.NodeName == "" {
		// Upstream answers an unscheduled pod's log with an empty stream.
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		return
	}
	resp, err := s.kubeletGet(r.Context(), pod.Spec.NodeName, "/containerLogs/"+ns+"/"+pod.Name+"/"+container, params)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 206 {
		s.writeError(w, r, kubeletError(resp, schema.GroupResource{Resource: "pods/log"}, info.Name))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	copyFlushing(w, resp.Body, follow)
}

// kubeletGet sends a GET for path to the kubelet of node.
func (s *Server) kubeletGet(ctx context.Context, node, path string, params url.Values) (*http.Response, error) {
	addr, err := s.kubeletAddr(ctx, node)
	if err != nil {
		return nil, err
	}
	u := &url.URL{Scheme: "https", Host: addr, Path: path, RawQuery: params.Encode()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Transport: s.kubelet}).Do(req)
	if err != nil {
		return nil, backendError(err)
	}
	return resp, nil
}

// copyFlushing streams src to w; with flush every chunk goes out at once.
func copyFlushing(w http.ResponseWriter, src io.Reader, flush bool) {
	rc := http.NewResponseController(w)
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flush {
				rc.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

func (s *Server) getPod(ctx context.Context, sv *served, ns, name string) (*corev1.Pod, error) {
	obj, err := sv.rest.Get(ctx, ns, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Pod), nil
}

// validateContainer picks the container a log, exec or attach is for, by
// upstream's rules: the one named (it must exist), else the only one.
func validateContainer(pod *corev1.Pod, name string) (string, error) {
	if name != "" {
		if !podHasContainer(pod, name) {
			return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
		}
		return name, nil
	}
	switch len(pod.Spec.Containers) {
	case 1:
		return pod.Spec.Containers[0].Name, nil
	case 0:
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod.Name))
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, allContainerNames(pod)))
}

func podHasContainer(pod *corev1.Pod, name string) bool {
	for _, n := range allContainerNames(pod) {
		if n == name {
			return true
		}
	}
	return false
}

// allContainerNames lists init, regular and ephemeral containers, the
// order upstream's VisitContainers walks them.
func allContainerNames(pod *corev1.Pod) []string {
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name)
	}
	return names
}

// podLogParams reads and validates PodLogOptions and returns the query the
// kubelet takes, and whether the log is followed.
func podLogParams(q url.Values, name string) (url.Values, bool, error) {
	out := url.Values{}
	flags := map[string]bool{}
	for _, f := range []string{"follow", "previous", "timestamps"} {
		if flags[f] = queryBool(q, f); flags[f] {
			out.Set(f, "true")
		}
	}
	var errs field.ErrorList
	ints := map[string]*int64{}
	for _, f := range []string{"sinceSeconds", "tailLines", "limitBytes"} {
		v, err := queryInt(q, f)
		if err != nil {
			return nil, false, err
		}
		ints[f] = v
	}
	if v := ints["tailLines"]; v != nil && *v < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *v, "must be greater than or equal to 0"))
	}
	if v := ints["limitBytes"]; v != nil && *v < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *v, "must be greater than 0"))
	}
	if v := ints["sinceSeconds"]; v != nil && *v < 1 {
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *v, "must be greater than 0"))
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, false, apierrors.NewBadRequest(err.Error())
		}
		if ints["sinceSeconds"] != nil {
			errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
		}
		out.Set("sinceTime", t.Format(time.RFC3339))
	}
	if len(errs) > 0 {
		return nil, false, apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, name, errs)
	}
	for f, v := range ints {
		if v != nil {
			out.Set(f, strconv.FormatInt(*v, 10))
		}
	}
	return out, flags["follow"], nil
}

// queryBool reads a boolean option the way upstream's parameter decoding
// does: present and not "0" or "false" is true.
func queryBool(q url.Values, name string) bool {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return false
	}
	return vs[0] != "0" && !strings.EqualFold(vs[0], "false")
}

func queryInt(q url.Values, name string) (*int64, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return &n, nil
}
