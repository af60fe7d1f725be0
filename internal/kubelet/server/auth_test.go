package server

import (
	"crypto/tls"
	"io"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		cert   *tls.Certificate
		code   int
		reason metav1.StatusReason
		msg    string
	}{
		{"no certificate", nil, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "Unauthorized"},
		{"certificate from another CA", &e.stranger, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "Unauthorized"},
		{"apiserver kubelet client", &e.apiserver, http.StatusOK, "", ""},
		{"system:masters", &e.admin, http.StatusOK, "", ""},
		{"other user", &e.alice, http.StatusForbidden, metav1.StatusReasonForbidden,
			"Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[proxy])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.client(tc.cert).Get(e.url + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.code {
				t.Fatalf("code %d, want %d: %s", resp.StatusCode, tc.code, body)
			}
			if tc.code == http.StatusOK {
				if string(body) != "ok" {
					t.Fatalf("body %q", body)
				}
				return
			}
			st := decodeStatus(t, body)
			if st.Reason != tc.reason || st.Message != tc.msg || st.Code != int32(tc.code) {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

func TestForbiddenNamesSubresource(t *testing.T) {
	e := newEnv(t)
	resp, err := e.client(&e.alice).Get(e.url + "/stats/summary")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	st := decodeStatus(t, body)
	if want := "Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[stats])"; st.Message != want {
		t.Fatalf("message %q, want %q", st.Message, want)
	}
}

func TestUnknownPathIs404Status(t *testing.T) {
	e := newEnv(t)
	code, body := e.get("/nope")
	if code != http.StatusNotFound || decodeStatus(t, body).Reason != metav1.StatusReasonNotFound {
		t.Fatalf("%d %s", code, body)
	}
}
