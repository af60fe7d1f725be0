package apiserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// proxyTo forwards r to target and streams the answer back as it comes.
// An upgrade request (exec, attach, port-forward; SPDY or websocket) is
// spliced to the backend once it switches protocols; if it does not, its
// error response is relayed as is.
func (s *Server) proxyTo(w http.ResponseWriter, r *http.Request, target *url.URL, transport http.RoundTripper) {
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			u := *target
			pr.Out.URL = &u
			pr.Out.Host = target.Host
			// The client's credentials are for this server, not the backend.
			pr.Out.Header.Del("Authorization")
		},
		Transport:     transport,
		FlushInterval: -1,
		ErrorLog:      slogErrorLog(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.writeError(w, r, backendError(err))
		},
	}
	p.ServeHTTP(w, r)
}

// kubeletError turns a kubelet's error response into the Status upstream's
// apiserver answers with (its GenericHttpResponseChecker): the kubelet's
// message, with the code's usual reason. The kubelet may answer with a
// Status or with plain text.
func kubeletError(resp *http.Response, gr schema.GroupResource, name string) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64*1024))
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	msg := strings.TrimSpace(string(body))
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		msg = st.Message
	}
	switch resp.StatusCode {
	case http.StatusInternalServerError:
		return apierrors.NewInternalError(errors.New(msg))
	case http.StatusBadRequest:
		return apierrors.NewBadRequest(msg)
	}
	return apierrors.NewGenericServerResponse(resp.StatusCode, "", gr, name, msg, 0, false)
}
