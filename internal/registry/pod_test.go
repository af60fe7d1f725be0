package registry

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestPodDefaults(t *testing.T) {
	pod := validPod()
	pod.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}}
	pod.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}}
	pod.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"cpu": q("1"), "memory": q("1Gi")}
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "x"}}},
		{Name: "c", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "x"}}}},
		{Name: "e"},
	}
	podStrategy{}.Default(pod)
	s := pod.Spec
	c := s.Containers[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"restartPolicy", s.RestartPolicy, corev1.RestartPolicyAlways},
		{"dnsPolicy", s.DNSPolicy, corev1.DNSClusterFirst},
		{"schedulerName", s.SchedulerName, "default-scheduler"},
		{"terminationGracePeriodSeconds", *s.TerminationGracePeriodSeconds, int64(30)},
		{"securityContext", *s.SecurityContext, corev1.PodSecurityContext{}},
		{"enableServiceLinks", *s.EnableServiceLinks, true},
		{"terminationMessagePath", c.TerminationMessagePath, "/dev/termination-log"},
		{"terminationMessagePolicy", c.TerminationMessagePolicy, corev1.TerminationMessageReadFile},
		{"imagePullPolicy", c.ImagePullPolicy, corev1.PullIfNotPresent},
		{"port protocol", c.Ports[0].Protocol, corev1.ProtocolTCP},
		{"probe timeout", c.LivenessProbe.TimeoutSeconds, int32(1)},
		{"probe period", c.LivenessProbe.PeriodSeconds, int32(10)},
		{"probe success", c.LivenessProbe.SuccessThreshold, int32(1)},
		{"probe failure", c.LivenessProbe.FailureThreshold, int32(3)},
		{"httpGet scheme", c.LivenessProbe.HTTPGet.Scheme, corev1.URISchemeHTTP},
		{"httpGet path", c.LivenessProbe.HTTPGet.Path, "/"},
		{"requests from limits", c.Resources.Requests.Cpu().String(), "1"},
		{"secret mode", *s.Volumes[0].Secret.DefaultMode, int32(0644)},
		{"configMap mode", *s.Volumes[1].ConfigMap.DefaultMode, int32(0644)},
		{"emptyDir", s.Volumes[2].EmptyDir != nil, true},
	}
	for _, c := range checks {
		if !equality.Semantic.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestPodDefaultsHostNetwork(t *testing.T) {
	pod := validPod()
	pod.Spec.HostNetwork = true
	pod.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080}}
	podStrategy{}.Default(pod)
	if got := pod.Spec.Containers[0].Ports[0].HostPort; got != 8080 {
		t.Errorf("hostPort = %d, want 8080", got)
	}
}

func TestTemplateDefaultsArePodSpecOnly(t *testing.T) {
	pt := &corev1.PodTemplate{Template: validTemplate(nil)}
	pt.Template.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"cpu": q("1")}
	podTemplateStrategy{}.Default(pt)
	if pt.Template.Spec.EnableServiceLinks != nil || pt.Template.Spec.Containers[0].Resources.Requests != nil {
		t.Errorf("template got pod-only defaults: %+v", pt.Template.Spec)
	}
	if pt.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("template spec not defaulted")
	}
}

func TestImagePullPolicy(t *testing.T) {
	for image, want := range map[string]corev1.PullPolicy{
		"nginx": corev1.PullAlways, "nginx:latest": corev1.PullAlways, "nginx:1.2": corev1.PullIfNotPresent,
		"localhost:5000/nginx": corev1.PullAlways, "localhost:5000/nginx:v1": corev1.PullIfNotPresent,
		"nginx@sha256:abc": corev1.PullIfNotPresent, "nginx:latest@sha256:abc": corev1.PullAlways,
	} {
		if got := pullPolicyFor(image); got != want {
			t.Errorf("pullPolicyFor(%q) = %s, want %s", image, got, want)
		}
	}
}

func TestPodPrepareForCreate(t *testing.T) {
	pod := validPod()
	pod.Status.Phase = corev1.PodRunning
	pod.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/gate"}}
	must(t, create(podStrategy{}, pod))
	if pod.Status.Phase != corev1.PodPending || pod.Status.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("status = %+v", pod.Status)
	}
	if len(pod.Status.Conditions) != 1 || pod.Status.Conditions[0].Reason != corev1.PodReasonSchedulingGated {
		t.Errorf("conditions = %+v", pod.Status.Conditions)
	}
}

func TestPodValidation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []wantErr
	}{
		{"valid", func(*corev1.Pod) {}, nil},
		{"no containers", func(p *corev1.Pod) { p.Spec.Containers = nil }, []wantErr{required + "spec.containers"}},
		{"no image", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" }, []wantErr{required + "spec.containers[0].image"}},
		{"bad name", func(p *corev1.Pod) { p.Spec.Containers[0].Name = "Bad_Name" }, []wantErr{invalid + "spec.containers[0].name"}},
		{"no name", func(p *corev1.Pod) { p.Spec.Containers[0].Name = "" }, []wantErr{required + "spec.containers[0].name"}},
		{"duplicate name", func(p *corev1.Pod) { p.Spec.Containers = append(p.Spec.Containers, p.Spec.Containers[0]) },
			[]wantErr{duplicate + "spec.containers[1].name"}},
		{"init shares name", func(p *corev1.Pod) { p.Spec.InitContainers = []corev1.Container{p.Spec.Containers[0]} },
			[]wantErr{duplicate + "spec.initContainers[0].name"}},
		{"port zero", func(p *corev1.Pod) { p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 0}} },
			[]wantErr{required + "spec.containers[0].ports[0].containerPort"}},
		{"port too big", func(p *corev1.Pod) { p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 70000}} },
			[]wantErr{invalid + "spec.containers[0].ports[0].containerPort"}},
		{"duplicate port name", func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 80}, {Name: "http", ContainerPort: 81}}
		}, []wantErr{duplicate + "spec.containers[0].ports[1].name"}},
		{"bad protocol", func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, Protocol: "ICMP"}}
		},
			[]wantErr{notSupported + "spec.containers[0].ports[0].protocol"}},
		{"host port clash", func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}, {ContainerPort: 81, HostPort: 8080}}
		}, []wantErr{duplicate + "spec.containers[0].ports[1].hostPort"}},
		{"env name", func(p *corev1.Pod) { p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A=B"}} },
			[]wantErr{invalid + "spec.containers[0].env[0].name"}},
		{"env empty", func(p *corev1.Pod) { p.Spec.Containers[0].Env = []corev1.EnvVar{{Value: "x"}} },
			[]wantErr{required + "spec.containers[0].env[0].name"}},
		{"env value and source", func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "x", ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}}
		}, []wantErr{invalid + "spec.containers[0].env[0].valueFrom"}},
		{"env fieldRef unsupported", func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.bogus"}}}}
		}, []wantErr{notSupported + "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath"}},
		{"env secret key", func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", ValueFrom: &corev1.EnvVarSource{
				SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}}}}}
		}, []wantErr{required + "spec.containers[0].env[0].valueFrom.secretKeyRef.key"}},
		{"envFrom none", func(p *corev1.Pod) { p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{}} },
			[]wantErr{invalid + "spec.containers[0].envFrom"}},
		{"duplicate volume", func(p *corev1.Pod) { p.Spec.Volumes = []corev1.Volume{{Name: "v"}, {Name: "v"}} },
			[]wantErr{duplicate + "spec.volumes[1].name"}},
		{"two sources", func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{
				EmptyDir: &corev1.EmptyDirVolumeSource{}, HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}}}
		}, []wantErr{forbidden + "spec.volumes[0].emptyDir"}},
		{"secret name", func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{}}}}
		}, []wantErr{required + "spec.volumes[0].secret.secretName"}},
		{"mount unknown volume", func(p *corev1.Pod) {
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "nope", MountPath: "/x"}}
		}, []wantErr{notFound + "spec.containers[0].volumeMounts[0].name"}},
		{"mount no path", func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "v"}}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "v"}}
		}, []wantErr{required + "spec.containers[0].volumeMounts[0].mountPath"}},
		{"restartPolicy", func(p *corev1.Pod) { p.Spec.RestartPolicy = "Sometimes" }, []wantErr{notSupported + "spec.restartPolicy"}},
		{"dnsPolicy", func(p *corev1.Pod) { p.Spec.DNSPolicy = "Weird" }, []wantErr{notSupported + "spec.dnsPolicy"}},
		{"dns None needs config", func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSNone }, []wantErr{required + "spec.dnsConfig"}},
		{"request over limit", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": q("2")}, Limits: corev1.ResourceList{"cpu": q("1")}}
		}, []wantErr{invalid + "spec.containers[0].resources.requests"}},
		{"bad resource name", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"gpu": q("1")}
		}, []wantErr{invalid + "spec.containers[0].resources.limits[gpu]", invalid + "spec.containers[0].resources.requests[gpu]"}},
		{"probe without handler", func(p *corev1.Pod) { p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{} },
			[]wantErr{required + "spec.containers[0].readinessProbe"}},
		{"liveness success threshold", func(p *corev1.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}, SuccessThreshold: 2}
		}, []wantErr{invalid + "spec.containers[0].livenessProbe.successThreshold"}},
		{"probe two handlers", func(p *corev1.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				Exec: &corev1.ExecAction{Command: []string{"true"}}, TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}
		}, []wantErr{forbidden + "spec.containers[0].livenessProbe.tcpSocket"}},
		{"toleration operator", func(p *corev1.Pod) { p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: "Maybe"}} },
			[]wantErr{notSupported + "spec.tolerations[0].operator"}},
		{"toleration empty key", func(p *corev1.Pod) { p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpEqual}} },
			[]wantErr{invalid + "spec.tolerations[0].operator"}},
		{"toleration seconds", func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Effect: corev1.TaintEffectNoSchedule, TolerationSeconds: ptrTo[int64](5)}}
		}, []wantErr{invalid + "spec.tolerations[0].effect"}},
		{"nodeSelector", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"bad key!": "v"} },
			[]wantErr{invalid + "spec.nodeSelector"}},
		{"affinity no terms", func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{}}}
		}, []wantErr{required + "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"}},
		{"pod affinity topology", func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{}}}}
		}, []wantErr{required + "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"}},
		{"ephemeral on create", func(p *corev1.Pod) {
			p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "dbg", Image: "busybox"}}}
		}, []wantErr{forbidden + "spec.ephemeralContainers"}},
		{"activeDeadlineSeconds", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo[int64](0) },
			[]wantErr{invalid + "spec.activeDeadlineSeconds"}},
		{"hostNetwork port mismatch", func(p *corev1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 81}}
		}, []wantErr{invalid + "spec.containers[0].ports[0].hostPort"}},
		{"regular container restartPolicy", func(p *corev1.Pod) {
			p.Spec.Containers[0].RestartPolicy = ptrTo(corev1.ContainerRestartPolicyAlways)
		}, []wantErr{forbidden + "spec.containers[0].restartPolicy"}},
		{"init probe", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox",
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}}}
		}, []wantErr{forbidden + "spec.initContainers[0].readinessProbe"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pod := validPod()
			c.mutate(pod)
			checkErrs(t, create(podStrategy{}, pod), c.want...)
		})
	}
}

func TestSidecarMayHaveProbes(t *testing.T) {
	pod := validPod()
	pod.Spec.InitContainers = []corev1.Container{{Name: "side", Image: "envoy", RestartPolicy: ptrTo(corev1.ContainerRestartPolicyAlways),
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}}}
	must(t, create(podStrategy{}, pod))
}

func TestPodFields(t *testing.T) {
	keys := []string{"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
		"spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}
	f := podStrategy{}.Fields(&corev1.Pod{})
	for _, k := range keys {
		if _, ok := f[k]; !ok {
			t.Errorf("zero pod lacks field %s", k)
		}
	}
	pod := validPod()
	pod.Spec.HostNetwork = true
	pod.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}}
	f = podStrategy{}.Fields(pod)
	if f["spec.hostNetwork"] != "true" || f["status.podIP"] != "10.0.0.1" {
		t.Errorf("fields = %v", f)
	}
}

func TestPodUpdate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []wantErr
	}{
		{"image", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:1.28" }, nil},
		{"labels", func(p *corev1.Pod) { p.Labels = map[string]string{"a": "b"} }, nil},
		{"deadline set", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo[int64](30) }, nil},
		{"toleration added", func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "k2", Operator: corev1.TolerationOpExists})
		}, nil},
		{"toleration removed", func(p *corev1.Pod) { p.Spec.Tolerations = nil }, []wantErr{forbidden + "spec.tolerations"}},
		{"gate removed", func(p *corev1.Pod) { p.Spec.SchedulingGates = nil }, nil},
		{"gate added", func(p *corev1.Pod) {
			p.Spec.SchedulingGates = append(p.Spec.SchedulingGates, corev1.PodSchedulingGate{Name: "example.com/other"})
		}, []wantErr{forbidden + "spec.schedulingGates[1].name"}},
		{"command", func(p *corev1.Pod) { p.Spec.Containers[0].Command = []string{"sh"} }, []wantErr{forbidden + "spec"}},
		{"add container", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "b", Image: "b"})
		}, []wantErr{forbidden + "spec.containers"}},
		{"empty image", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" },
			[]wantErr{required + "spec.containers[0].image", required + "spec.containers[0].image"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old := validPod()
			old.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
			old.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/gate"}}
			must(t, create(podStrategy{}, old))
			pod := old.DeepCopy()
			c.mutate(pod)
			checkErrs(t, update(podStrategy{}, pod, old), c.want...)
		})
	}
}

func TestPodUpdateMessage(t *testing.T) {
	old := validPod()
	must(t, create(podStrategy{}, old))
	pod := old.DeepCopy()
	pod.Spec.Containers[0].Args = []string{"--x"}
	errs := update(podStrategy{}, pod, old)
	hasErr(t, errs, forbidden+"spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`")
	if !strings.Contains(errs[0].Detail, `+       "args"`) && !strings.Contains(errs[0].Detail, "--x") {
		t.Errorf("detail lacks a diff: %s", errs[0].Detail)
	}
}

func TestPodUpdateDeadlineMayOnlyShrink(t *testing.T) {
	old := validPod()
	old.Spec.ActiveDeadlineSeconds = ptrTo[int64](30)
	must(t, create(podStrategy{}, old))
	pod := old.DeepCopy()
	pod.Spec.ActiveDeadlineSeconds = ptrTo[int64](60)
	hasErr(t, update(podStrategy{}, pod, old), invalid+"spec.activeDeadlineSeconds", "less than or equal to previous value")
	pod = old.DeepCopy()
	pod.Spec.ActiveDeadlineSeconds = ptrTo[int64](10)
	must(t, update(podStrategy{}, pod, old))
}

func TestPodUpdateNegativeGrace(t *testing.T) {
	old := validPod()
	old.Spec.TerminationGracePeriodSeconds = ptrTo[int64](-1)
	podStrategy{}.Default(old)
	pod := old.DeepCopy()
	pod.Spec.TerminationGracePeriodSeconds = ptrTo[int64](1)
	if errs := validatePodUpdate(pod, old); len(errs) > 0 {
		t.Errorf("-1 -> 1 refused: %v", errs)
	}
}

func TestPodTemplateStrategy(t *testing.T) {
	pt := &corev1.PodTemplate{ObjectMeta: objMeta("pt"), Template: validTemplate(map[string]string{"a": "b"})}
	must(t, create(podTemplateStrategy{}, pt))
	if pt.Generation != 1 {
		t.Errorf("generation = %d", pt.Generation)
	}
	next := pt.DeepCopy()
	next.Template.Spec.Containers[0].Image = "x"
	must(t, update(podTemplateStrategy{}, next, pt))
	if next.Generation != 2 {
		t.Errorf("generation after change = %d", next.Generation)
	}
	bad := pt.DeepCopy()
	bad.Template.Spec.Containers = nil
	checkErrs(t, update(podTemplateStrategy{}, bad, pt), required+"template.spec.containers")
}

// A pod stored before some default existed must still take label changes.
func TestPodUpdateAgainstUndefaultedOld(t *testing.T) {
	old := validPod()
	pod := old.DeepCopy()
	pod.Labels = map[string]string{"a": "b"}
	must(t, update(podStrategy{}, pod, old))
}
