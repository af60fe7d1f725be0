package volume

import (
	"errors"
	"path/filepath"

	v1 "k8s.io/api/core/v1"

	"orca/internal/kubelet/fieldpath"
)

// setupDownwardAPI projects pod metadata and container resources as files,
// on a tmpfs like upstream.
func (m *Manager) setupDownwardAPI(pod *v1.Pod, v *v1.Volume) (string, error) {
	src := v.DownwardAPI
	p, err := downwardAPIPayload(pod, src.Items, modeOr(src.DefaultMode, defaultMode), m.allocatable())
	if err != nil {
		return "", err
	}
	dir := m.volumeDir(pod, pluginDownwardAPI, v.Name)
	return dir, m.writeContent(pod, dir, p, true)
}

// downwardAPIPayload resolves each item: a metadata fieldRef (the only
// fields a volume may project) or a resourceFieldRef.
func downwardAPIPayload(pod *v1.Pod, items []v1.DownwardAPIVolumeFile, mode int32, alloc v1.ResourceList) (payload, error) {
	p := make(payload, len(items))
	var errs []error
	for _, it := range items {
		var value string
		var err error
		switch {
		case it.FieldRef != nil:
			value, err = fieldpath.ExtractMetadata(pod, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			value, err = fieldpath.ExtractResource(pod, nil, it.ResourceFieldRef, alloc)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p[filepath.Clean(it.Path)] = file{data: []byte(value), mode: modeOr(it.Mode, mode)}
	}
	return p, errors.Join(errs...)
}
