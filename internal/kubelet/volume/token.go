package volume

import (
	"context"
	"fmt"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// tokenKey identifies one service account token a pod needs.
type tokenKey struct {
	pod      types.UID
	sa       string
	audience string
	seconds  int64
}

// tokenRec is a token and when it expires.
type tokenRec struct {
	token   string
	expires time.Time
	ttl     time.Duration
}

// maxTokenAge bounds how long a token is used whatever its expiry, as
// upstream's kubelet does.
const maxTokenAge = 24 * time.Hour

// stale: past 80% of its lifetime, or older than maxTokenAge.
func (r *tokenRec) stale(now time.Time) bool {
	issued := r.expires.Add(-r.ttl)
	return now.After(r.expires.Add(-r.ttl/5)) || now.After(issued.Add(maxTokenAge))
}

// tokenPayload is a serviceAccountToken projection: a token bound to the
// pod, from the TokenRequest API, refreshed when it gets old.
func (m *Manager) tokenPayload(ctx context.Context, pod *v1.Pod, src *v1.ServiceAccountTokenProjection, mode int32) (payload, error) {
	tok, err := m.serviceAccountToken(ctx, pod, src)
	if err != nil {
		return nil, err
	}
	return payload{src.Path: {data: []byte(tok), mode: mode}}, nil
}

func (m *Manager) serviceAccountToken(ctx context.Context, pod *v1.Pod, src *v1.ServiceAccountTokenProjection) (string, error) {
	key := tokenKey{pod: pod.UID, sa: pod.Spec.ServiceAccountName, audience: src.Audience, seconds: 3600}
	if key.sa == "" {
		key.sa = "default"
	}
	if src.ExpirationSeconds != nil {
		key.seconds = *src.ExpirationSeconds
	}
	m.mu.Lock()
	rec := m.tokens[key]
	m.mu.Unlock()
	now := time.Now()
	if rec != nil && !rec.stale(now) {
		return rec.token, nil
	}
	fresh, err := m.requestToken(ctx, pod, key)
	if err != nil {
		if rec != nil && now.Before(rec.expires) {
			return rec.token, nil // keep the old token through an API hiccup
		}
		return "", fmt.Errorf("failed to fetch token: %w", err)
	}
	m.mu.Lock()
	m.tokens[key] = fresh
	m.mu.Unlock()
	return fresh.token, nil
}

func (m *Manager) requestToken(ctx context.Context, pod *v1.Pod, key tokenKey) (*tokenRec, error) {
	req := &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{
		ExpirationSeconds: &key.seconds,
		BoundObjectRef:    &authv1.BoundObjectReference{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID},
	}}
	if key.audience != "" {
		req.Spec.Audiences = []string{key.audience}
	}
	resp, err := m.o.Client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, key.sa, req, metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	ttl := time.Duration(key.seconds) * time.Second
	expires := resp.Status.ExpirationTimestamp.Time
	if expires.IsZero() {
		expires = time.Now().Add(ttl)
	}
	return &tokenRec{token: resp.Status.Token, expires: expires, ttl: ttl}, nil
}
