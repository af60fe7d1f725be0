// Package volume is the kubelet's volume manager: it makes a pod's volumes
// ready on the host before its containers start, keeps configMap, secret,
// downwardAPI and projected contents current while the pod runs, turns
// volumeMounts into CRI mounts, and removes everything when the pod goes.
//
// The layout on disk follows upstream's kubelet:
//
//	<RootDir>/<podUID>/volumes/kubernetes.io~<plugin>/<volumeName>
//
// The manager keeps no state that cannot be rebuilt from the disk and the
// API: its in-memory caches only let it skip work.
package volume

import (
	"context"
	"errors"
	"fmt"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Options configures a Manager.
type Options struct {
	// Client reads configMaps, secrets, claims and volumes, and requests
	// service account tokens.
	Client kubernetes.Interface
	// RootDir holds one directory per pod, e.g. <agent data>/pods.
	RootDir string
	// NodeAllocatable is the node's allocatable resources: the default for
	// unset limits in resourceFieldRefs and the cap on memory emptyDirs.
	// Nil means unknown.
	NodeAllocatable func() v1.ResourceList
	// NoMount is for virtual nodes: never mount tmpfs, use plain dirs.
	NoMount bool
}

// Manager sets up and tears down pod volumes. It is safe for concurrent
// use by different pods; calls for one pod must not overlap.
type Manager struct {
	o Options

	mu      sync.Mutex
	written map[string]uint64      // volume dir -> hash of the payload on disk
	tokens  map[tokenKey]*tokenRec // service account tokens in projected volumes
}

// NewManager returns a Manager. Nothing touches the disk until Setup.
func NewManager(o Options) *Manager {
	return &Manager{o: o, written: map[string]uint64{}, tokens: map[tokenKey]*tokenRec{}}
}

// Setup makes every volume of the pod ready on the host and returns each
// volume's host path by volume name. It is idempotent and cheap when
// nothing changed, so the kubelet calls it on every pod sync. Volumes that
// fail are left out of the map (and their old content left in place); the
// error names each of them the way upstream's FailedMount events do.
func (m *Manager) Setup(ctx context.Context, pod *v1.Pod) (map[string]string, error) {
	if err := checkUID(pod.UID); err != nil {
		return nil, err
	}
	paths := make(map[string]string, len(pod.Spec.Volumes))
	var errs []error
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		p, err := m.setupVolume(ctx, pod, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("MountVolume.SetUp failed for volume %q : %w", v.Name, err))
			continue
		}
		paths[v.Name] = p
	}
	return paths, errors.Join(errs...)
}

// setupVolume dispatches on the volume's source.
func (m *Manager) setupVolume(ctx context.Context, pod *v1.Pod, v *v1.Volume) (string, error) {
	switch {
	case v.EmptyDir != nil:
		return m.setupEmptyDir(pod, v)
	case v.HostPath != nil:
		return setupHostPath(v.HostPath.Path, v.HostPath.Type)
	case v.ConfigMap != nil:
		return m.setupConfigMap(ctx, pod, v)
	case v.Secret != nil:
		return m.setupSecret(ctx, pod, v)
	case v.DownwardAPI != nil:
		return m.setupDownwardAPI(pod, v)
	case v.Projected != nil:
		return m.setupProjected(ctx, pod, v)
	case v.PersistentVolumeClaim != nil:
		return m.setupClaim(ctx, pod, v.PersistentVolumeClaim.ClaimName, false)
	case v.Ephemeral != nil:
		// A generic ephemeral volume is a claim named <pod>-<volume>.
		return m.setupClaim(ctx, pod, pod.Name+"-"+v.Name, true)
	}
	return "", fmt.Errorf("volume type %q is not supported by orca", sourceType(&v.VolumeSource))
}

// Teardown unmounts and removes everything the pod had on disk. The
// containers must be gone. It is safe to call twice.
func (m *Manager) Teardown(podUID types.UID) error {
	if err := checkUID(podUID); err != nil {
		return err
	}
	m.forget(podUID)
	return removePodDir(m.podDir(podUID), !m.o.NoMount)
}
