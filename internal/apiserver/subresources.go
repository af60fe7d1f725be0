package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	pdbhelper "k8s.io/component-helpers/apps/poddisruptionbudget"

	"orca/internal/registry"
	"orca/internal/storage"
)

var scaleResource = &registry.Resource{
	Group: "autoscaling", Version: "v1", Resource: "scale", Kind: "Scale",
	New:      func() runtime.Object { return &autoscalingv1.Scale{} },
	Strategy: registry.Base{},
}

// toScale is the autoscaling/v1 Scale view of a workload.
func toScale(res *registry.Resource, obj runtime.Object) *autoscalingv1.Scale {
	spec, status, sel := res.Scale.Get(obj)
	m := obj.(metav1.Object)
	sc := &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
			ResourceVersion: m.GetResourceVersion(), CreationTimestamp: m.GetCreationTimestamp()},
		Spec:   autoscalingv1.ScaleSpec{Replicas: spec},
		Status: autoscalingv1.ScaleStatus{Replicas: status, Selector: sel},
	}
	sc.SetGroupVersionKind(autoscalingv1.SchemeGroupVersion.WithKind("Scale"))
	return sc
}

func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo, ns string) {
	switch info.Verb {
	case "get":
		obj, err := sv.rest.Get(r.Context(), ns, info.Name, metav1.GetOptions{})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeObject(w, r, http.StatusOK, toScale(sv.res, obj), nil)
	case "update", "patch":
		s.updateScale(w, r, sv, info, ns)
	default:
		s.writeError(w, r, methodNotAllowed(info.Verb, info.Resource+"/scale"))
	}
}

func (s *Server) updateScale(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo, ns string) {
	body, opts, err := readRawWrite(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, _, err := sv.rest.Update(r.Context(), ns, info.Name, "", func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		cur0 := toScale(sv.res, cur)
		var want runtime.Object
		var err error
		if info.Verb == "patch" {
			pt := types.PatchType(contentType(r))
			if pt == types.ApplyYAMLPatchType {
				return nil, unsupportedMediaType(patchTypes)
			}
			want, err = s.applyPatch(w, scaleResource, pt, cur0, body, "Ignore")
		} else {
			want, err = s.decodeBody(w, r, scaleResource, body, contentType(r))
		}
		if err != nil {
			return nil, err
		}
		sc := want.(*autoscalingv1.Scale)
		if sc.ResourceVersion != "" && sc.ResourceVersion != cur0.ResourceVersion {
			return nil, apierrors.NewConflict(sv.res.GR(), info.Name, fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
		}
		if sc.Spec.Replicas < 0 {
			return nil, apierrors.NewInvalid(autoscalingv1.SchemeGroupVersion.WithKind("Scale").GroupKind(), info.Name, []*fieldErr{fieldInvalid("spec.replicas", sc.Spec.Replicas, "must be greater than or equal to 0")})
		}
		sv.res.Scale.Set(cur, sc.Spec.Replicas)
		cur.(metav1.Object).SetResourceVersion("")
		return cur, nil
	}, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, toScale(sv.res, out), nil)
}

var bindingResource = &registry.Resource{
	Version: "v1", Resource: "bindings", Kind: "Binding",
	New: func() runtime.Object { return &corev1.Binding{} }, Strategy: registry.Base{},
}

// serveBinding assigns a pending pod to a node (the scheduler's write).
func (s *Server) serveBinding(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo, ns string) {
	if info.Resource != "pods" || info.Verb != "create" {
		s.writeError(w, r, notFound())
		return
	}
	obj, opts, err := s.readWrite(w, r, bindingResource)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b := obj.(*corev1.Binding)
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		s.writeError(w, r, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), b.Name, []*fieldErr{fieldInvalid("target.kind", b.Target.Kind, "must be empty or 'Node'")}))
		return
	}
	if b.Target.Name == "" {
		s.writeError(w, r, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), b.Name, []*fieldErr{fieldRequired("target.name")}))
		return
	}
	// Subresource "binding" writes spec.nodeName and status together.
	_, _, err = sv.rest.Update(r.Context(), ns, info.Name, "binding", func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		pod := cur.(*corev1.Pod)
		if pod.DeletionTimestamp != nil {
			return nil, apierrors.NewConflict(sv.res.GR(), pod.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name))
		}
		if pod.Spec.NodeName != "" {
			return nil, apierrors.NewConflict(sv.res.GR(), pod.Name, fmt.Errorf("pod %v is already assigned to node %q", pod.Name, pod.Spec.NodeName))
		}
		if b.UID != "" && b.UID != pod.UID {
			return nil, apierrors.NewConflict(sv.res.GR(), pod.Name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", b.UID, pod.UID))
		}
		pod.Spec.NodeName = b.Target.Name
		for k, v := range b.Annotations {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		setPodCondition(pod, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()})
		pod.ResourceVersion = ""
		return pod, nil
	}, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusCreated, &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}, nil)
}

func setPodCondition(pod *corev1.Pod, c corev1.PodCondition) {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == c.Type {
			pod.Status.Conditions[i] = c
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, c)
}

var evictionResource = &registry.Resource{
	Group: "policy", Version: "v1", Resource: "evictions", Kind: "Eviction",
	New: func() runtime.Object { return &policyv1.Eviction{} }, Strategy: registry.Base{},
}

// serveEviction deletes a pod unless a PodDisruptionBudget forbids it, as
// upstream's eviction REST: pods that are terminal, pending or already
// deleting go at once; otherwise the one budget selecting the pod must
// allow a disruption, which is taken (disruptionsAllowed decremented, the
// pod recorded in disruptedPods) before the pod is marked
// DisruptionTarget=True and deleted.
func (s *Server) serveEviction(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo, ns string) {
	if info.Resource != "pods" || info.Verb != "create" {
		s.writeError(w, r, notFound())
		return
	}
	obj, err := s.readObject(w, r, evictionResource)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ev := obj.(*policyv1.Eviction)
	if ev.Name != info.Name {
		s.writeError(w, r, apierrors.NewBadRequest("name in URL does not match name in Eviction object"))
		return
	}
	opts := metav1.DeleteOptions{}
	if ev.DeleteOptions != nil {
		opts = *ev.DeleteOptions
	}
	dry, err := dryRun(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if dry {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if err := s.evict(r.Context(), sv, ns, info.Name, opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusCreated, &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}, nil)
}

// evict is the eviction of one pod (see serveEviction).
func (s *Server) evict(ctx context.Context, sv *served, ns, name string, opts metav1.DeleteOptions) error {
	dry := slices.Contains(opts.DryRun, metav1.DryRunAll)
	callerRV := opts.Preconditions != nil && opts.Preconditions.ResourceVersion != nil
	var pod *corev1.Pod
	// Pods a budget does not protect go at once; a conflict (the pod changed
	// under the resourceVersion precondition) is retried on a fresh copy.
	for attempt := 0; ; attempt++ {
		obj, err := sv.rest.Get(ctx, ns, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		pod = obj.(*corev1.Pod)
		if !canIgnoreBudgets(pod) {
			break
		}
		do := opts
		if !callerRV && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed && pod.DeletionTimestamp == nil {
			do = withResourceVersion(opts, pod.ResourceVersion) // don't race the pod becoming Ready
		}
		err = s.markAndDelete(ctx, sv, ns, name, do, dry)
		if err == nil || !apierrors.IsConflict(err) || callerRV || attempt == 20 {
			return err
		}
	}
	pdb, err := s.podBudget(ctx, pod)
	if err != nil || pdb == nil {
		if err == nil {
			err = s.markAndDelete(ctx, sv, ns, name, opts, dry)
		}
		return err
	}
	// An unready pod does not count as healthy: evicting it takes no
	// disruption if the policy says so, or if the budget is met anyway;
	// the resourceVersion precondition makes sure it is still unready.
	if !podIsReady(pod) && (alwaysAllowUnhealthy(pdb) || (pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0)) {
		do := opts
		if !callerRV {
			do = withResourceVersion(opts, pod.ResourceVersion)
		}
		err := s.markAndDelete(ctx, sv, ns, name, do, dry)
		if apierrors.IsConflict(err) && !callerRV {
			return budgetBusy(pdb.Name)
		}
		return err
	}
	if err := s.takeDisruption(ctx, pdb, pod.Name, dry); err != nil {
		return err
	}
	return s.markAndDelete(ctx, sv, ns, name, opts, dry)
}

// canIgnoreBudgets: the pod no longer counts (terminal), never counted
// (pending) or is already going.
func canIgnoreBudgets(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed, corev1.PodPending:
		return true
	}
	return pod.DeletionTimestamp != nil
}

func podIsReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func alwaysAllowUnhealthy(pdb *policyv1.PodDisruptionBudget) bool {
	return pdb.Spec.UnhealthyPodEvictionPolicy != nil && *pdb.Spec.UnhealthyPodEvictionPolicy == policyv1.AlwaysAllow
}

func withResourceVersion(opts metav1.DeleteOptions, rv string) metav1.DeleteOptions {
	out := *opts.DeepCopy()
	if out.Preconditions == nil {
		out.Preconditions = &metav1.Preconditions{}
	}
	out.Preconditions.ResourceVersion = &rv
	return out
}

// markAndDelete sets the pod's DisruptionTarget condition (reason
// EvictionByEvictionAPI), honouring the preconditions, then deletes it.
func (s *Server) markAndDelete(ctx context.Context, sv *served, ns, name string, opts metav1.DeleteOptions, dry bool) error {
	if !dry {
		out, _, err := sv.rest.Update(ctx, ns, name, "status", func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
			pod := cur.(*corev1.Pod)
			if p := opts.Preconditions; p != nil {
				if p.UID != nil && *p.UID != pod.UID {
					return nil, apierrors.NewConflict(sv.res.GR(), name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, pod.UID))
				}
				if p.ResourceVersion != nil && *p.ResourceVersion != pod.ResourceVersion {
					return nil, apierrors.NewConflict(sv.res.GR(), name, fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, pod.ResourceVersion))
				}
			}
			setPodCondition(pod, corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting", LastTransitionTime: metav1.Now()})
			return pod, nil
		}, registry.WriteOptions{FieldManager: "orca-apiserver"})
		if err != nil {
			return err
		}
		if opts.Preconditions != nil && opts.Preconditions.ResourceVersion != nil {
			// Our own write moved the pod on.
			opts = withResourceVersion(opts, out.(metav1.Object).GetResourceVersion())
		}
	}
	_, _, err := sv.rest.Delete(ctx, ns, name, opts)
	return err
}

// podBudget is the budget selecting the pod (nil: none). Upstream's
// eviction does not support several: that is a 500. A budget with an empty
// or invalid selector protects nothing here, as upstream.
func (s *Server) podBudget(ctx context.Context, pod *corev1.Pod) (*policyv1.PodDisruptionBudget, error) {
	pdbs := s.resources[gvrKey{"policy", "v1", "poddisruptionbudgets"}]
	if pdbs == nil {
		return nil, nil
	}
	// A consistent read, as upstream's eviction lists budgets: a budget
	// whose status was just written must not be judged by its older
	// version (seen as a spurious 429 right after a status update).
	list, err := pdbs.rest.List(ctx, pod.Namespace, storage.ListOptions{})
	if err != nil {
		return nil, err
	}
	var found []*policyv1.PodDisruptionBudget
	for i := range list.(*policyv1.PodDisruptionBudgetList).Items {
		pdb := &list.(*policyv1.PodDisruptionBudgetList).Items[i]
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		found = append(found, pdb)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	return nil, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusInternalServerError,
		Message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."}}
}

// takeDisruption uses up one of the budget's allowed disruptions and
// records the pod in disruptedPods (until the disruption controller sees it
// go), checking the budget on its current stored state.
func (s *Server) takeDisruption(ctx context.Context, pdb *policyv1.PodDisruptionBudget, podName string, dry bool) error {
	if err := checkBudget(pdb); err != nil || dry {
		return err
	}
	pdbs := s.resources[gvrKey{"policy", "v1", "poddisruptionbudgets"}]
	_, _, err := pdbs.rest.Update(ctx, pdb.Namespace, pdb.Name, "status", func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		p := cur.(*policyv1.PodDisruptionBudget)
		if err := checkBudget(p); err != nil {
			return nil, err
		}
		p.Status.DisruptionsAllowed--
		if p.Status.DisruptionsAllowed == 0 {
			pdbhelper.UpdateDisruptionAllowedCondition(p)
		}
		if p.Status.DisruptedPods == nil {
			p.Status.DisruptedPods = map[string]metav1.Time{}
		}
		p.Status.DisruptedPods[podName] = metav1.Now()
		return p, nil
	}, registry.WriteOptions{FieldManager: "orca-apiserver"})
	return err
}

// maxDisruptedPods is how many evictions the disruption controller may
// lag behind before evictions are refused.
const maxDisruptedPods = 2000

// checkBudget refuses an eviction the budget has no room for: 429 while
// none is allowed or the controller has not yet looked at the budget's
// current spec, 403 for an impossible status.
func checkBudget(pdb *policyv1.PodDisruptionBudget) error {
	switch {
	case pdb.Status.ObservedGeneration < pdb.Generation:
		return budgetBusy(pdb.Name)
	case pdb.Status.DisruptionsAllowed < 0:
		return apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, fmt.Errorf("pdb disruptions allowed is negative"))
	case len(pdb.Status.DisruptedPods) > maxDisruptedPods:
		return apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, fmt.Errorf("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
	case pdb.Status.DisruptionsAllowed == 0:
		err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 0)
		err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Type: policyv1.DisruptionBudgetCause,
			Message: fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", pdb.Name, pdb.Status.DesiredHealthy, pdb.Status.CurrentHealthy)})
		return err
	}
	return nil
}

// budgetBusy is the 429 for a budget its controller has yet to process.
func budgetBusy(name string) error {
	err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Type: policyv1.DisruptionBudgetCause,
		Message: fmt.Sprintf("The disruption budget %s is still being processed by the server.", name)})
	return err
}

// serveFinalize is PUT namespaces/<name>/finalize: the namespace
// controller's way to change spec.finalizers.
func (s *Server) serveFinalize(w http.ResponseWriter, r *http.Request, sv *served, info *RequestInfo) {
	if info.Resource != "namespaces" || info.Verb != "update" {
		s.writeError(w, r, notFound())
		return
	}
	obj, err := s.readObject(w, r, sv.res)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	want := obj.(*corev1.Namespace)
	out, _, err := sv.rest.Update(r.Context(), "", info.Name, "finalize", func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		ns := cur.(*corev1.Namespace)
		ns.Spec.Finalizers = want.Spec.Finalizers
		return ns, nil
	}, registry.WriteOptions{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, out, sv.conv)
}
