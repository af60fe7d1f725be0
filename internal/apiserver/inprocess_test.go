package apiserver

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"orca/internal/auth"
)

func inProcessGet(t *testing.T, rt http.RoundTripper, ctx context.Context, path string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://orca.invalid"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rt.RoundTrip(req)
}

func TestInProcessRoundTrip(t *testing.T) {
	user := &auth.User{Name: "system:apiserver", Groups: []string{auth.SystemMasters}}
	handlerDone := make(chan error, 1)
	next := make(chan struct{})
	rt := &inProcess{user: user, handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/plain":
			if u := authenticate(r); u != user || r.URL.RawQuery != "a=b" || r.RequestURI != "/plain?a=b" {
				http.Error(w, "wrong request", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, "short and stout")
			w.Header().Set("Late", "ignored") // after the headers went out
		case "/stream":
			io.WriteString(w, "one\n")
			w.(http.Flusher).Flush()
			<-next // the client read "one" before "two" exists
			io.WriteString(w, "two\n")
			<-r.Context().Done()
			handlerDone <- r.Context().Err()
		case "/slow":
			<-r.Context().Done()
			handlerDone <- r.Context().Err()
		case "/panic":
			panic("boom")
		}
	})}
	ctx := context.Background()

	resp, err := inProcessGet(t, rt, ctx, "/plain?a=b")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot || string(body) != "short and stout" || resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("Late") != "" {
		t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// Streaming: each line arrives as written; closing the body ends the
	// handler's request.
	resp, err = inProcessGet(t, rt, ctx, "/stream")
	if err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(resp.Body)
	if l, err := lines.ReadString('\n'); l != "one\n" || err != nil {
		t.Fatalf("first line %q, %v", l, err)
	}
	close(next)
	if l, err := lines.ReadString('\n'); l != "two\n" || err != nil {
		t.Fatalf("second line %q, %v", l, err)
	}
	resp.Body.Close()
	if err := waitErr(t, handlerDone); err != context.Canceled {
		t.Fatalf("handler context after the body closed: %v", err)
	}

	// The client giving up before the headers ends the request too.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := inProcessGet(t, rt, cctx, "/slow"); err != context.DeadlineExceeded {
		t.Fatalf("got %v, want the context's deadline", err)
	}
	if err := waitErr(t, handlerDone); err != context.DeadlineExceeded {
		t.Fatalf("handler context: %v", err)
	}

	// A handler's panic is the request's error, not the process's end.
	if _, err := inProcessGet(t, rt, ctx, "/panic"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("got %v, want the panic as an error", err)
	}
}

// Only requests through the in-process transport carry its user.
func TestInProcessUserOnlyInProcess(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/api", nil)
	r.Header.Set("X-Remote-User", "system:apiserver")
	if u := authenticate(r); u != nil {
		t.Fatalf("a remote request without a certificate authenticated as %v", u)
	}
}

func waitErr(t *testing.T, c chan error) error {
	t.Helper()
	select {
	case err := <-c:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not end")
		return nil
	}
}
