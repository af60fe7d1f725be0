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

// serveEviction deletes a pod unless a PodDisruptionBudget forbids it.
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
	podObj, err := sv.rest.Get(r.Context(), ns, info.Name, metav1.GetOptions{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pod := podObj.(*corev1.Pod)
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
	if err := s.checkDisruptionBudgets(r.Context(), pod, slices.Contains(opts.DryRun, metav1.DryRunAll)); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, _, err := sv.rest.Delete(r.Context(), ns, info.Name, opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusCreated, &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}, nil)
}

// checkDisruptionBudgets refuses an eviction a matching PDB has no room
// for, and otherwise uses up one of its allowed disruptions (recording the
// pod in disruptedPods until the disruption controller sees it go), as
// upstream does. Terminal, pending and deleting pods may always go.
func (s *Server) checkDisruptionBudgets(ctx context.Context, pod *corev1.Pod, dryRun bool) error {
	switch {
	case pod.Status.Phase == corev1.PodSucceeded, pod.Status.Phase == corev1.PodFailed,
		pod.Status.Phase == corev1.PodPending, pod.DeletionTimestamp != nil:
		return nil
	}
	pdbs := s.resources[gvrKey{"policy", "v1", "poddisruptionbudgets"}]
	if pdbs == nil {
		return nil
	}
	list, err := pdbs.rest.List(ctx, pod.Namespace, storage.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return err
	}
	for _, pdb := range list.(*policyv1.PodDisruptionBudgetList).Items {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		if err := checkBudget(&pdb); err != nil || dryRun {
			return err
		}
		// Take the disruption on the current state, not the cached one.
		_, _, err = pdbs.rest.Update(ctx, pdb.Namespace, pdb.Name, "status", func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
			p := cur.(*policyv1.PodDisruptionBudget)
			if err := checkBudget(p); err != nil {
				return nil, err
			}
			p.Status.DisruptionsAllowed--
			if p.Status.DisruptedPods == nil {
				p.Status.DisruptedPods = map[string]metav1.Time{}
			}
			p.Status.DisruptedPods[pod.Name] = metav1.Now()
			return p, nil
		}, registry.WriteOptions{FieldManager: "orca-apiserver"})
		if err != nil {
			return err
		}
	}
	return nil
}

// checkBudget is the 429 for a budget with no disruption left (or one its
// controller has not looked at since it last changed).
func checkBudget(pdb *policyv1.PodDisruptionBudget) error {
	var msg string
	switch {
	case pdb.Status.ObservedGeneration < pdb.Generation:
		msg = "observedGeneration less than generation"
	case pdb.Status.DisruptionsAllowed <= 0:
		msg = fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", pdb.Name, pdb.Status.DesiredHealthy, pdb.Status.CurrentHealthy)
	default:
		return nil
	}
	err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{Type: "DisruptionBudget", Message: msg})
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
