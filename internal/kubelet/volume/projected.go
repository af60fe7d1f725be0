package volume

import (
	"context"
	"errors"
	"maps"

	v1 "k8s.io/api/core/v1"
)

// setupProjected merges configMap, secret, downwardAPI and
// serviceAccountToken sources into one directory on a tmpfs. A later
// source wins a path conflict, as upstream.
func (m *Manager) setupProjected(ctx context.Context, pod *v1.Pod, v *v1.Volume) (string, error) {
	src := v.Projected
	mode := modeOr(src.DefaultMode, defaultMode)
	p := payload{}
	var errs []error
	for i := range src.Sources {
		part, err := m.projectSource(ctx, pod, &src.Sources[i], mode)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		maps.Copy(p, part)
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	dir := m.volumeDir(pod, pluginProjected, v.Name)
	return dir, m.writeContent(pod, dir, p, true)
}

func (m *Manager) projectSource(ctx context.Context, pod *v1.Pod, s *v1.VolumeProjection, mode int32) (payload, error) {
	switch {
	case s.ConfigMap != nil:
		return m.configMapPayload(ctx, pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Items, mode, isTrue(s.ConfigMap.Optional))
	case s.Secret != nil:
		return m.secretPayload(ctx, pod.Namespace, s.Secret.Name, s.Secret.Items, mode, isTrue(s.Secret.Optional))
	case s.DownwardAPI != nil:
		return downwardAPIPayload(pod, s.DownwardAPI.Items, mode, m.allocatable())
	case s.ServiceAccountToken != nil:
		return m.tokenPayload(ctx, pod, s.ServiceAccountToken, mode)
	case s.ClusterTrustBundle != nil:
		return nil, errors.New("projected source clusterTrustBundle is not supported by orca")
	case s.PodCertificate != nil:
		return nil, errors.New("projected source podCertificate is not supported by orca")
	}
	return nil, errors.New("projected source of unknown type")
}
