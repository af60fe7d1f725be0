package apiserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"orca/internal/auth"
)

// inProcess is the transport of the clients of orca's own components
// running inside the server's process (scheduler, controllers, the agent
// of `orca up`): it hands each request to the server's handler directly,
// with no TLS, no socket and no HTTP/2 framing on either side. The
// components still speak the Kubernetes API through client-go (DESIGN
// rule 1); only the hop is shorter. Requests carry the loopback user in
// their context, where no remote client can put anything.
type inProcess struct {
	handler http.Handler
	user    *auth.User
}

type inProcessUserKey struct{}

// inProcessUser is the user of a request made through inProcess, or nil.
func inProcessUser(r *http.Request) *auth.User {
	u, _ := r.Context().Value(inProcessUserKey{}).(*auth.User)
	return u
}

// RoundTrip runs the handler in its own goroutine and returns once it has
// sent its status and headers; the body streams through a pipe, so a
// watch is read as the handler writes it. Closing the body, or the end of
// the request's context, ends the handler's request context.
func (t *inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(context.WithValue(req.Context(), inProcessUserKey{}, t.user))
	r := req.Clone(ctx)
	r.RequestURI = req.URL.RequestURI()
	r.RemoteAddr = "127.0.0.1:0"
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	pr, pw := io.Pipe()
	w := &pipeResponse{header: http.Header{}, ready: make(chan struct{}), body: pw}
	stop := context.AfterFunc(req.Context(), func() { pr.CloseWithError(req.Context().Err()) })
	go func() {
		defer cancel()
		defer r.Body.Close() // a RoundTripper closes the request body
		defer func() {
			if p := recover(); p != nil {
				err := fmt.Errorf("in-process request %s %s: handler panicked: %v", req.Method, req.URL.Path, p)
				w.fail(err)
				pw.CloseWithError(err)
			}
		}()
		t.handler.ServeHTTP(w, r)
		w.WriteHeader(http.StatusOK) // a handler that wrote nothing
		pw.Close()
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	if w.err != nil {
		stop()
		pr.Close()
		return nil, w.err
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", w.code, http.StatusText(w.code)),
		StatusCode:    w.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		Body:          &pipeBody{PipeReader: pr, done: func() { stop(); cancel() }},
		ContentLength: -1,
		Request:       req,
	}, nil
}

// pipeResponse is the handler's ResponseWriter: the status and a copy of
// the headers are handed over at the first WriteHeader, Write or Flush.
type pipeResponse struct {
	header http.Header
	body   *io.PipeWriter

	once  sync.Once
	ready chan struct{}
	code  int
	sent  http.Header
	err   error
}

func (w *pipeResponse) Header() http.Header { return w.header }

func (w *pipeResponse) WriteHeader(code int) {
	w.once.Do(func() {
		w.code, w.sent = code, w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeResponse) fail(err error) {
	w.once.Do(func() {
		w.err = err
		close(w.ready)
	})
}

func (w *pipeResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// Flush has nothing to do: the pipe hands every write to the reader.
func (w *pipeResponse) Flush() { w.WriteHeader(http.StatusOK) }

// pipeBody ends the handler's request when the client closes the body.
type pipeBody struct {
	*io.PipeReader
	once sync.Once
	done func()
}

func (b *pipeBody) Close() error {
	b.once.Do(b.done)
	b.PipeReader.CloseWithError(errBodyClosed)
	return nil
}

var errBodyClosed = errors.New("in-process response body closed")
