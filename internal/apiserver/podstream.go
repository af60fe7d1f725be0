package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// servePodStream is pods/<name>/exec, /attach and /portforward (GET or
// POST, upgraded to SPDY or a websocket): the request goes to the kubelet
// of the pod's node with upstream's parameters, and the connection is
// spliced through once the kubelet switches protocols.
func (s *Server) servePodStream(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo, ns string) {
	if sv.res.Group != "" || info.Resource != "pods" {
		s.writeError(w, r, notFound())
		return
	}
	if info.Verb != "get" && info.Verb != "create" {
		s.writeError(w, r, methodNotAllowed(info.Verb, "pods/"+info.Subresource))
		return
	}
	pod, err := s.getPod(r.Context(), sv, ns, info.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	params := url.Values{}
	path := "/portForward/" + ns + "/" + pod.Name
	if info.Subresource == "portforward" {
		err = portParams(q, params)
	} else {
		var container string
		container, err = streamContainer(pod, q.Get("container"))
		path = "/" + info.Subresource + "/" + ns + "/" + pod.Name + "/" + container
		streamParams(q, params, info.Subresource == "exec")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if pod.Spec.NodeName == "" {
		s.writeError(w, r, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name)))
		return
	}
	addr, err := s.kubeletAddr(r.Context(), pod.Spec.NodeName)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.proxyTo(w, r, &url.URL{Scheme: "https", Host: addr, Path: path, RawQuery: params.Encode()}, s.kubelet)
}

// streamContainer is validateContainer with the wording upstream uses for
// exec and attach, which names init containers apart.
func streamContainer(pod *corev1.Pod, name string) (string, error) {
	if name != "" || len(pod.Spec.Containers) < 2 {
		return validateContainer(pod, name)
	}
	names := func(cs []corev1.Container) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return strings.Join(out, " ")
	}
	msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: [%s]", pod.Name, names(pod.Spec.Containers))
	if len(pod.Spec.InitContainers) > 0 {
		msg += fmt.Sprintf(" or one of the init containers: [%s]", names(pod.Spec.InitContainers))
	}
	return "", apierrors.NewBadRequest(msg)
}

// streamParams translates PodExecOptions/PodAttachOptions into the
// kubelet's query, as upstream does ("1" flags, repeated command).
func streamParams(q, out url.Values, exec bool) {
	for _, f := range []string{"stdin", "stdout", "stderr", "tty"} {
		if queryBool(q, f) {
			out.Set(f, "1")
		}
	}
	if exec {
		out["command"] = q["command"]
	}
}

// portParams checks PodPortForwardOptions' ports and passes them on as the
// kubelet's comma-separated "port".
func portParams(q, out url.Values) error {
	var ports []string
	for _, v := range q["ports"] {
		for _, p := range strings.Split(v, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 32)
			if err != nil {
				return apierrors.NewBadRequest(err.Error())
			}
			if n < 1 || n > 65535 {
				return apierrors.NewBadRequest(fmt.Sprintf("port %d must be in the range 1 to 65535", n))
			}
			ports = append(ports, strconv.FormatInt(n, 10))
		}
	}
	if len(ports) > 0 {
		out.Set("port", strings.Join(ports, ","))
	}
	return nil
}
