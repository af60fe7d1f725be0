package volume

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Plugin directory names, as upstream's kubelet spells them.
const (
	pluginEmptyDir    = "kubernetes.io~empty-dir"
	pluginConfigMap   = "kubernetes.io~configmap"
	pluginSecret      = "kubernetes.io~secret"
	pluginDownwardAPI = "kubernetes.io~downward-api"
	pluginProjected   = "kubernetes.io~projected"
)

func (m *Manager) podDir(uid types.UID) string {
	return filepath.Join(m.o.RootDir, string(uid))
}

// volumeDir is where a plugin keeps one volume of a pod.
func (m *Manager) volumeDir(pod *v1.Pod, plugin, name string) string {
	return filepath.Join(m.podDir(pod.UID), "volumes", plugin, name)
}

// PodDirs lists the UIDs of pods with state on disk, so the kubelet can
// tear down pods it no longer knows after a restart.
func (m *Manager) PodDirs() ([]types.UID, error) {
	entries, err := os.ReadDir(m.o.RootDir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var uids []types.UID
	for _, e := range entries {
		if e.IsDir() {
			uids = append(uids, types.UID(e.Name()))
		}
	}
	return uids, nil
}

// checkUID refuses a UID that is not a single path element: an empty one
// would make the pod's directory RootDir itself.
func checkUID(uid types.UID) error {
	s := string(uid)
	if s == "" || s == "." || s == ".." || strings.ContainsRune(s, filepath.Separator) {
		return fmt.Errorf("invalid pod UID %q", s)
	}
	return nil
}

// forget drops the in-memory caches for one pod.
func (m *Manager) forget(uid types.UID) {
	prefix := m.podDir(uid) + string(filepath.Separator)
	m.mu.Lock()
	defer m.mu.Unlock()
	for dir := range m.written {
		if strings.HasPrefix(dir, prefix) {
			delete(m.written, dir)
		}
	}
	for k := range m.tokens {
		if k.pod == uid {
			delete(m.tokens, k)
		}
	}
}

// sourceType names the set field of a VolumeSource or
// PersistentVolumeSource (a pointer to it) by its JSON name ("nfs", "csi",
// ...) for the unsupported-type errors.
func sourceType(src any) string {
	rv := reflect.ValueOf(src).Elem()
	for i := 0; i < rv.NumField(); i++ {
		if f := rv.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
			return name
		}
	}
	return "<none>"
}
