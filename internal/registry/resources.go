package registry

import (
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var all = []string{"all"}

func res[T any, PT interface {
	*T
	runtime.Object
}, L any, PL interface {
	*L
	runtime.Object
}](group, version, resource, kind string, namespaced bool, s Strategy) *Resource {
	return &Resource{
		Group: group, Version: version, Resource: resource, Kind: kind, Namespaced: namespaced,
		New:      func() runtime.Object { return PT(new(T)) },
		NewList:  func() runtime.Object { return PL(new(L)) },
		Strategy: s,
	}
}

func (r *Resource) short(names ...string) *Resource { r.ShortNames = names; return r }
func (r *Resource) cats(c ...string) *Resource      { r.Categories = c; return r }
func (r *Resource) status() *Resource               { r.Status = true; return r }
func (r *Resource) keepStatus() *Resource           { r.KeepStatusOnCreate = true; return r }
func (r *Resource) scale(a *ScaleAccessor) *Resource {
	r.Scale = a
	return r
}
func (r *Resource) names(f func(string, bool) []string) *Resource { r.ValidateName = f; return r }

// Resources returns every resource orca serves, a fresh set each call.
func Resources() []*Resource {
	hpaV2 := res[autoscalingv2.HorizontalPodAutoscaler, *autoscalingv2.HorizontalPodAutoscaler, autoscalingv2.HorizontalPodAutoscalerList, *autoscalingv2.HorizontalPodAutoscalerList]("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, hpaStrategy{}).short("hpa").cats("all").status()
	hpaV1 := res[autoscalingv1.HorizontalPodAutoscaler, *autoscalingv1.HorizontalPodAutoscaler, autoscalingv1.HorizontalPodAutoscalerList, *autoscalingv1.HorizontalPodAutoscalerList]("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, Base{}).short("hpa").cats("all").status()
	hpaV1.Storage, hpaV1.ToStorage, hpaV1.FromStorage = hpaV2, hpaV1ToV2, hpaV2ToV1
	coreEvents := res[corev1.Event, *corev1.Event, corev1.EventList, *corev1.EventList]("", "v1", "events", "Event", true, eventStrategy{}).short("ev")
	coreEvents.TTL = 3600
	newEvents := res[eventsv1.Event, *eventsv1.Event, eventsv1.EventList, *eventsv1.EventList]("events.k8s.io", "v1", "events", "Event", true, eventV1Strategy{}).short("ev")
	newEvents.Storage, newEvents.ToStorage, newEvents.FromStorage = coreEvents, eventV1ToCore, coreEventToV1
	newEvents.TTL = 3600
	newEvents.FieldLabelToStorage = EventV1FieldLabels

	return []*Resource{
		// core/v1
		res[corev1.Namespace, *corev1.Namespace, corev1.NamespaceList, *corev1.NamespaceList]("", "v1", "namespaces", "Namespace", false, namespaceStrategy{}).short("ns").status().names(metavalidation.NameIsDNSLabel),
		withReturnDeleted(res[corev1.Pod, *corev1.Pod, corev1.PodList, *corev1.PodList]("", "v1", "pods", "Pod", true, podStrategy{}).short("po").cats(all...).status()),
		res[corev1.Node, *corev1.Node, corev1.NodeList, *corev1.NodeList]("", "v1", "nodes", "Node", false, nodeStrategy{}).short("no").status().keepStatus(),
		withReturnDeleted(res[corev1.Service, *corev1.Service, corev1.ServiceList, *corev1.ServiceList]("", "v1", "services", "Service", true, serviceStrategy{}).short("svc").cats(all...).status().names(metavalidation.NameIsDNS1035Label)),
		allowCreateOnUpdate(res[corev1.Endpoints, *corev1.Endpoints, corev1.EndpointsList, *corev1.EndpointsList]("", "v1", "endpoints", "Endpoints", true, endpointsStrategy{}).short("ep")),
		res[corev1.ConfigMap, *corev1.ConfigMap, corev1.ConfigMapList, *corev1.ConfigMapList]("", "v1", "configmaps", "ConfigMap", true, configMapStrategy{}).short("cm"),
		res[corev1.Secret, *corev1.Secret, corev1.SecretList, *corev1.SecretList]("", "v1", "secrets", "Secret", true, secretStrategy{}),
		res[corev1.ServiceAccount, *corev1.ServiceAccount, corev1.ServiceAccountList, *corev1.ServiceAccountList]("", "v1", "serviceaccounts", "ServiceAccount", true, Base{}).short("sa"),
		coreEvents,
		res[corev1.PersistentVolume, *corev1.PersistentVolume, corev1.PersistentVolumeList, *corev1.PersistentVolumeList]("", "v1", "persistentvolumes", "PersistentVolume", false, pvStrategy{}).short("pv").status(),
		res[corev1.PersistentVolumeClaim, *corev1.PersistentVolumeClaim, corev1.PersistentVolumeClaimList, *corev1.PersistentVolumeClaimList]("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, pvcStrategy{}).short("pvc").status(),
		res[corev1.ResourceQuota, *corev1.ResourceQuota, corev1.ResourceQuotaList, *corev1.ResourceQuotaList]("", "v1", "resourcequotas", "ResourceQuota", true, resourceQuotaStrategy{}).short("quota").status(),
		res[corev1.LimitRange, *corev1.LimitRange, corev1.LimitRangeList, *corev1.LimitRangeList]("", "v1", "limitranges", "LimitRange", true, limitRangeStrategy{}).short("limits"),
		res[corev1.ReplicationController, *corev1.ReplicationController, corev1.ReplicationControllerList, *corev1.ReplicationControllerList]("", "v1", "replicationcontrollers", "ReplicationController", true, rcStrategy{}).short("rc").cats(all...).status().scale(rcScale),
		res[corev1.PodTemplate, *corev1.PodTemplate, corev1.PodTemplateList, *corev1.PodTemplateList]("", "v1", "podtemplates", "PodTemplate", true, podTemplateStrategy{}),
		// apps/v1
		res[appsv1.Deployment, *appsv1.Deployment, appsv1.DeploymentList, *appsv1.DeploymentList]("apps", "v1", "deployments", "Deployment", true, deploymentStrategy{}).short("deploy").cats(all...).status().scale(deploymentScale),
		res[appsv1.ReplicaSet, *appsv1.ReplicaSet, appsv1.ReplicaSetList, *appsv1.ReplicaSetList]("apps", "v1", "replicasets", "ReplicaSet", true, replicaSetStrategy{}).short("rs").cats(all...).status().scale(replicaSetScale),
		res[appsv1.DaemonSet, *appsv1.DaemonSet, appsv1.DaemonSetList, *appsv1.DaemonSetList]("apps", "v1", "daemonsets", "DaemonSet", true, daemonSetStrategy{}).short("ds").cats(all...).status(),
		res[appsv1.StatefulSet, *appsv1.StatefulSet, appsv1.StatefulSetList, *appsv1.StatefulSetList]("apps", "v1", "statefulsets", "StatefulSet", true, statefulSetStrategy{}).short("sts").cats(all...).status().scale(statefulSetScale),
		res[appsv1.ControllerRevision, *appsv1.ControllerRevision, appsv1.ControllerRevisionList, *appsv1.ControllerRevisionList]("apps", "v1", "controllerrevisions", "ControllerRevision", true, controllerRevisionStrategy{}),
		// batch/v1
		res[batchv1.Job, *batchv1.Job, batchv1.JobList, *batchv1.JobList]("batch", "v1", "jobs", "Job", true, jobStrategy{}).cats(all...).status(),
		res[batchv1.CronJob, *batchv1.CronJob, batchv1.CronJobList, *batchv1.CronJobList]("batch", "v1", "cronjobs", "CronJob", true, cronJobStrategy{}).short("cj").cats(all...).status(),
		// autoscaling
		hpaV2, hpaV1,
		// networking.k8s.io/v1
		res[networkingv1.Ingress, *networkingv1.Ingress, networkingv1.IngressList, *networkingv1.IngressList]("networking.k8s.io", "v1", "ingresses", "Ingress", true, ingressStrategy{}).short("ing").status(),
		res[networkingv1.IngressClass, *networkingv1.IngressClass, networkingv1.IngressClassList, *networkingv1.IngressClassList]("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false, ingressClassStrategy{}),
		res[networkingv1.NetworkPolicy, *networkingv1.NetworkPolicy, networkingv1.NetworkPolicyList, *networkingv1.NetworkPolicyList]("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, networkPolicyStrategy{}).short("netpol"),
		// discovery.k8s.io/v1
		res[discoveryv1.EndpointSlice, *discoveryv1.EndpointSlice, discoveryv1.EndpointSliceList, *discoveryv1.EndpointSliceList]("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, endpointSliceStrategy{}),
		// coordination.k8s.io/v1
		res[coordinationv1.Lease, *coordinationv1.Lease, coordinationv1.LeaseList, *coordinationv1.LeaseList]("coordination.k8s.io", "v1", "leases", "Lease", true, leaseStrategy{}),
		// events.k8s.io/v1
		newEvents,
		// rbac.authorization.k8s.io/v1
		res[rbacv1.Role, *rbacv1.Role, rbacv1.RoleList, *rbacv1.RoleList]("rbac.authorization.k8s.io", "v1", "roles", "Role", true, roleStrategy{}).names(pathSegment),
		res[rbacv1.ClusterRole, *rbacv1.ClusterRole, rbacv1.ClusterRoleList, *rbacv1.ClusterRoleList]("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, clusterRoleStrategy{}).names(pathSegment),
		res[rbacv1.RoleBinding, *rbacv1.RoleBinding, rbacv1.RoleBindingList, *rbacv1.RoleBindingList]("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, roleBindingStrategy{}).names(pathSegment),
		res[rbacv1.ClusterRoleBinding, *rbacv1.ClusterRoleBinding, rbacv1.ClusterRoleBindingList, *rbacv1.ClusterRoleBindingList]("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, clusterRoleBindingStrategy{}).names(pathSegment),
		// storage.k8s.io/v1
		res[storagev1.StorageClass, *storagev1.StorageClass, storagev1.StorageClassList, *storagev1.StorageClassList]("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, storageClassStrategy{}).short("sc"),
		// scheduling.k8s.io/v1
		res[schedulingv1.PriorityClass, *schedulingv1.PriorityClass, schedulingv1.PriorityClassList, *schedulingv1.PriorityClassList]("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, priorityClassStrategy{}).short("pc"),
		// policy/v1
		res[policyv1.PodDisruptionBudget, *policyv1.PodDisruptionBudget, policyv1.PodDisruptionBudgetList, *policyv1.PodDisruptionBudgetList]("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, pdbStrategy{}).short("pdb").status(),
		// authorization.k8s.io/v1 and authentication.k8s.io/v1: reviews
		review(res[authorizationv1.SelfSubjectAccessReview, *authorizationv1.SelfSubjectAccessReview, metav1.List, *metav1.List]("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, Base{})),
		review(res[authorizationv1.SelfSubjectRulesReview, *authorizationv1.SelfSubjectRulesReview, metav1.List, *metav1.List]("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false, Base{})),
		review(res[authorizationv1.SubjectAccessReview, *authorizationv1.SubjectAccessReview, metav1.List, *metav1.List]("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false, Base{})),
		review(res[authorizationv1.LocalSubjectAccessReview, *authorizationv1.LocalSubjectAccessReview, metav1.List, *metav1.List]("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", true, Base{})),
		review(res[authenticationv1.SelfSubjectReview, *authenticationv1.SelfSubjectReview, metav1.List, *metav1.List]("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false, Base{})),
	}
}

// review marks a resource that asks a question: a create answers it in the
// returned object's status and stores nothing; no other verb is served.
func review(r *Resource) *Resource {
	r.Review, r.Verbs = true, []string{"create"}
	return r
}

func withReturnDeleted(r *Resource) *Resource   { r.ReturnDeleted = true; return r }
func allowCreateOnUpdate(r *Resource) *Resource { r.AllowCreateOnUpdate = true; return r }

func pathSegment(name string, prefix bool) []string {
	return path.ValidatePathSegmentName(name, prefix)
}
