package kubelet

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Upstream's limits on a termination message.
const (
	maxTermMessage  = 4096
	maxTermLogLines = 80
	maxTermLogBytes = 2048
)

// fillTermMessages reads the termination message of every exited container
// that has none yet: the file it wrote, or the tail of its log when the
// policy says so and it failed.
func (k *Kubelet) fillTermMessages(pod *v1.Pod, rp *runtimePod) {
	if k.cfg.NoFiles {
		return
	}
	for name, list := range rp.containers {
		for _, cs := range list {
			if cs.State != runtimeapi.ContainerState_CONTAINER_EXITED || cs.Message != "" {
				continue
			}
			cs.Message = k.termMessage(pod, name, cs)
		}
	}
}

func (k *Kubelet) termMessage(pod *v1.Pod, name string, cs *runtimeapi.ContainerStatus) string {
	f := filepath.Join(k.podDir(pod.UID), "containers", name, fmt.Sprintf("termination-%d", cs.GetMetadata().GetAttempt()))
	if data, err := os.ReadFile(f); err == nil && len(data) > 0 {
		if len(data) > maxTermMessage {
			data = data[:maxTermMessage]
		}
		return string(data)
	}
	if cs.Annotations[annotationTermMessagePol] == string(v1.TerminationMessageFallbackToLogsOnError) && cs.ExitCode != 0 && cs.LogPath != "" {
		return logTail(cs.LogPath)
	}
	return ""
}

// logTail returns the last lines of a CRI-format log file, content only.
func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > maxTermLogLines {
		lines = lines[len(lines)-maxTermLogLines:]
	}
	var b strings.Builder
	for _, l := range lines {
		// "<time> <stream> <P|F> <content>"
		parts := bytes.SplitN(l, []byte(" "), 4)
		if len(parts) < 4 {
			continue
		}
		b.Write(parts[3])
		if string(parts[2]) != "P" {
			b.WriteByte('\n')
		}
	}
	s := b.String()
	if len(s) > maxTermLogBytes {
		s = s[len(s)-maxTermLogBytes:]
	}
	return s
}
