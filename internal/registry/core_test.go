package registry

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodQOS(t *testing.T) {
	rr := func(req, lim corev1.ResourceList) corev1.ResourceRequirements {
		return corev1.ResourceRequirements{Requests: req, Limits: lim}
	}
	full := corev1.ResourceList{"cpu": q("1"), "memory": q("1Gi")}
	cases := []struct {
		name string
		res  []corev1.ResourceRequirements
		want corev1.PodQOSClass
	}{
		{"nothing", []corev1.ResourceRequirements{{}}, corev1.PodQOSBestEffort},
		{"only other resources", []corev1.ResourceRequirements{rr(corev1.ResourceList{"ephemeral-storage": q("1Gi")}, nil)}, corev1.PodQOSBestEffort},
		{"limits equal requests", []corev1.ResourceRequirements{rr(full, full)}, corev1.PodQOSGuaranteed},
		{"requests only", []corev1.ResourceRequirements{rr(full, nil)}, corev1.PodQOSBurstable},
		{"cpu limit only", []corev1.ResourceRequirements{rr(nil, corev1.ResourceList{"cpu": q("1")})}, corev1.PodQOSBurstable},
		{"request below limit", []corev1.ResourceRequirements{rr(corev1.ResourceList{"cpu": q("500m"), "memory": q("1Gi")}, full)}, corev1.PodQOSBurstable},
		{"one guaranteed one empty", []corev1.ResourceRequirements{rr(full, full), {}}, corev1.PodQOSBurstable},
	}
	for _, c := range cases {
		pod := &corev1.Pod{}
		for i, r := range c.res {
			pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: string(rune('a' + i)), Resources: r})
		}
		if got := podQOS(pod); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// Limits alone make a Guaranteed pod once defaulting copies them.
	pod := validPod()
	pod.Spec.Containers[0].Resources.Limits = full
	must(t, create(podStrategy{}, pod))
	if pod.Status.QOSClass != corev1.PodQOSGuaranteed {
		t.Errorf("limits-only pod: %s", pod.Status.QOSClass)
	}
}

func TestNamespace(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}
	must(t, create(namespaceStrategy{}, ns))
	if ns.Status.Phase != corev1.NamespaceActive || len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
		t.Errorf("namespace = %+v", ns)
	}
	if ns.Labels[corev1.LabelMetadataName] != "team-a" {
		t.Errorf("labels = %v", ns.Labels)
	}
	next := ns.DeepCopy()
	next.Spec.Finalizers = nil
	must(t, update(namespaceStrategy{}, next, ns))
	if len(next.Spec.Finalizers) != 1 {
		t.Errorf("update dropped spec.finalizers")
	}
	bad := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"custom"}}}
	checkErrs(t, create(namespaceStrategy{}, bad), invalid+"spec.finalizers")
	f := namespaceStrategy{}.Fields(&corev1.Namespace{})
	if _, ok := f["status.phase"]; !ok {
		t.Errorf("fields = %v", f)
	}
}

func TestNode(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{PodCIDR: "10.244.0.0/24"}}
	must(t, create(nodeStrategy{}, n))
	if len(n.Spec.PodCIDRs) != 1 {
		t.Errorf("podCIDRs = %v", n.Spec.PodCIDRs)
	}
	bad := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2"}, Spec: corev1.NodeSpec{PodCIDRs: []string{"10.244.0.0/33"}}}
	checkErrs(t, create(nodeStrategy{}, bad), invalid+"spec.podCIDRs[0]")
	taint := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n3"}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "k", Effect: "Sometimes"}}}}
	checkErrs(t, create(nodeStrategy{}, taint), notSupported+"spec.taints[0].effect")

	next := n.DeepCopy()
	next.Spec.PodCIDR, next.Spec.PodCIDRs = "", []string{"10.245.0.0/24"}
	checkErrs(t, update(nodeStrategy{}, next, n), forbidden+"spec.podCIDRs[0]")
	next = n.DeepCopy()
	next.Spec.Unschedulable = true
	must(t, update(nodeStrategy{}, next, n))
	if f := (nodeStrategy{}).Fields(next); f["spec.unschedulable"] != "true" {
		t.Errorf("fields = %v", f)
	}
}

func TestEndpoints(t *testing.T) {
	ep := &corev1.Endpoints{ObjectMeta: objMeta("web"), Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.1.2.3"}, {IP: "127.0.0.1"}},
		Ports:     []corev1.EndpointPort{{Port: 80}},
	}}}
	must(t, create(endpointsStrategy{}, ep))
	if ep.Subsets[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("protocol not defaulted")
	}
	bad := &corev1.Endpoints{ObjectMeta: objMeta("web"), Subsets: []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{{IP: "0.0.0.0"}, {IP: "nope"}}, Ports: []corev1.EndpointPort{{Port: 80}, {Port: 81}}},
		{},
	}}
	checkErrs(t, create(endpointsStrategy{}, bad),
		invalid+"subsets[0].addresses[0].ip", invalid+"subsets[0].addresses[1].ip",
		required+"subsets[0].ports[0].name", required+"subsets[0].ports[1].name", required+"subsets[1]")
}

func TestConfigMap(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: objMeta("c"), Data: map[string]string{"ok.key": "v", "bad/key": "v"}, BinaryData: map[string][]byte{"ok.key": nil}}
	checkErrs(t, create(configMapStrategy{}, cm), invalid+"data[bad/key]", invalid+"data[ok.key]")
	big := &corev1.ConfigMap{ObjectMeta: objMeta("c"), Data: map[string]string{"a": strings.Repeat("x", maxDataSize+1)}}
	checkErrs(t, create(configMapStrategy{}, big), tooLong+"[]")

	old := &corev1.ConfigMap{ObjectMeta: objMeta("c"), Data: map[string]string{"a": "1"}, Immutable: ptrTo(true)}
	must(t, create(configMapStrategy{}, old))
	changed := old.DeepCopy()
	changed.Data["a"] = "2"
	checkErrs(t, update(configMapStrategy{}, changed, old), forbidden+"data")
	unset := old.DeepCopy()
	unset.Immutable = nil
	checkErrs(t, update(configMapStrategy{}, unset, old), forbidden+"immutable")
	labels := old.DeepCopy()
	labels.Labels = map[string]string{"a": "b"}
	must(t, update(configMapStrategy{}, labels, old))
}

func TestSecret(t *testing.T) {
	s := &corev1.Secret{ObjectMeta: objMeta("s"), StringData: map[string]string{"user": "admin"}, Data: map[string][]byte{"user": []byte("x"), "k": []byte("v")}}
	must(t, create(secretStrategy{}, s))
	if s.Type != corev1.SecretTypeOpaque || string(s.Data["user"]) != "admin" || s.StringData != nil {
		t.Errorf("secret = %+v", s)
	}
	cases := []struct {
		typ  corev1.SecretType
		data map[string][]byte
		want []wantErr
	}{
		{corev1.SecretTypeDockerConfigJson, nil, []wantErr{required + "data[.dockerconfigjson]"}},
		{corev1.SecretTypeDockerConfigJson, map[string][]byte{".dockerconfigjson": []byte("{")}, []wantErr{invalid + "data[.dockerconfigjson]"}},
		{corev1.SecretTypeDockerConfigJson, map[string][]byte{".dockerconfigjson": []byte(`{"auths":{}}`)}, nil},
		{corev1.SecretTypeTLS, map[string][]byte{"tls.crt": nil}, []wantErr{required + "data[tls.key]"}},
		{corev1.SecretTypeBasicAuth, nil, []wantErr{required + "data[username]", required + "data[password]"}},
		{corev1.SecretTypeBasicAuth, map[string][]byte{"password": nil}, nil},
		{corev1.SecretTypeSSHAuth, nil, []wantErr{required + "data[ssh-privatekey]"}},
		{corev1.SecretTypeServiceAccountToken, nil, []wantErr{required + "metadata.annotations[kubernetes.io/service-account.name]"}},
		{"example.com/custom", nil, nil},
	}
	for _, c := range cases {
		checkErrs(t, create(secretStrategy{}, &corev1.Secret{ObjectMeta: objMeta("s"), Type: c.typ, Data: c.data}), c.want...)
	}
	old := &corev1.Secret{ObjectMeta: objMeta("s"), Data: map[string][]byte{"a": []byte("1")}, Immutable: ptrTo(true)}
	must(t, create(secretStrategy{}, old))
	next := old.DeepCopy()
	next.Type = corev1.SecretTypeBasicAuth
	next.Data["a"] = []byte("2")
	checkErrs(t, update(secretStrategy{}, next, old), invalid+"type", forbidden+"data", required+"data[username]", required+"data[password]")
	if f := (secretStrategy{}).Fields(old); f["type"] != "Opaque" {
		t.Errorf("fields = %v", f)
	}
}

func TestEvent(t *testing.T) {
	old := &corev1.Event{ObjectMeta: objMeta("e"), InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"}, Reason: "Started"}
	must(t, create(eventStrategy{}, old))
	wrongNS := old.DeepCopy()
	wrongNS.InvolvedObject.Namespace = "other"
	checkErrs(t, create(eventStrategy{}, wrongNS), invalid+"involvedObject.namespace")
	clusterScoped := &corev1.Event{ObjectMeta: objMeta("e"), InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "n1"}}
	must(t, create(eventStrategy{}, clusterScoped))

	fresh := &corev1.Event{ObjectMeta: objMeta("e"), EventTime: metav1.NewMicroTime(time.Now()),
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"}}
	checkErrs(t, create(eventStrategy{}, fresh), required+"reportingComponent", required+"reportingInstance", required+"action", required+"reason")
	fresh.ReportingController, fresh.ReportingInstance, fresh.Action, fresh.Reason = "example.com/ctl", "ctl-1", "Sync", "Synced"
	must(t, create(eventStrategy{}, fresh))

	keys := []string{"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
		"involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}
	f := eventStrategy{}.Fields(&corev1.Event{})
	for _, k := range keys {
		if _, ok := f[k]; !ok {
			t.Errorf("missing field %s", k)
		}
	}
	if (eventStrategy{}).Fields(fresh)["source"] != "example.com/ctl" {
		t.Errorf("source does not fall back to reportingController")
	}
}

func TestPersistentVolumes(t *testing.T) {
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv"}, Spec: corev1.PersistentVolumeSpec{
		Capacity:               corev1.ResourceList{"storage": q("1Gi")},
		AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}},
	}}
	must(t, create(pvStrategy{}, pv))
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || *pv.Spec.VolumeMode != corev1.PersistentVolumeFilesystem ||
		pv.Status.Phase != corev1.VolumePending {
		t.Errorf("pv = %+v", pv)
	}
	checkErrs(t, create(pvStrategy{}, &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "x"}}),
		required+"spec.accessModes", required+"spec.capacity", notSupported+"spec.capacity", required+"spec")
	moved := pv.DeepCopy()
	moved.Spec.HostPath.Path = "/other"
	checkErrs(t, update(pvStrategy{}, moved, pv), forbidden+"spec.persistentvolumesource")

	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: objMeta("c"), Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{"storage": q("1Gi")}},
	}}
	must(t, create(pvcStrategy{}, pvc))
	if pvc.Status.Phase != corev1.ClaimPending || *pvc.Spec.VolumeMode != corev1.PersistentVolumeFilesystem {
		t.Errorf("pvc = %+v", pvc)
	}
	checkErrs(t, create(pvcStrategy{}, &corev1.PersistentVolumeClaim{ObjectMeta: objMeta("c")}),
		required+"spec.accessModes", required+"spec.resources[storage]")
	bound := pvc.DeepCopy()
	bound.Status.Phase = corev1.ClaimBound
	grown := bound.DeepCopy()
	grown.Spec.Resources.Requests["storage"] = q("2Gi")
	must(t, update(pvcStrategy{}, grown, bound))
	modes := bound.DeepCopy()
	modes.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	hasErr(t, update(pvcStrategy{}, modes, bound), forbidden+"spec", "spec is immutable after creation")
	named := pvc.DeepCopy()
	named.Spec.VolumeName = "pv"
	must(t, update(pvcStrategy{}, named, pvc))
}
