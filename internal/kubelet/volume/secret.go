package volume

import (
	"context"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// setupSecret projects a Secret's keys as files on a tmpfs, so secrets
// never reach the node's disk.
func (m *Manager) setupSecret(ctx context.Context, pod *v1.Pod, v *v1.Volume) (string, error) {
	src := v.Secret
	p, err := m.secretPayload(ctx, pod.Namespace, src.SecretName, src.Items, modeOr(src.DefaultMode, defaultMode), isTrue(src.Optional))
	if err != nil {
		return "", err
	}
	dir := m.volumeDir(pod, pluginSecret, v.Name)
	return dir, m.writeContent(pod, dir, p, true)
}

// secretPayload reads a Secret and turns it into files (see keysPayload).
func (m *Manager) secretPayload(ctx context.Context, ns, name string, items []v1.KeyToPath, mode int32, optional bool) (payload, error) {
	s, err := m.o.Client.CoreV1().Secrets(ns).Get(ctx, name, cacheRead)
	switch {
	case apierrors.IsNotFound(err) && optional:
		s = &v1.Secret{}
	case apierrors.IsNotFound(err):
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secret"}, name)
	case err != nil:
		return nil, err
	}
	return keysPayload(s.Data, items, mode, optional, "references non-existent secret key: %s")
}
