package apiserver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestSplitSchemeNamePort(t *testing.T) {
	for _, tc := range []struct {
		id                 string
		scheme, name, port string
		ok                 bool
	}{
		{"node-1", "http", "node-1", "", true},
		{"node-1:10250", "http", "node-1", "10250", true},
		{"https:node-1:8443", "https", "node-1", "8443", true},
		{":80", "", "", "", false},
		{"node-1:http", "", "", "", false},
		{"ftp:node-1:21", "", "", "", false},
		{"a:b:c:d", "", "", "", false},
	} {
		scheme, name, port, ok := splitSchemeNamePort(tc.id)
		if ok != tc.ok || (ok && (scheme != tc.scheme || name != tc.name || port != tc.port)) {
			t.Errorf("%q: %q %q %q %v", tc.id, scheme, name, port, ok)
		}
	}
}

func TestPreferredAddress(t *testing.T) {
	addrs := func(as ...corev1.NodeAddress) *corev1.Node {
		return &corev1.Node{Status: corev1.NodeStatus{Addresses: as}}
	}
	host := corev1.NodeAddress{Type: corev1.NodeHostName, Address: "node-1"}
	internal := corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "10.0.0.5"}
	external := corev1.NodeAddress{Type: corev1.NodeExternalIP, Address: "203.0.113.9"}
	for _, tc := range []struct {
		node *corev1.Node
		want string
	}{
		{addrs(host, external, internal), "10.0.0.5"},
		{addrs(external, host), "node-1"},
		{addrs(external), "203.0.113.9"},
	} {
		if got, err := preferredAddress(tc.node); err != nil || got != tc.want {
			t.Errorf("%v: %q, %v", tc.node.Status.Addresses, got, err)
		}
	}
	if _, err := preferredAddress(addrs()); err == nil {
		t.Error("no addresses: no error")
	}
}

func TestPodLogParams(t *testing.T) {
	q := map[string][]string{"follow": {"true"}, "tailLines": {"5"}, "timestamps": {"1"}, "previous": {"false"}, "container": {"app"}}
	params, follow, err := podLogParams(q, "web")
	if err != nil || !follow {
		t.Fatal(err, follow)
	}
	if got := params.Encode(); got != "follow=true&tailLines=5&timestamps=true" {
		t.Errorf("kubelet query %q", got)
	}
	for _, bad := range []map[string][]string{{"tailLines": {"-1"}}, {"limitBytes": {"0"}}, {"sinceSeconds": {"0"}}, {"tailLines": {"x"}}, {"sinceTime": {"yesterday"}}} {
		if _, _, err := podLogParams(bad, "web"); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
