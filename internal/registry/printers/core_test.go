package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Container state helpers.

func running(name string, ready bool, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: ready, RestartCount: restarts,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func waiting(name, reason string, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, RestartCount: restarts,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

func terminated(name, reason string, exit, signal int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: exit, Signal: signal}}}
}

// restartedAgo marks a container status as last terminated d before testNow.
func restartedAgo(cs corev1.ContainerStatus, d time.Duration) corev1.ContainerStatus {
	cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{FinishedAt: ago(d)}
	return cs
}

func containers(names ...string) []corev1.Container {
	out := make([]corev1.Container, len(names))
	for i, n := range names {
		out[i] = corev1.Container{Name: n, Image: n + ":1"}
	}
	return out
}

func pod(phase corev1.PodPhase, spec []corev1.Container, statuses ...corev1.ContainerStatus) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: meta5m("web"),
		Spec:       corev1.PodSpec{Containers: spec},
		Status:     corev1.PodStatus{Phase: phase, ContainerStatuses: statuses},
	}
}

// podRow is the non-wide part of a pod row; the wide cells are those of an unscheduled pod.
func podRow(ready, status, restarts string) []interface{} {
	return []interface{}{"web", ready, status, restarts, "5m", "<none>", "<none>", "<none>", "<none>"}
}

func withInit(p *corev1.Pod, spec []corev1.Container, statuses ...corev1.ContainerStatus) *corev1.Pod {
	p.Spec.InitContainers = spec
	p.Status.InitContainerStatuses = statuses
	return p
}

func withConditions(p *corev1.Pod, conds ...corev1.PodCondition) *corev1.Pod {
	p.Status.Conditions = conds
	return p
}

func deleting(p *corev1.Pod) *corev1.Pod {
	p.DeletionTimestamp = agoPtr(time.Second)
	return p
}

func TestPodCells(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	sidecar := corev1.Container{Name: "proxy", Image: "proxy:1", RestartPolicy: &always}
	started := func(cs corev1.ContainerStatus) corev1.ContainerStatus { cs.Started = ptr(true); return cs }
	trueCond := func(t corev1.PodConditionType) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: corev1.ConditionTrue}
	}

	scheduled := pod(corev1.PodRunning, containers("app", "log"),
		restartedAgo(running("app", true, 3), 2*time.Minute), running("log", false, 0))
	scheduled.Spec.NodeName = "node-1"
	scheduled.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.5"}, {IP: "fd00::5"}}
	scheduled.Status.NominatedNodeName = "node-2"
	scheduled.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/a"}, {ConditionType: "example.com/b"}}
	scheduled.Status.Conditions = []corev1.PodCondition{trueCond("example.com/a"), {Type: "example.com/b", Status: corev1.ConditionFalse}}

	oldIP := pod(corev1.PodRunning, containers("app"), running("app", true, 0))
	oldIP.Status.PodIP = "10.0.0.6"

	nodeLost := deleting(pod(corev1.PodRunning, containers("app"), running("app", true, 0)))
	nodeLost.Status.Reason = "NodeLost"

	evicted := pod(corev1.PodFailed, containers("app"), terminated("app", "Error", 1, 0))
	evicted.Status.Reason = "Evicted"

	checkCells(t, "", "pods", []cellCase{
		{"one of two ready, restarted", scheduled,
			[]interface{}{"web", "1/2", "Running", "3 (2m ago)", "5m", "10.0.0.5", "node-1", "node-2", "1/2"}},
		{"podIP without podIPs", oldIP,
			[]interface{}{"web", "1/1", "Running", "0", "5m", "10.0.0.6", "<none>", "<none>", "<none>"}},
		{"pending, nothing reported", pod(corev1.PodPending, containers("app")), podRow("0/1", "Pending", "0")},
		{"scheduling gated", withConditions(pod(corev1.PodPending, containers("app")),
			corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "SchedulingGated"}),
			podRow("0/1", "SchedulingGated", "0")},
		{"image pull", pod(corev1.PodPending, containers("app"), waiting("app", "ErrImagePull", 0)),
			podRow("0/1", "ErrImagePull", "0")},
		{"crash loop", pod(corev1.PodRunning, containers("app"),
			restartedAgo(waiting("app", "CrashLoopBackOff", 5), 30*time.Second)),
			podRow("0/1", "CrashLoopBackOff", "5 (30s ago)")},
		{"restarts without a termination time", pod(corev1.PodRunning, containers("app"), running("app", true, 4)),
			podRow("1/1", "Running", "4")},
		{"first container wins", pod(corev1.PodRunning, containers("a", "b"),
			waiting("a", "CreateContainerConfigError", 0), waiting("b", "ContainerCreating", 0)),
			podRow("0/2", "CreateContainerConfigError", "0")},
		{"completed", pod(corev1.PodSucceeded, containers("app"), terminated("app", "Completed", 0, 0)),
			podRow("0/1", "Completed", "0")},
		{"oom killed", pod(corev1.PodRunning, containers("app"), terminated("app", "OOMKilled", 137, 0)),
			podRow("0/1", "OOMKilled", "0")},
		{"exit code without reason", pod(corev1.PodFailed, containers("app"), terminated("app", "", 2, 0)),
			podRow("0/1", "ExitCode:2", "0")},
		{"signal without reason", pod(corev1.PodFailed, containers("app"), terminated("app", "", 137, 9)),
			podRow("0/1", "Signal:9", "0")},
		{"evicted", evicted, podRow("0/1", "Error", "0")},
		{"evicted, no statuses", func() *corev1.Pod {
			p := pod(corev1.PodFailed, containers("app"))
			p.Status.Reason = "Evicted"
			return p
		}(), podRow("0/1", "Evicted", "0")},
		{"completed container, other running and ready", withConditions(pod(corev1.PodRunning, containers("a", "b"),
			running("a", true, 0), terminated("b", "Completed", 0, 0)), trueCond(corev1.PodReady)),
			podRow("1/2", "Running", "0")},
		{"completed container, other running, pod not ready", pod(corev1.PodRunning, containers("a", "b"),
			running("a", true, 0), terminated("b", "Completed", 0, 0)),
			podRow("1/2", "NotReady", "0")},
		{"terminating", deleting(pod(corev1.PodRunning, containers("app"), running("app", true, 0))),
			podRow("1/1", "Terminating", "0")},
		{"deleted but finished", deleting(pod(corev1.PodSucceeded, containers("app"), terminated("app", "Completed", 0, 0))),
			podRow("0/1", "Completed", "0")},
		{"node lost", nodeLost, podRow("1/1", "Unknown", "0")},
		{"init running", withInit(pod(corev1.PodPending, containers("app"), waiting("app", "PodInitializing", 0)),
			containers("init"), running("init", false, 0)),
			podRow("0/1", "Init:0/1", "0")},
		{"second init running", withInit(pod(corev1.PodPending, containers("app")),
			containers("i1", "i2"), terminated("i1", "Completed", 0, 0), running("i2", false, 0)),
			podRow("0/1", "Init:1/2", "0")},
		{"init failed", withInit(pod(corev1.PodPending, containers("app")),
			containers("init"), restartedAgo(terminated("init", "Error", 1, 0), time.Minute)),
			podRow("0/1", "Init:Error", "0")},
		{"init exit code", withInit(pod(corev1.PodPending, containers("app")),
			containers("init"), terminated("init", "", 3, 0)),
			podRow("0/1", "Init:ExitCode:3", "0")},
		{"init signal", withInit(pod(corev1.PodPending, containers("app")),
			containers("init"), terminated("init", "", 143, 15)),
			podRow("0/1", "Init:Signal:15", "0")},
		{"init crash loop", withInit(pod(corev1.PodPending, containers("app")),
			containers("init"), restartedAgo(waiting("init", "CrashLoopBackOff", 2), 10*time.Second)),
			podRow("0/1", "Init:CrashLoopBackOff", "2 (10s ago)")},
		{"pod initializing", withInit(pod(corev1.PodPending, containers("app"), waiting("app", "PodInitializing", 0)),
			containers("init"), terminated("init", "Completed", 0, 0)),
			podRow("0/1", "PodInitializing", "0")},
		{"sidecar running", withConditions(withInit(
			pod(corev1.PodRunning, containers("app"), running("app", true, 0)),
			[]corev1.Container{sidecar}, restartedAgo(started(running("proxy", true, 1)), time.Minute)),
			trueCond(corev1.PodInitialized)),
			podRow("2/2", "Running", "1 (60s ago)")},
		{"sidecar started, next init running", withInit(pod(corev1.PodPending, containers("app")),
			[]corev1.Container{sidecar, {Name: "migrate"}},
			started(running("proxy", true, 0)), running("migrate", false, 0)),
			podRow("1/2", "Init:1/2", "0")},
		{"init restarts dropped once initialized", withInit(
			pod(corev1.PodRunning, containers("app"), running("app", true, 0)),
			containers("init"), restartedAgo(terminated("init", "Completed", 0, 0), time.Hour)),
			podRow("1/1", "Running", "0")},
	})
}

func TestNodeCells(t *testing.T) {
	ready := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "cp-1", CreationTimestamp: ago(50 * time.Hour), Labels: map[string]string{
			"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/etcd": "true",
			"node-role.kubernetes.io/": "", "kubernetes.io/role": "master", "kubernetes.io/hostname": "cp-1",
		}},
		Spec: corev1.NodeSpec{Unschedulable: true},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{
				{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
				{Type: corev1.NodeReady, Status: corev1.ConditionTrue},
			},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeHostName, Address: "cp-1"},
				{Type: corev1.NodeInternalIP, Address: "192.168.1.10"},
				{Type: corev1.NodeInternalIP, Address: "192.168.1.11"},
				{Type: corev1.NodeExternalIP, Address: "203.0.113.7"},
			},
			NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.35.0", OSImage: "Debian GNU/Linux 12 (bookworm)",
				KernelVersion: "6.1.0-18-amd64", ContainerRuntimeVersion: "containerd://2.0.0"},
		},
	}
	notReady := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "w-1"}, Status: corev1.NodeStatus{
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}}}
	checkCells(t, "", "nodes", []cellCase{
		{"ready cordoned control plane", ready, []interface{}{"cp-1", "Ready,SchedulingDisabled", "control-plane,etcd,master",
			"2d2h", "v1.35.0", "192.168.1.10", "203.0.113.7", "Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64", "containerd://2.0.0"}},
		{"not ready", notReady, []interface{}{"w-1", "NotReady", "<none>", "<unknown>", "",
			"<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
		{"no conditions, cordoned", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Spec: corev1.NodeSpec{Unschedulable: true}},
			[]interface{}{"n", "Unknown,SchedulingDisabled", "<none>", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
	})
}

func TestServiceCells(t *testing.T) {
	svc := func(name string, spec corev1.ServiceSpec) *corev1.Service {
		return &corev1.Service{ObjectMeta: meta5m(name), Spec: spec}
	}
	lb := svc("lb", corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.0.20"},
		Ports: []corev1.ServicePort{{Port: 443, NodePort: 31443, Protocol: corev1.ProtocolTCP}}, ExternalIPs: []string{"198.51.100.1"}})
	lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{Hostname: "lb.example.com"}, {IP: "203.0.113.9"}, {IP: "203.0.113.9"}}
	checkCells(t, "", "services", []cellCase{
		{"node port", svc("web", corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10"},
			Ports:    []corev1.ServicePort{{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP}, {Port: 53, Protocol: corev1.ProtocolUDP}},
			Selector: map[string]string{"app": "web", "tier": "front"}}),
			[]interface{}{"web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "5m", "app=web,tier=front"}},
		{"defaults", svc("plain", corev1.ServiceSpec{ClusterIP: "10.96.0.11", Ports: []corev1.ServicePort{{Port: 8080}},
			ExternalIPs: []string{"1.2.3.4", "5.6.7.8"}}),
			[]interface{}{"plain", "ClusterIP", "10.96.0.11", "1.2.3.4,5.6.7.8", "8080/TCP", "5m", "<none>"}},
		{"headless, no ports", svc("hl", corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "None", ClusterIPs: []string{"None"}}),
			[]interface{}{"hl", "ClusterIP", "None", "<none>", "<none>", "5m", "<none>"}},
		{"load balancer", lb, []interface{}{"lb", "LoadBalancer", "10.96.0.20", "203.0.113.9,lb.example.com,198.51.100.1", "443:31443/TCP", "5m", "<none>"}},
		{"pending load balancer", svc("lb2", corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.0.21"}}),
			[]interface{}{"lb2", "LoadBalancer", "10.96.0.21", "<pending>", "<none>", "5m", "<none>"}},
		{"external name", svc("ext", corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"}),
			[]interface{}{"ext", "ExternalName", "<none>", "db.example.com", "<none>", "5m", "<none>"}},
	})
}

func TestEndpointsCells(t *testing.T) {
	addrs := func(ips ...string) []corev1.EndpointAddress {
		out := make([]corev1.EndpointAddress, len(ips))
		for i, ip := range ips {
			out[i] = corev1.EndpointAddress{IP: ip}
		}
		return out
	}
	ep := func(subsets ...corev1.EndpointSubset) *corev1.Endpoints {
		return &corev1.Endpoints{ObjectMeta: meta5m("web"), Subsets: subsets}
	}
	checkCells(t, "", "endpoints", []cellCase{
		{"none", ep(), []interface{}{"web", "<none>", "5m"}},
		{"two", ep(corev1.EndpointSubset{Addresses: addrs("10.0.0.1", "fd00::1"), Ports: []corev1.EndpointPort{{Port: 8080}}}),
			[]interface{}{"web", "10.0.0.1:8080,[fd00::1]:8080", "5m"}},
		{"more", ep(
			corev1.EndpointSubset{Addresses: addrs("10.0.0.1", "10.0.0.2"), Ports: []corev1.EndpointPort{{Port: 80}, {Port: 443}}},
			corev1.EndpointSubset{Addresses: addrs("10.0.0.3")}),
			[]interface{}{"web", "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...", "5m"}},
		{"only not ready", ep(corev1.EndpointSubset{NotReadyAddresses: addrs("10.0.0.9"), Ports: []corev1.EndpointPort{{Port: 80}}}),
			[]interface{}{"web", "", "5m"}},
	})
}

func TestSimpleCoreCells(t *testing.T) {
	checkCells(t, "", "configmaps", []cellCase{
		{"data and binary", &corev1.ConfigMap{ObjectMeta: meta5m("cfg"), Data: map[string]string{"a": "1", "b": "2"},
			BinaryData: map[string][]byte{"c": nil}}, []interface{}{"cfg", int64(3), "5m"}},
	})
	checkCells(t, "", "secrets", []cellCase{
		{"tls", &corev1.Secret{ObjectMeta: meta5m("tls"), Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": nil, "tls.key": nil}}, []interface{}{"tls", "kubernetes.io/tls", int64(2), "5m"}},
		{"default type", &corev1.Secret{ObjectMeta: meta5m("s")}, []interface{}{"s", "Opaque", int64(0), "5m"}},
	})
	checkCells(t, "", "serviceaccounts", []cellCase{
		{"one secret", &corev1.ServiceAccount{ObjectMeta: meta5m("default"), Secrets: []corev1.ObjectReference{{Name: "tok"}}},
			[]interface{}{"default", int64(1), "5m"}},
	})
	checkCells(t, "", "namespaces", []cellCase{
		{"terminating", &corev1.Namespace{ObjectMeta: meta5m("ns"), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
			[]interface{}{"ns", "Terminating", "5m"}},
		{"default phase", &corev1.Namespace{ObjectMeta: meta5m("ns")}, []interface{}{"ns", "Active", "5m"}},
	})
	checkCells(t, "", "limitranges", []cellCase{
		{"default table", &corev1.LimitRange{ObjectMeta: meta5m("lr")}, []interface{}{"lr", "2025-06-01T11:55:00Z"}},
	})
	checkCells(t, "", "componentstatuses", []cellCase{
		{"healthy", &corev1.ComponentStatus{ObjectMeta: metav1.ObjectMeta{Name: "etcd-0"}, Conditions: []corev1.ComponentCondition{
			{Type: corev1.ComponentHealthy, Status: corev1.ConditionTrue, Message: "ok"}}}, []interface{}{"etcd-0", "Healthy", "ok", ""}},
		{"unknown", &corev1.ComponentStatus{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, []interface{}{"x", "Unknown", "", ""}},
	})
}

func TestPersistentVolumeCells(t *testing.T) {
	block := corev1.PersistentVolumeBlock
	pv := &corev1.PersistentVolume{
		ObjectMeta: meta5m("pv-1"),
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod, corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteOnce},
			ClaimRef:                      &corev1.ObjectReference{Namespace: "default", Name: "data"},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete, StorageClassName: "fast",
			VolumeMode: &block, VolumeAttributesClassName: ptr("gold"),
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound},
	}
	legacy := &corev1.PersistentVolume{ObjectMeta: meta5m("pv-2")}
	legacy.Annotations = map[string]string{"volume.beta.kubernetes.io/storage-class": "old"}
	legacy.Spec.StorageClassName = "new"
	legacy.DeletionTimestamp = agoPtr(time.Second)
	legacy.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumeFailed, Reason: "Oops"}
	checkCells(t, "", "persistentvolumes", []cellCase{
		{"bound", pv, []interface{}{"pv-1", "10Gi", "RWO,ROX,RWOP", "Delete", "Bound", "default/data", "fast", "gold", "", "5m", "Block"}},
		{"terminating, beta class", legacy, []interface{}{"pv-2", "0", "", "Retain", "Terminating", "", "old", "<unset>", "Oops", "5m", "Filesystem"}},
	})
}

func TestPersistentVolumeClaimCells(t *testing.T) {
	bound := &corev1.PersistentVolumeClaim{
		ObjectMeta: meta5m("data"),
		Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pv-1", StorageClassName: ptr("fast"),
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound,
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}},
	}
	pending := &corev1.PersistentVolumeClaim{ObjectMeta: meta5m("wait"), Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}}}
	checkCells(t, "", "persistentvolumeclaims", []cellCase{
		{"bound", bound, []interface{}{"data", "Bound", "pv-1", "10Gi", "RWX", "fast", "<unset>", "5m", "Filesystem"}},
		{"pending", pending, []interface{}{"wait", "Pending", "", "", "", "", "<unset>", "5m", "Filesystem"}},
	})
}

func TestResourceQuotaCells(t *testing.T) {
	q := &corev1.ResourceQuota{ObjectMeta: meta5m("compute"), Status: corev1.ResourceQuotaStatus{
		Hard: corev1.ResourceList{"requests.cpu": resource.MustParse("1"), "requests.memory": resource.MustParse("1Gi"),
			"limits.cpu": resource.MustParse("2"), "limits.memory": resource.MustParse("2Gi"), "pods": resource.MustParse("10")},
		Used: corev1.ResourceList{"requests.cpu": resource.MustParse("500m"), "pods": resource.MustParse("3")},
	}}
	checkCells(t, "", "resourcequotas", []cellCase{
		{"mixed", q, []interface{}{"compute", "pods: 3/10, requests.cpu: 500m/1, requests.memory: 0/1Gi",
			"limits.cpu: 0/2, limits.memory: 0/2Gi", "5m"}},
		{"empty", &corev1.ResourceQuota{ObjectMeta: meta5m("e")}, []interface{}{"e", "", "", "5m"}},
	})
}

func TestReplicationControllerAndPodTemplateCells(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: containers("web", "sidecar")}}
	rc := &corev1.ReplicationController{ObjectMeta: meta5m("web"),
		Spec:   corev1.ReplicationControllerSpec{Replicas: ptr(int32(3)), Template: tmpl},
		Status: corev1.ReplicationControllerStatus{Replicas: 3, ReadyReplicas: 2}}
	checkCells(t, "", "replicationcontrollers", []cellCase{
		{"selector from template", rc, []interface{}{"web", int64(3), int64(3), int64(2), "5m", "web,sidecar", "web:1,sidecar:1", "app=web"}},
		{"empty", &corev1.ReplicationController{}, []interface{}{"", int64(1), int64(0), int64(0), "<unknown>", "", "", "<none>"}},
	})
	checkCells(t, "", "podtemplates", []cellCase{
		{"template", &corev1.PodTemplate{ObjectMeta: meta5m("t"), Template: *tmpl}, []interface{}{"t", "web,sidecar", "web:1,sidecar:1", "app=web"}},
	})
}
