package volume

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// setupConfigMap projects a ConfigMap's keys as files (on disk, as
// upstream: configMaps hold nothing secret).
func (m *Manager) setupConfigMap(ctx context.Context, pod *v1.Pod, v *v1.Volume) (string, error) {
	src := v.ConfigMap
	p, err := m.configMapPayload(ctx, pod.Namespace, src.Name, src.Items, modeOr(src.DefaultMode, defaultMode), isTrue(src.Optional))
	if err != nil {
		return "", err
	}
	dir := m.volumeDir(pod, pluginConfigMap, v.Name)
	return dir, m.writeContent(pod, dir, p, false)
}

// configMapPayload reads a ConfigMap and turns it into files: every key,
// or only the listed items. A missing optional ConfigMap is empty; any
// other error leaves the volume as it was.
func (m *Manager) configMapPayload(ctx context.Context, ns, name string, items []v1.KeyToPath, mode int32, optional bool) (payload, error) {
	cm, err := m.o.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, cacheRead)
	switch {
	case apierrors.IsNotFound(err) && optional:
		cm = &v1.ConfigMap{}
	case apierrors.IsNotFound(err):
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "configmap"}, name)
	case err != nil:
		return nil, err
	}
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, s := range cm.Data {
		data[k] = []byte(s)
	}
	for k, b := range cm.BinaryData {
		data[k] = b
	}
	return keysPayload(data, items, mode, optional, "configmap references non-existent config key: %s")
}

// keysPayload maps an object's keys to files: all keys by their own name
// when items is empty, else each item's key at its path (with its mode).
// A listed key that is missing is an error unless the volume is optional.
func keysPayload(data map[string][]byte, items []v1.KeyToPath, mode int32, optional bool, missing string) (payload, error) {
	p := make(payload, len(data))
	if len(items) == 0 {
		for k, b := range data {
			p[k] = file{data: b, mode: mode}
		}
		return p, nil
	}
	for _, it := range items {
		b, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf(missing, it.Key)
		}
		p[it.Path] = file{data: b, mode: modeOr(it.Mode, mode)}
	}
	return p, nil
}

// cacheRead lets the API server answer from its watch cache: the kubelet
// reads these objects on every pod sync, and a moment's staleness is
// corrected by the next one.
var cacheRead = metav1.GetOptions{ResourceVersion: "0"}
