package openapi

// testKinds mirrors what a kube-apiserver serves for the generated groups.
var testKinds = []Kind{
	{Version: "v1", Kind: "Pod", Resource: "pods", Namespaced: true,
		Subresources: []string{"status", "binding", "eviction", "ephemeralcontainers", "resize", "log", "exec", "attach", "portforward", "proxy"}},
	{Version: "v1", Kind: "Binding", Resource: "bindings", Namespaced: true},
	{Version: "v1", Kind: "ConfigMap", Resource: "configmaps", Namespaced: true},
	{Version: "v1", Kind: "Secret", Resource: "secrets", Namespaced: true},
	{Version: "v1", Kind: "ServiceAccount", Resource: "serviceaccounts", Namespaced: true, Subresources: []string{"token"}},
	{Version: "v1", Kind: "Service", Resource: "services", Namespaced: true, Subresources: []string{"status", "proxy"}},
	{Version: "v1", Kind: "Endpoints", Resource: "endpoints", Namespaced: true},
	{Version: "v1", Kind: "Event", Resource: "events", Namespaced: true},
	{Version: "v1", Kind: "LimitRange", Resource: "limitranges", Namespaced: true},
	{Version: "v1", Kind: "ResourceQuota", Resource: "resourcequotas", Namespaced: true, Subresources: []string{"status"}},
	{Version: "v1", Kind: "PersistentVolumeClaim", Resource: "persistentvolumeclaims", Namespaced: true, Subresources: []string{"status"}},
	{Version: "v1", Kind: "PodTemplate", Resource: "podtemplates", Namespaced: true},
	{Version: "v1", Kind: "ReplicationController", Resource: "replicationcontrollers", Namespaced: true, Subresources: []string{"status", "scale"}},
	{Version: "v1", Kind: "Namespace", Resource: "namespaces", Subresources: []string{"status", "finalize"}},
	{Version: "v1", Kind: "Node", Resource: "nodes", Subresources: []string{"status", "proxy"}},
	{Version: "v1", Kind: "PersistentVolume", Resource: "persistentvolumes", Subresources: []string{"status"}},
	{Version: "v1", Kind: "ComponentStatus", Resource: "componentstatuses", Verbs: []string{"get", "list"}},

	{Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Namespaced: true, Subresources: []string{"status", "scale"}},
	{Group: "apps", Version: "v1", Kind: "ReplicaSet", Resource: "replicasets", Namespaced: true, Subresources: []string{"status", "scale"}},
	{Group: "apps", Version: "v1", Kind: "StatefulSet", Resource: "statefulsets", Namespaced: true, Subresources: []string{"status", "scale"}},
	{Group: "apps", Version: "v1", Kind: "DaemonSet", Resource: "daemonsets", Namespaced: true, Subresources: []string{"status"}},
	{Group: "apps", Version: "v1", Kind: "ControllerRevision", Resource: "controllerrevisions", Namespaced: true},

	{Group: "batch", Version: "v1", Kind: "Job", Resource: "jobs", Namespaced: true, Subresources: []string{"status"}},
	{Group: "batch", Version: "v1", Kind: "CronJob", Resource: "cronjobs", Namespaced: true, Subresources: []string{"status"}},

	{Group: "autoscaling", Version: "v1", Kind: "HorizontalPodAutoscaler", Resource: "horizontalpodautoscalers", Namespaced: true, Subresources: []string{"status"}},
	{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler", Resource: "horizontalpodautoscalers", Namespaced: true, Subresources: []string{"status"}},

	{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Resource: "ingresses", Namespaced: true, Subresources: []string{"status"}},
	{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy", Resource: "networkpolicies", Namespaced: true},
	{Group: "networking.k8s.io", Version: "v1", Kind: "IngressClass", Resource: "ingressclasses"},
	{Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice", Resource: "endpointslices", Namespaced: true},
	{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease", Resource: "leases", Namespaced: true},
	{Group: "events.k8s.io", Version: "v1", Kind: "Event", Resource: "events", Namespaced: true},

	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "Role", Resource: "roles", Namespaced: true},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "RoleBinding", Resource: "rolebindings", Namespaced: true},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole", Resource: "clusterroles"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRoleBinding", Resource: "clusterrolebindings"},

	{Group: "storage.k8s.io", Version: "v1", Kind: "StorageClass", Resource: "storageclasses"},
	{Group: "storage.k8s.io", Version: "v1", Kind: "CSIDriver", Resource: "csidrivers"},
	{Group: "storage.k8s.io", Version: "v1", Kind: "CSINode", Resource: "csinodes"},
	{Group: "storage.k8s.io", Version: "v1", Kind: "VolumeAttachment", Resource: "volumeattachments", Subresources: []string{"status"}},
	{Group: "storage.k8s.io", Version: "v1", Kind: "CSIStorageCapacity", Resource: "csistoragecapacities", Namespaced: true},

	{Group: "scheduling.k8s.io", Version: "v1", Kind: "PriorityClass", Resource: "priorityclasses"},
	{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget", Resource: "poddisruptionbudgets", Namespaced: true, Subresources: []string{"status"}},

	{Group: "authentication.k8s.io", Version: "v1", Kind: "TokenReview", Resource: "tokenreviews"},
	{Group: "authentication.k8s.io", Version: "v1", Kind: "SelfSubjectReview", Resource: "selfsubjectreviews"},
	{Group: "authorization.k8s.io", Version: "v1", Kind: "SubjectAccessReview", Resource: "subjectaccessreviews"},
	{Group: "authorization.k8s.io", Version: "v1", Kind: "SelfSubjectAccessReview", Resource: "selfsubjectaccessreviews"},
	{Group: "authorization.k8s.io", Version: "v1", Kind: "SelfSubjectRulesReview", Resource: "selfsubjectrulesreviews"},
	{Group: "authorization.k8s.io", Version: "v1", Kind: "LocalSubjectAccessReview", Resource: "localsubjectaccessreviews", Namespaced: true},
}
