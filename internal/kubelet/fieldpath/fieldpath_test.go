package fieldpath

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testPod() *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "prod", UID: "u-1",
			Labels:      map[string]string{"app": "web", "tier": "front"},
			Annotations: map[string]string{"note": "say \"hi\"\nbye", "a.b/c": "x"},
		},
		Spec: v1.PodSpec{NodeName: "n1", ServiceAccountName: "sa"},
		Status: v1.PodStatus{
			HostIP: "10.0.0.1", HostIPs: []v1.HostIP{{IP: "10.0.0.1"}, {IP: "fd00::1"}},
			PodIP: "10.244.1.5", PodIPs: []v1.PodIP{{IP: "10.244.1.5"}, {IP: "fd01::5"}},
		},
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		path, want string
		wantErr    bool
	}{
		{path: "metadata.name", want: "web"},
		{path: "metadata.namespace", want: "prod"},
		{path: "metadata.uid", want: "u-1"},
		{path: "metadata.labels", want: "app=\"web\"\ntier=\"front\""},
		{path: "metadata.annotations", want: "a.b/c=\"x\"\nnote=\"say \\\"hi\\\"\\nbye\""},
		{path: "metadata.labels['app']", want: "web"},
		{path: "metadata.labels['missing']", want: ""},
		{path: "metadata.annotations['a.b/c']", want: "x"},
		{path: "metadata.labels['bad key!']", wantErr: true},
		{path: "metadata.name['x']", wantErr: true},
		{path: "spec.nodeName", want: "n1"},
		{path: "spec.serviceAccountName", want: "sa"},
		{path: "status.hostIP", want: "10.0.0.1"},
		{path: "status.hostIPs", want: "10.0.0.1,fd00::1"},
		{path: "status.podIP", want: "10.244.1.5"},
		{path: "status.podIPs", want: "10.244.1.5,fd01::5"},
		{path: "spec.containers", wantErr: true},
		{path: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := Extract(testPod(), tt.path)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Extract(%q) = %q, %v; want %q, err=%v", tt.path, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestExtractMetadataRejectsNonMetadata(t *testing.T) {
	for _, path := range []string{"spec.nodeName", "status.podIP", "status.hostIPs"} {
		if _, err := ExtractMetadata(testPod(), path); err == nil {
			t.Errorf("ExtractMetadata(%q): want error", path)
		}
	}
	if got, err := ExtractMetadata(testPod(), "metadata.labels['tier']"); err != nil || got != "front" {
		t.Errorf("ExtractMetadata(labels['tier']) = %q, %v", got, err)
	}
}

func TestExtractIPFallbacks(t *testing.T) {
	pod := &v1.Pod{Status: v1.PodStatus{HostIP: "1.2.3.4", PodIP: "5.6.7.8"}}
	for path, want := range map[string]string{
		"status.hostIP": "1.2.3.4", "status.hostIPs": "1.2.3.4",
		"status.podIP": "5.6.7.8", "status.podIPs": "5.6.7.8",
	} {
		if got, _ := Extract(pod, path); got != want {
			t.Errorf("Extract(%q) = %q, want %q", path, got, want)
		}
	}
	if got, _ := Extract(&v1.Pod{}, "status.podIPs"); got != "" {
		t.Errorf("empty pod IPs = %q", got)
	}
}

func TestFormatMapEmpty(t *testing.T) {
	if got := FormatMap(nil); got != "" {
		t.Errorf("FormatMap(nil) = %q", got)
	}
}
