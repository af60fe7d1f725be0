package printers

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
)

func corePrinters() map[string]Printer {
	return map[string]Printer{
		"namespaces":             {Columns: namespaceColumns, Cells: typed(namespaceCells)},
		"pods":                   {Columns: podColumns, Cells: typed(podCells)},
		"nodes":                  {Columns: nodeColumns, Cells: typed(nodeCells)},
		"services":               {Columns: serviceColumns, Cells: typed(serviceCells)},
		"endpoints":              {Columns: endpointsColumns, Cells: typed(endpointsCells)},
		"configmaps":             {Columns: configMapColumns, Cells: typed(configMapCells)},
		"secrets":                {Columns: secretColumns, Cells: typed(secretCells)},
		"serviceaccounts":        {Columns: serviceAccountColumns, Cells: typed(serviceAccountCells)},
		"events":                 eventPrinter(),
		"persistentvolumes":      {Columns: pvColumns, Cells: typed(pvCells)},
		"persistentvolumeclaims": {Columns: pvcColumns, Cells: typed(pvcCells)},
		"resourcequotas":         {Columns: resourceQuotaColumns, Cells: typed(resourceQuotaCells)},
		"limitranges":            Default, // upstream has no printer for them
		"replicationcontrollers": {Columns: rcColumns, Cells: typed(rcCells)},
		"podtemplates":           {Columns: podTemplateColumns, Cells: typed(podTemplateCells)},
		"componentstatuses":      {Columns: componentStatusColumns, Cells: typed(componentStatusCells)},
	}
}

// Namespaces.

var namespaceColumns = columns(nameColumn(),
	column("Status", "string", "Phase of the namespace."),
	ageColumn())

func namespaceCells(ns *corev1.Namespace, now time.Time) []interface{} {
	phase := ns.Status.Phase
	if phase == "" {
		phase = corev1.NamespaceActive
	}
	return []interface{}{ns.Name, string(phase), age(ns.CreationTimestamp, now)}
}

// Pods.

var podColumns = columns(nameColumn(),
	column("Ready", "string", "Ready containers out of all containers."),
	column("Status", "string", "Summary of the pod's state."),
	column("Restarts", "string", "Container restarts, and how long ago the last one was."),
	ageColumn(),
	wide("IP", "string", "The pod's IP address."),
	wide("Node", "string", "Node the pod is bound to."),
	wide("Nominated Node", "string", "Node the scheduler nominated for the pod after preemption."),
	wide("Readiness Gates", "string", "True readiness gates out of all readiness gates."))

// podState accumulates what the pod row shows.
type podState struct {
	reason   string
	ready    int
	total    int
	restarts int
	last     metav1.Time
}

func podCells(pod *corev1.Pod, now time.Time) []interface{} {
	st := podStatus(pod)
	restarts := strconv.Itoa(st.restarts)
	if st.restarts != 0 && !st.last.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", st.restarts, age(st.last, now))
	}
	return []interface{}{
		pod.Name, fmt.Sprintf("%d/%d", st.ready, st.total), st.reason, restarts, age(pod.CreationTimestamp, now),
		orNone(podIP(pod)), orNone(pod.Spec.NodeName), orNone(pod.Status.NominatedNodeName), readinessGates(pod),
	}
}

// podStatus computes the READY, STATUS and RESTARTS of a pod as kubectl shows them.
func podStatus(pod *corev1.Pod) podState {
	st := podState{reason: initialPodReason(pod), total: len(pod.Spec.Containers)}
	sidecars := restartableInitContainers(pod)
	st.total += len(sidecars)
	sidecarRestarts, sidecarLast, initializing := st.initContainers(pod, sidecars)
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		st.restarts, st.last = sidecarRestarts, sidecarLast
		st.containers(pod)
	}
	if pod.DeletionTimestamp != nil {
		if pod.Status.Reason == "NodeLost" {
			st.reason = "Unknown"
		} else if pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed {
			st.reason = "Terminating"
		}
	}
	return st
}

func initialPodReason(pod *corev1.Pod) string {
	reason := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			reason = corev1.PodReasonSchedulingGated
		}
	}
	return reason
}

// restartableInitContainers are the sidecars: init containers that restart always.
func restartableInitContainers(pod *corev1.Pod) map[string]bool {
	out := map[string]bool{}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			out[c.Name] = true
		}
	}
	return out
}

// later keeps the later of *last and the time a container last terminated.
func later(last *metav1.Time, cs corev1.ContainerStatus) {
	if t := cs.LastTerminationState.Terminated; t != nil && last.Before(&t.FinishedAt) {
		*last = t.FinishedAt
	}
}

// initContainers walks the init containers' statuses up to the first one
// still initializing; it reports the sidecars' restarts and whether the pod
// is still initializing.
func (st *podState) initContainers(pod *corev1.Pod, sidecars map[string]bool) (int, metav1.Time, bool) {
	sidecarRestarts, sidecarLast := 0, metav1.Time{}
	for i, cs := range pod.Status.InitContainerStatuses {
		st.restarts += int(cs.RestartCount)
		later(&st.last, cs)
		if sidecars[cs.Name] {
			sidecarRestarts += int(cs.RestartCount)
			later(&sidecarLast, cs)
		}
		switch {
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0:
			continue
		case sidecars[cs.Name] && cs.Started != nil && *cs.Started:
			if cs.Ready {
				st.ready++
			}
			continue
		case cs.State.Terminated != nil:
			st.reason = "Init:" + terminatedReason(cs.State.Terminated)
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && cs.State.Waiting.Reason != "PodInitializing":
			st.reason = "Init:" + cs.State.Waiting.Reason
		default:
			st.reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		return sidecarRestarts, sidecarLast, true
	}
	return sidecarRestarts, sidecarLast, false
}

func terminatedReason(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	default:
		return fmt.Sprintf("ExitCode:%d", t.ExitCode)
	}
}

// containers walks the regular containers' statuses, last to first, so the
// first container's state wins the STATUS column.
func (st *podState) containers(pod *corev1.Pod) {
	hasRunning := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		cs := pod.Status.ContainerStatuses[i]
		st.restarts += int(cs.RestartCount)
		later(&st.last, cs)
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			st.reason = cs.State.Waiting.Reason
		case cs.State.Terminated != nil:
			st.reason = terminatedReason(cs.State.Terminated)
		case cs.Ready && cs.State.Running != nil:
			hasRunning = true
			st.ready++
		}
	}
	if st.reason == "Completed" && hasRunning {
		st.reason = "NotReady"
		if podConditionTrue(pod, corev1.PodReady) {
			st.reason = "Running"
		}
	}
}

func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podIP(pod *corev1.Pod) string {
	if len(pod.Status.PodIPs) > 0 {
		return pod.Status.PodIPs[0].IP
	}
	return pod.Status.PodIP
}

func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	trueGates := 0
	for _, g := range pod.Spec.ReadinessGates {
		if podConditionTrue(pod, g.ConditionType) {
			trueGates++
		}
	}
	return fmt.Sprintf("%d/%d", trueGates, len(pod.Spec.ReadinessGates))
}

// Nodes.

var nodeColumns = columns(nameColumn(),
	column("Status", "string", "Readiness of the node, and whether it takes new pods."),
	column("Roles", "string", "Roles of the node, from its node-role labels."),
	ageColumn(),
	column("Version", "string", "Kubelet version of the node."),
	wide("Internal-IP", "string", "First internal address of the node."),
	wide("External-IP", "string", "First external address of the node."),
	wide("OS-Image", "string", "Operating system image of the node."),
	wide("Kernel-Version", "string", "Kernel version of the node."),
	wide("Container-Runtime", "string", "Container runtime and its version."))

func nodeCells(n *corev1.Node, now time.Time) []interface{} {
	info := n.Status.NodeInfo
	return []interface{}{
		n.Name, nodeStatus(n), orNone(strings.Join(nodeRoles(n), ",")), age(n.CreationTimestamp, now), info.KubeletVersion,
		nodeAddress(n, corev1.NodeInternalIP), nodeAddress(n, corev1.NodeExternalIP),
		orUnknown(info.OSImage), orUnknown(info.KernelVersion), orUnknown(info.ContainerRuntimeVersion),
	}
}

func nodeStatus(n *corev1.Node) string {
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type != corev1.NodeReady {
			continue
		}
		status = "NotReady"
		if c.Status == corev1.ConditionTrue {
			status = "Ready"
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

// nodeRoles reads node-role.kubernetes.io/<role> and kubernetes.io/role=<role> labels.
func nodeRoles(n *corev1.Node) []string {
	roles := sets.New[string]()
	for k, v := range n.Labels {
		if role, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && role != "" {
			roles.Insert(role)
		} else if k == "kubernetes.io/role" && v != "" {
			roles.Insert(v)
		}
	}
	return sets.List(roles)
}

func nodeAddress(n *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return "<none>"
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

// Services.

var serviceColumns = columns(nameColumn(),
	column("Type", "string", "How the service is exposed."),
	column("Cluster-IP", "string", "Cluster-internal IP of the service."),
	column("External-IP", "string", "External addresses of the service."),
	column("Port(s)", "string", "Ports the service exposes."),
	ageColumn(),
	wide("Selector", "string", "Labels of the pods the service routes to."))

func serviceCells(svc *corev1.Service, now time.Time) []interface{} {
	clusterIP := svc.Spec.ClusterIP
	if len(svc.Spec.ClusterIPs) > 0 {
		clusterIP = svc.Spec.ClusterIPs[0]
	}
	return []interface{}{
		svc.Name, string(serviceType(svc)), orNone(clusterIP), serviceExternalIP(svc),
		orNone(servicePorts(svc.Spec.Ports)), age(svc.CreationTimestamp, now), labelsString(svc.Spec.Selector),
	}
}

func serviceType(svc *corev1.Service) corev1.ServiceType {
	if svc.Spec.Type == "" {
		return corev1.ServiceTypeClusterIP
	}
	return svc.Spec.Type
}

func serviceExternalIP(svc *corev1.Service) string {
	switch serviceType(svc) {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		return orNone(strings.Join(svc.Spec.ExternalIPs, ","))
	case corev1.ServiceTypeLoadBalancer:
		ips := append(lbIngress(svc.Status.LoadBalancer.Ingress), svc.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	}
	return "<unknown>"
}

// lbIngress lists the sorted, distinct IPs (or else hostnames) of load-balancer ingress points.
func lbIngress(ingress []corev1.LoadBalancerIngress) []string {
	s := sets.New[string]()
	for _, in := range ingress {
		if in.IP != "" {
			s.Insert(in.IP)
		} else if in.Hostname != "" {
			s.Insert(in.Hostname)
		}
	}
	return sets.List(s)
}

func servicePorts(ports []corev1.ServicePort) string {
	out := make([]string, len(ports))
	for i, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		out[i] = fmt.Sprintf("%d/%s", p.Port, proto)
		if p.NodePort > 0 {
			out[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, proto)
		}
	}
	return strings.Join(out, ",")
}

// Endpoints.

var endpointsColumns = columns(nameColumn(),
	column("Endpoints", "string", "Ready addresses of the endpoints, with their ports."),
	ageColumn())

func endpointsCells(ep *corev1.Endpoints, now time.Time) []interface{} {
	return []interface{}{ep.Name, formatEndpoints(ep), age(ep.CreationTimestamp, now)}
}

func formatEndpoints(ep *corev1.Endpoints) string {
	if len(ep.Subsets) == 0 {
		return "<none>"
	}
	var list []string
	for _, ss := range ep.Subsets {
		if len(ss.Ports) == 0 { // headless services may have no ports
			for _, a := range ss.Addresses {
				list = append(list, a.IP)
			}
			continue
		}
		for _, p := range ss.Ports {
			for _, a := range ss.Addresses {
				list = append(list, net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	return listWithMore(list, 3)
}

// ConfigMaps, Secrets, ServiceAccounts.

var configMapColumns = columns(nameColumn(),
	column("Data", "string", "Number of data and binary data keys."),
	ageColumn())

func configMapCells(cm *corev1.ConfigMap, now time.Time) []interface{} {
	return []interface{}{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), age(cm.CreationTimestamp, now)}
}

var secretColumns = columns(nameColumn(),
	column("Type", "string", "Type of the secret."),
	column("Data", "string", "Number of data keys."),
	ageColumn())

func secretCells(s *corev1.Secret, now time.Time) []interface{} {
	t := s.Type
	if t == "" {
		t = corev1.SecretTypeOpaque
	}
	return []interface{}{s.Name, string(t), int64(len(s.Data)), age(s.CreationTimestamp, now)}
}

var serviceAccountColumns = columns(nameColumn(),
	column("Secrets", "string", "Number of secrets the service account references."),
	ageColumn())

func serviceAccountCells(sa *corev1.ServiceAccount, now time.Time) []interface{} {
	return []interface{}{sa.Name, int64(len(sa.Secrets)), age(sa.CreationTimestamp, now)}
}

// Events (core/v1; events.k8s.io/v1 objects are converted to it).

var eventColumns = []metav1.TableColumnDefinition{
	column("Last Seen", "string", "Time since the event was last observed."),
	column("Type", "string", "Type of the event (Normal, Warning)."),
	column("Reason", "string", "Short reason for the event."),
	column("Object", "string", "Object the event is about."),
	wide("Subobject", "string", "Field path within the object, if any."),
	wide("Source", "string", "Component (and host) that reported the event."),
	column("Message", "string", "Description of the event."),
	wide("First Seen", "string", "Time since the event was first observed."),
	wide("Count", "string", "How many times the event occurred."),
	{Name: "Name", Type: "string", Format: "name", Priority: 1, Description: "Name of the event object."},
}

func eventPrinter() Printer {
	return Printer{Columns: eventColumns, Cells: eventCells}
}

// eventCells accepts both core/v1 and events.k8s.io/v1 events.
func eventCells(obj runtime.Object, now time.Time) ([]interface{}, error) {
	switch e := obj.(type) {
	case *corev1.Event:
		return coreEventCells(e, now), nil
	case *eventsv1.Event:
		return coreEventCells(coreEvent(e), now), nil
	}
	return nil, wrongType(obj)
}

func coreEventCells(e *corev1.Event, now time.Time) []interface{} {
	first := age(e.FirstTimestamp, now)
	if e.FirstTimestamp.IsZero() {
		first = microAge(e.EventTime, now)
	}
	last := age(e.LastTimestamp, now)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last, count = microAge(e.Series.LastObservedTime, now), e.Series.Count
	} else if count == 0 {
		count = 1 // singleton events of the new API carry no count
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	return []interface{}{
		last, e.Type, e.Reason, target, e.InvolvedObject.FieldPath,
		eventSource(e), strings.TrimSpace(e.Message), first, int64(count), e.Name,
	}
}

// eventSource is "component, host", falling back on the reporting controller and instance.
func eventSource(e *corev1.Event) string {
	component, host := e.Source.Component, e.Source.Host
	if component == "" {
		component = e.ReportingController
	}
	if host == "" {
		host = e.ReportingInstance
	}
	if host == "" {
		return component
	}
	return component + ", " + host
}

// PersistentVolumes and claims.

var pvColumns = columns(nameColumn(),
	column("Capacity", "string", "Storage capacity of the volume."),
	column("Access Modes", "string", "Ways the volume can be mounted."),
	column("Reclaim Policy", "string", "What happens to the volume once released."),
	column("Status", "string", "Phase of the volume."),
	column("Claim", "string", "Claim bound to the volume."),
	column("StorageClass", "string", "Storage class of the volume."),
	column("VolumeAttributesClass", "string", "Volume attributes class of the volume."),
	column("Reason", "string", "Reason for a failed volume."),
	ageColumn(),
	wide("VolumeMode", "string", "Whether the volume is a filesystem or a raw block device."))

func pvCells(pv *corev1.PersistentVolume, now time.Time) []interface{} {
	claim := ""
	if ref := pv.Spec.ClaimRef; ref != nil {
		claim = ref.Namespace + "/" + ref.Name
	}
	policy := pv.Spec.PersistentVolumeReclaimPolicy
	if policy == "" {
		policy = corev1.PersistentVolumeReclaimRetain
	}
	phase := string(pv.Status.Phase)
	if phase == "" {
		phase = string(corev1.VolumePending)
	}
	if pv.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	capacity := pv.Spec.Capacity[corev1.ResourceStorage]
	return []interface{}{
		pv.Name, capacity.String(), accessModes(pv.Spec.AccessModes), string(policy), phase, claim,
		pvClass(pv), orUnset(pv.Spec.VolumeAttributesClassName), pv.Status.Reason,
		age(pv.CreationTimestamp, now), volumeMode(pv.Spec.VolumeMode),
	}
}

const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"

func pvClass(pv *corev1.PersistentVolume) string {
	if c, ok := pv.Annotations[betaStorageClassAnnotation]; ok {
		return c
	}
	return pv.Spec.StorageClassName
}

var pvcColumns = columns(nameColumn(),
	column("Status", "string", "Phase of the claim."),
	column("Volume", "string", "Volume bound to the claim."),
	column("Capacity", "string", "Capacity of the bound volume."),
	column("Access Modes", "string", "Access modes of the bound volume."),
	column("StorageClass", "string", "Storage class of the claim."),
	column("VolumeAttributesClass", "string", "Volume attributes class of the claim."),
	ageColumn(),
	wide("VolumeMode", "string", "Whether the claim wants a filesystem or a raw block device."))

func pvcCells(pvc *corev1.PersistentVolumeClaim, now time.Time) []interface{} {
	phase := string(pvc.Status.Phase)
	if phase == "" {
		phase = string(corev1.ClaimPending)
	}
	if pvc.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	capacity, modes := "", ""
	if pvc.Spec.VolumeName != "" {
		q := pvc.Status.Capacity[corev1.ResourceStorage]
		capacity, modes = q.String(), accessModes(pvc.Status.AccessModes)
	}
	return []interface{}{
		pvc.Name, phase, pvc.Spec.VolumeName, capacity, modes, pvcClass(pvc),
		orUnset(pvc.Spec.VolumeAttributesClassName), age(pvc.CreationTimestamp, now), volumeMode(pvc.Spec.VolumeMode),
	}
}

func pvcClass(pvc *corev1.PersistentVolumeClaim) string {
	if c, ok := pvc.Annotations[betaStorageClassAnnotation]; ok {
		return c
	}
	if pvc.Spec.StorageClassName != nil {
		return *pvc.Spec.StorageClassName
	}
	return ""
}

// accessModes abbreviates access modes in a fixed order: RWO,ROX,RWX,RWOP.
func accessModes(modes []corev1.PersistentVolumeAccessMode) string {
	has := sets.New(modes...)
	var out []string
	for _, m := range []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{
		{corev1.ReadWriteOnce, "RWO"}, {corev1.ReadOnlyMany, "ROX"},
		{corev1.ReadWriteMany, "RWX"}, {corev1.ReadWriteOncePod, "RWOP"},
	} {
		if has.Has(m.mode) {
			out = append(out, m.short)
		}
	}
	return strings.Join(out, ",")
}

func volumeMode(m *corev1.PersistentVolumeMode) string {
	if m == nil {
		return string(corev1.PersistentVolumeFilesystem)
	}
	return string(*m)
}

func orUnset(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}

// ResourceQuotas.

var resourceQuotaColumns = columns(nameColumn(),
	column("Request", "string", "Used and hard quotas of requests and object counts."),
	column("Limit", "string", "Used and hard quotas of limits."),
	ageColumn())

func resourceQuotaCells(q *corev1.ResourceQuota, now time.Time) []interface{} {
	names := make([]string, 0, len(q.Status.Hard))
	for name := range q.Status.Hard {
		names = append(names, string(name))
	}
	sort.Strings(names)
	var requests, limits []string
	for _, name := range names {
		used, hard := q.Status.Used[corev1.ResourceName(name)], q.Status.Hard[corev1.ResourceName(name)]
		entry := fmt.Sprintf("%s: %s/%s", name, used.String(), hard.String())
		if pieces := strings.Split(name, "."); len(pieces) > 1 && pieces[0] == "limits" {
			limits = append(limits, entry)
		} else {
			requests = append(requests, entry)
		}
	}
	return []interface{}{q.Name, strings.Join(requests, ", "), strings.Join(limits, ", "), age(q.CreationTimestamp, now)}
}

// ReplicationControllers and PodTemplates.

var rcColumns = columns(nameColumn(),
	column("Desired", "integer", "Number of replicas wanted."),
	column("Current", "integer", "Number of replicas created."),
	column("Ready", "integer", "Number of ready replicas."),
	ageColumn(),
	containerColumns(),
	wide("Selector", "string", "Labels of the pods the controller manages."))

func rcCells(rc *corev1.ReplicationController, now time.Time) []interface{} {
	var containers []corev1.Container
	var templateLabels map[string]string
	if rc.Spec.Template != nil {
		containers, templateLabels = rc.Spec.Template.Spec.Containers, rc.Spec.Template.Labels
	}
	selector := rc.Spec.Selector
	if len(selector) == 0 {
		selector = templateLabels // defaulted from the template
	}
	names, images := containerCells(containers)
	return []interface{}{
		rc.Name, replicas(rc.Spec.Replicas), int64(rc.Status.Replicas), int64(rc.Status.ReadyReplicas),
		age(rc.CreationTimestamp, now), names, images, labelsString(selector),
	}
}

var podTemplateColumns = columns(nameColumn(),
	column("Containers", "string", "Names of the containers in the template."),
	column("Images", "string", "Images of the containers in the template."),
	column("Pod Labels", "string", "Labels of the template's pods."))

func podTemplateCells(pt *corev1.PodTemplate, _ time.Time) []interface{} {
	names, images := containerCells(pt.Template.Spec.Containers)
	return []interface{}{pt.Name, names, images, labelsString(pt.Template.Labels)}
}

// ComponentStatuses.

var componentStatusColumns = columns(nameColumn(),
	column("Status", "string", "Health of the component."),
	column("Message", "string", "Message of the health check."),
	column("Error", "string", "Error of the health check."))

func componentStatusCells(cs *corev1.ComponentStatus, _ time.Time) []interface{} {
	status, message, errText := "Unknown", "", ""
	for _, c := range cs.Conditions {
		if c.Type != corev1.ComponentHealthy {
			continue
		}
		status = "Unhealthy"
		if c.Status == corev1.ConditionTrue {
			status = "Healthy"
		}
		message, errText = c.Message, c.Error
		break
	}
	return []interface{}{cs.Name, status, message, errText}
}
