package kubelet

// Labels and annotations the kubelet puts on sandboxes and containers, with
// upstream's keys, so the runtime's state alone tells which pod and container
// (and which restart) an object belongs to after a kubelet restart.
const (
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"
	// labelContainerType marks init containers so they are told apart from
	// app containers of the same name space.
	labelContainerType = "io.kubernetes.container.type"

	annotationRestartCount    = "io.kubernetes.container.restartCount"
	annotationTermMessagePath = "io.kubernetes.container.terminationMessagePath"
	annotationTermMessagePol  = "io.kubernetes.container.terminationMessagePolicy"
	annotationTermGrace       = "io.kubernetes.pod.terminationGracePeriod"
	annotationPreStopGrace    = "io.kubernetes.container.preStopHandler"

	containerTypeInit = "init"
	containerTypeApp  = "app"
)

// annotationHash records the part of a container's spec that may change on
// a running pod (its image); a different hash means restart it.
const annotationHash = "io.kubernetes.container.hash"
