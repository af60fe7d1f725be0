package volume

import (
	"os"
	"path/filepath"

	v1 "k8s.io/api/core/v1"
)

// writeContent makes an API-backed volume (configMap, secret, downwardAPI,
// projected) at dir hold p. memory puts it on a tmpfs, as upstream does
// for anything that may hold secrets. The write is skipped when p is what
// this manager last wrote there and the layout is still in place.
func (m *Manager) writeContent(pod *v1.Pod, dir string, p payload, memory bool) error {
	var err error
	if memory {
		err = m.makeTmpfsDir(pod, dir, m.memoryVolumeSize(pod, nil))
	} else {
		err = m.makeEmptyDir(pod, dir)
	}
	if err != nil {
		return err
	}
	gid := fsGroup(pod)
	h := p.hash(gid)
	if m.upToDate(dir, h) {
		return nil
	}
	if err := writeAtomic(dir, p, gid); err != nil {
		return err
	}
	m.mu.Lock()
	m.written[dir] = h
	m.mu.Unlock()
	return nil
}

func (m *Manager) upToDate(dir string, h uint64) bool {
	m.mu.Lock()
	last, ok := m.written[dir]
	m.mu.Unlock()
	if !ok || last != h {
		return false
	}
	_, err := os.Lstat(filepath.Join(dir, dataLink))
	return err == nil
}

func (m *Manager) allocatable() v1.ResourceList {
	if m.o.NodeAllocatable == nil {
		return nil
	}
	return m.o.NodeAllocatable()
}

// modeOr returns *mode, or def when mode is nil.
func modeOr(mode *int32, def int32) int32 {
	if mode == nil {
		return def
	}
	return *mode
}

// defaultMode is the API default for configMap, secret, downwardAPI and
// projected volumes.
const defaultMode int32 = 0o644

func isTrue(b *bool) bool { return b != nil && *b }
