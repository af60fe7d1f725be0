// Package scheduler assigns pending pods to nodes. It reads the cluster
// through informers, keeps a cache of nodes and the pods on them, takes
// pods from a priority queue one at a time, asks the framework (pure
// filter and score plugins over a snapshot) for a node, assumes the pod
// there, and binds it asynchronously through the pods/binding subresource.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"orca/internal/informerset"
	schedcache "orca/internal/scheduler/cache"
	"orca/internal/scheduler/framework"
	"orca/internal/scheduler/queue"
)

// DefaultSchedulerName is the schedulerName pods get by default.
const DefaultSchedulerName = corev1.DefaultSchedulerName

// Scheduler is one scheduler profile bound to a client.
type Scheduler struct {
	Name      string
	client    kubernetes.Interface
	fwk       *framework.Framework
	queue     *queue.Queue
	cache     *schedcache.Cache
	pods      corelisters.PodLister
	pdbs      policylisters.PodDisruptionBudgetLister
	recorder  record.EventRecorder
	synced    []cache.DoneChecker // what Run waits for before scheduling
	handlers  informerset.Handlers
	nextStart int
}

// New wires a scheduler to informers from factory. Call before factory.Start.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, fwk *framework.Framework, recorder record.EventRecorder) (*Scheduler, error) {
	c := clock.RealClock{}
	s := &Scheduler{Name: DefaultSchedulerName, client: client, fwk: fwk, queue: queue.New(c), cache: schedcache.New(c), recorder: recorder}
	podInf := factory.Core().V1().Pods()
	s.pods = podInf.Lister()
	pdbInf := factory.Policy().V1().PodDisruptionBudgets()
	s.pdbs = pdbInf.Lister()
	// Listers read their informer's store directly: its sync is enough.
	s.synced = append(s.synced, pdbInf.Informer().HasSyncedChecker())
	err := errors.Join(
		s.handle(podInf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    func(o any) { s.onPod(nil, o.(*corev1.Pod)) },
			UpdateFunc: func(old, o any) { s.onPod(old.(*corev1.Pod), o.(*corev1.Pod)) },
			DeleteFunc: func(o any) { s.onPodDelete(o) },
		}),
		s.handle(factory.Core().V1().Nodes().Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    func(o any) { s.cache.SetNode(o.(*corev1.Node)); s.queue.ClusterEvent() },
			UpdateFunc: func(_, o any) { s.cache.SetNode(o.(*corev1.Node)); s.queue.ClusterEvent() },
			DeleteFunc: func(o any) {
				if n, ok := unwrap(o).(*corev1.Node); ok {
					s.cache.RemoveNode(n.Name)
				}
			},
		}),
		s.handle(factory.Core().V1().Namespaces().Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    func(o any) { ns := o.(*corev1.Namespace); s.cache.SetNamespaceLabels(ns.Name, ns.Labels) },
			UpdateFunc: func(_, o any) { ns := o.(*corev1.Namespace); s.cache.SetNamespaceLabels(ns.Name, ns.Labels) },
			DeleteFunc: func(o any) {
				if ns, ok := unwrap(o).(*corev1.Namespace); ok {
					s.cache.SetNamespaceLabels(ns.Name, nil)
				}
			},
		}),
	)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// handle registers h and makes Run wait until h has been handed every
// object of the informer's initial list. The informer's own HasSynced is
// not enough: handlers run behind it, so a scheduler started on it alone
// could pop a pending pod before the pods bound ahead of it reach the
// cache, and book their ports, cpu or memory a second time (seen after
// restarts). Upstream's kube-scheduler waits the same way
// (WaitForHandlersSync).
func (s *Scheduler) handle(inf cache.SharedIndexInformer, h cache.ResourceEventHandler) error {
	reg, err := s.handlers.AddNoResync(inf, h)
	if err != nil {
		return fmt.Errorf("scheduler event handler: %w", err)
	}
	s.synced = append(s.synced, reg.HasSyncedChecker())
	return nil
}

// RemoveHandlers removes the scheduler's event handlers from its
// informers (which may be shared and outlive it). Call after Run.
func (s *Scheduler) RemoveHandlers() error { return s.handlers.RemoveAll() }

// AlsoWaitFor makes Run wait for more informers: those behind listers the
// plugins read (claims, storage classes). Call before Run.
func (s *Scheduler) AlsoWaitFor(synced ...cache.DoneChecker) {
	s.synced = append(s.synced, synced...)
}

func unwrap(o any) any {
	if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return o
}

// pending reports whether this scheduler should place the pod.
func (s *Scheduler) pending(p *corev1.Pod) bool {
	return p.Spec.NodeName == "" && p.Spec.SchedulerName == s.Name && p.DeletionTimestamp == nil &&
		p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func (s *Scheduler) onPod(old, p *corev1.Pod) {
	switch {
	case p.Spec.NodeName != "":
		if old != nil && old.Spec.NodeName == "" {
			s.queue.Delete(p) // bound (by us, or by someone else)
		}
		if terminal(p) {
			s.cache.RemovePod(p) // finished pods free their resources
			s.queue.ClusterEvent()
			return
		}
		s.cache.AddPod(p)
	case s.pending(p):
		if old == nil {
			s.queue.Add(p)
		} else {
			s.queue.Update(p)
		}
	default:
		s.queue.Delete(p)
	}
}

func (s *Scheduler) onPodDelete(o any) {
	p, ok := unwrap(o).(*corev1.Pod)
	if !ok {
		return
	}
	if p.Spec.NodeName != "" {
		s.cache.RemovePod(p)
		s.queue.ClusterEvent() // room was made
		return
	}
	s.queue.Delete(p)
}

// Run schedules until ctx ends. The informers must be started. Nothing
// is scheduled before every informer has synced and every handler has
// taken in its initial list: only then does the cache hold every pod
// bound before this scheduler started.
func (s *Scheduler) Run(ctx context.Context) {
	if !cache.WaitFor(ctx, "", s.synced...) {
		return
	}
	go s.queue.Run(ctx.Done())
	for ctx.Err() == nil {
		qp := s.queue.Pop()
		if qp == nil {
			return
		}
		s.scheduleOne(ctx, qp)
	}
}

// scheduleOne runs one scheduling cycle and starts the binding.
func (s *Scheduler) scheduleOne(ctx context.Context, qp *queue.QueuedPod) {
	pod := qp.Pod
	cur, err := s.pods.Pods(pod.Namespace).Get(pod.Name)
	if err != nil || cur.UID != pod.UID || !s.pending(cur) {
		s.queue.Done(qp) // deleted or bound meanwhile
		return
	}
	state := framework.NewCycleState()
	snap := s.cache.Snapshot()
	res, err := framework.Schedule(ctx, s.fwk, state, pod, snap, s.nextStart)
	s.nextStart = res.NextStartIndex
	if err != nil {
		s.failed(ctx, qp, err, s.preempt(ctx, cur, state, snap, err))
		return
	}
	assumed := pod.DeepCopy()
	assumed.Spec.NodeName = res.SuggestedHost
	if err := s.cache.AssumePod(assumed); err != nil {
		s.queue.Retry(qp)
		return
	}
	s.queue.Done(qp)
	go s.bind(ctx, qp, assumed)
}

// bind writes the decision; on failure the pod is forgotten and retried.
func (s *Scheduler) bind(ctx context.Context, qp *queue.QueuedPod, assumed *corev1.Pod) {
	b := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: assumed.Namespace, Name: assumed.Name, UID: assumed.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: assumed.Spec.NodeName},
	}
	err := s.client.CoreV1().Pods(assumed.Namespace).Bind(ctx, b, metav1.CreateOptions{})
	s.cache.FinishBinding(assumed)
	if err != nil {
		s.cache.ForgetPod(assumed)
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			slog.Debug("binding dropped", "pod", assumed.Namespace+"/"+assumed.Name, "err", err)
			s.queue.Done(qp)
			return
		}
		s.recorder.Eventf(qp.Pod, corev1.EventTypeWarning, "FailedScheduling", "Binding rejected: %v", err)
		s.queue.Retry(qp)
		return
	}
	s.recorder.Eventf(qp.Pod, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", assumed.Namespace, assumed.Name, assumed.Spec.NodeName)
}

// failed records why a pod could not be placed and parks it.
func (s *Scheduler) failed(ctx context.Context, qp *queue.QueuedPod, err error, pre preemptResult) {
	var fit *framework.FitError
	msg := err.Error()
	if errors.Is(err, framework.ErrNoNodesAvailable) {
		msg = "0/0 nodes are available: no nodes available to schedule pods."
	}
	if pre.message != "" {
		msg += " " + pre.message
	}
	s.recorder.Event(qp.Pod, corev1.EventTypeWarning, "FailedScheduling", msg)
	if err := s.setUnschedulable(ctx, qp.Pod, msg, pre); err != nil {
		slog.Debug("pod condition", "pod", qp.Pod.Namespace+"/"+qp.Pod.Name, "err", err)
	}
	if errors.As(err, &fit) || errors.Is(err, framework.ErrNoNodesAvailable) {
		s.queue.Unschedulable(qp)
		return
	}
	s.queue.Retry(qp)
}

// setUnschedulable sets PodScheduled=False with reason Unschedulable.
func (s *Scheduler) setUnschedulable(ctx context.Context, pod *corev1.Pod, msg string, pre preemptResult) error {
	cur, err := s.pods.Pods(pod.Namespace).Get(pod.Name)
	if err != nil {
		return err
	}
	nominated := cur.Status.NominatedNodeName
	switch {
	case pre.nominate != "":
		nominated = pre.nominate
	case pre.clearNomination:
		nominated = ""
	}
	for _, c := range cur.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable && c.Message == msg && nominated == cur.Status.NominatedNodeName {
			return nil
		}
	}
	upd := cur.DeepCopy()
	upd.Status.NominatedNodeName = nominated
	cond := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
		Message: msg, LastTransitionTime: metav1.NewTime(time.Now())}
	replaced := false
	for i := range upd.Status.Conditions {
		if upd.Status.Conditions[i].Type == corev1.PodScheduled {
			upd.Status.Conditions[i], replaced = cond, true
		}
	}
	if !replaced {
		upd.Status.Conditions = append(upd.Status.Conditions, cond)
	}
	_, err = s.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	return nil
}
