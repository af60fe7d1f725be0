package sim

import (
	"fmt"
	"runtime"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// kubeletLikeConfigs builds sandbox and container configs shaped like the ones
// a kubelet sends (labels and annotations of typical size). The runtime keeps
// them by reference, so they count towards the retained memory per pod.
func kubeletLikeConfigs(i int) (*runtimeapi.PodSandboxConfig, *runtimeapi.ContainerConfig) {
	name := fmt.Sprintf("web-7d9f8c6b5-%05d", i)
	uid := fmt.Sprintf("0b1c2d3e-4f50-6172-8394-%012d", i)
	sb := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: name, Namespace: "default", Uid: uid},
		Hostname:     name,
		LogDirectory: "/var/log/pods/default_" + name + "_" + uid,
		Labels: map[string]string{
			"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": "default",
			"io.kubernetes.pod.uid": uid, "app": "web", "pod-template-hash": "7d9f8c6b5",
		},
		Annotations: map[string]string{
			"kubernetes.io/config.seen": "2025-01-01T00:00:00Z", "kubernetes.io/config.source": "api",
		},
	}
	c := &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "app"},
		Image:    &runtimeapi.ImageSpec{Image: "busybox:1.36"},
		LogPath:  "app/0.log",
		Labels: map[string]string{
			"io.kubernetes.container.name": "app", "io.kubernetes.pod.name": name,
			"io.kubernetes.pod.namespace": "default", "io.kubernetes.pod.uid": uid,
		},
		Annotations: map[string]string{
			"io.kubernetes.container.hash": "1a2b3c4d", "io.kubernetes.container.restartCount": "0",
			"io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
		},
	}
	return sb, c
}

// BenchmarkMemoryPerPod measures the heap retained per running pod (one
// sandbox + one started container), configs included, and reports it as
// B/pod. Target: 30,000 pods (1,000 nodes x 30) in well under 1 GB.
func BenchmarkMemoryPerPod(b *testing.B) {
	const pods = 3000
	var perPod, perPodRuntime float64
	for b.Loop() {
		cfgs := make([][2]any, pods)
		for i := range pods {
			sb, c := kubeletLikeConfigs(i)
			cfgs[i] = [2]any{sb, c}
		}
		r, _ := newTest(b, Options{PodCIDR: "10.0.0.0/16"})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range pods {
			sbCfg := cfgs[i][0].(*runtimeapi.PodSandboxConfig)
			sb := mustRun(b, r, sbCfg)
			mustCreateStart(b, r, sb, sbCfg, cfgs[i][1].(*runtimeapi.ContainerConfig))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perPodRuntime = float64(after.HeapAlloc-before.HeapAlloc) / pods
		runtime.KeepAlive(cfgs)
		runtime.KeepAlive(r)

		// The same, with the configs allocated in the measured window.
		r2, _ := newTest(b, Options{PodCIDR: "10.0.0.0/16"})
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range pods {
			sbCfg, c := kubeletLikeConfigs(i)
			sb := mustRun(b, r2, sbCfg)
			mustCreateStart(b, r2, sb, sbCfg, c)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perPod = float64(after.HeapAlloc-before.HeapAlloc) / pods
		runtime.KeepAlive(r2)
	}
	b.ReportMetric(perPodRuntime, "runtime-B/pod")
	b.ReportMetric(perPod, "B/pod")
	b.ReportMetric(perPod*30_000/(1<<20), "MiB/30k-pods")
}
