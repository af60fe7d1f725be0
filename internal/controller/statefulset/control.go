package statefulset

import (
	"context"
	"fmt"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// The thin acting layer: carries out a plan's steps through the API and
// records upstream's events ("create Pod web-0 in StatefulSet web
// successful", "create Claim data-web-0 Pod web-0 in StatefulSet web
// success", ...).

// maxBatch caps the API calls of one Parallel batch (upstream's 500).
const maxBatch = 500

// execute runs the phases in order; an error ends the run.
func (c *Controller) execute(ctx context.Context, set *appsv1.StatefulSet, pl plan) error {
	for _, ph := range pl.phases {
		if err := c.runPhase(ctx, set, ph.steps, pl.monotonic); err != nil {
			return err
		}
	}
	return nil
}

// runPhase: OrderedReady one step after the other, stopping at the first
// error; Parallel in slow-start batches (1, 2, 4, ...) as upstream.
func (c *Controller) runPhase(ctx context.Context, set *appsv1.StatefulSet, steps []step, monotonic bool) error {
	if monotonic {
		for _, s := range steps {
			if err := c.do(ctx, set, s); err != nil {
				return err
			}
		}
		return nil
	}
	done := 0
	for size := 1; done < len(steps); size = min(2*size, maxBatch) {
		n := min(size, len(steps)-done)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			s := steps[done+i]
			wg.Go(func() { errs[i] = c.do(ctx, set, s) })
		}
		wg.Wait()
		done += n
		if err := utilerrors.NewAggregate(errs); err != nil {
			return err
		}
	}
	return nil
}

func (c *Controller) do(ctx context.Context, set *appsv1.StatefulSet, s step) error {
	switch s.kind {
	case createPod:
		return c.createStatefulPod(ctx, set, s.pod)
	case deletePod:
		return c.deleteStatefulPod(ctx, set, s.pod)
	case ensureClaims:
		if err := c.createClaims(ctx, set, s.pod); err != nil {
			return err
		}
		return c.fixClaimOwners(ctx, set, s.pod)
	case updatePod:
		return c.updateStatefulPod(ctx, set, s.pod)
	case fixClaims:
		return c.fixClaimOwners(ctx, set, s.pod)
	}
	return fmt.Errorf("unknown step %v", s.kind)
}

// createStatefulPod creates the pod's claims, then the pod.
func (c *Controller) createStatefulPod(ctx context.Context, set *appsv1.StatefulSet, p *v1.Pod) error {
	if err := c.createClaims(ctx, set, p); err != nil {
		c.podEvent("create", set, p, err)
		return err
	}
	created, err := c.client.CoreV1().Pods(set.Namespace).Create(ctx, p, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// The cache lags: the next run sees it.
		return err
	}
	if err == nil {
		if err = c.fixClaimOwners(ctx, set, created); err != nil {
			c.podEvent("update", set, created, err)
			return err
		}
	}
	c.podEvent("create", set, p, err)
	return err
}

// deleteStatefulPod deletes the pod it saw (UID precondition: never a newer pod
// of the same name).
func (c *Controller) deleteStatefulPod(ctx context.Context, set *appsv1.StatefulSet, p *v1.Pod) error {
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // already gone
	}
	c.podEvent("delete", set, p, err)
	return err
}

// updateStatefulPod restores the pod's identity labels, its claim volumes and
// its claims' owners.
func (c *Controller) updateStatefulPod(ctx context.Context, set *appsv1.StatefulSet, cached *v1.Pod) error {
	api := c.client.CoreV1().Pods(cached.Namespace)
	p := cached.DeepCopy()
	attempted := false
	var err error
	for i := 0; i < 5; i++ {
		dirty := false
		if !identityMatches(set, p) {
			updateIdentity(set, p)
			dirty = true
		}
		if !storageMatches(set, p) {
			updateStorage(set, p)
			dirty = true
			if err = c.createClaims(ctx, set, p); err != nil {
				c.podEvent("update", set, p, err)
				return err
			}
		}
		if err = c.fixClaimOwners(ctx, set, p); err != nil {
			c.podEvent("update", set, p, err)
			return err
		}
		if !dirty {
			break
		}
		attempted = true
		if _, err = api.Update(ctx, p, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
			break
		}
		fresh, gerr := api.Get(ctx, p.Name, metav1.GetOptions{})
		if gerr != nil {
			err = gerr
			break
		}
		p = fresh
	}
	if attempted {
		c.podEvent("update", set, p, err)
	}
	return err
}

// createClaims creates the pod's missing claims; a claim being deleted
// is an error (the pod must wait for it to go).
func (c *Controller) createClaims(ctx context.Context, set *appsv1.StatefulSet, p *v1.Pod) error {
	var errs []error
	for _, want := range claimsFor(set, p) {
		existing, err := c.claims.PersistentVolumeClaims(want.Namespace).Get(want.Name)
		switch {
		case apierrors.IsNotFound(err):
			fixClaimOwners(want, set, p)
			_, err := c.client.CoreV1().PersistentVolumeClaims(want.Namespace).Create(ctx, want, metav1.CreateOptions{})
			if err != nil && !apierrors.IsAlreadyExists(err) {
				errs = append(errs, fmt.Errorf("failed to create PVC %s: %w", want.Name, err))
			}
			if err == nil || !apierrors.IsAlreadyExists(err) {
				c.claimEvent("create", set, p, want, err)
			}
		case err != nil:
			errs = append(errs, fmt.Errorf("failed to retrieve PVC %s: %w", want.Name, err))
			c.claimEvent("create", set, p, want, err)
		case existing.DeletionTimestamp != nil:
			errs = append(errs, fmt.Errorf("pvc %s is being deleted", want.Name))
		}
	}
	return utilerrors.NewAggregate(errs)
}

// fixClaimOwners makes the owners of the pod's existing claims follow the
// retention policy.
func (c *Controller) fixClaimOwners(ctx context.Context, set *appsv1.StatefulSet, p *v1.Pod) error {
	for _, want := range claimsFor(set, p) {
		existing, err := c.claims.PersistentVolumeClaims(want.Namespace).Get(want.Name)
		if apierrors.IsNotFound(err) {
			continue // created later
		}
		if err != nil {
			return err
		}
		if claimOwnersOK(existing, set, p) {
			continue
		}
		pvc := existing.DeepCopy()
		if !fixClaimOwners(pvc, set, p) {
			continue
		}
		if _, err := c.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).Update(ctx, pvc, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("could not update claim %s for delete policy ownerRefs: %w", pvc.Name, err)
		}
	}
	return nil
}

// podEvent is upstream's recordPodEvent.
func (c *Controller) podEvent(verb string, set *appsv1.StatefulSet, p *v1.Pod, err error) {
	title := strings.ToUpper(verb[:1]) + verb[1:]
	if err == nil {
		c.recorder.Event(set, v1.EventTypeNormal, "Successful"+title,
			fmt.Sprintf("%s Pod %s in StatefulSet %s successful", verb, p.Name, set.Name))
		return
	}
	c.recorder.Event(set, v1.EventTypeWarning, "Failed"+title,
		fmt.Sprintf("%s Pod %s in StatefulSet %s failed error: %s", verb, p.Name, set.Name, err))
}

// claimEvent is upstream's recordClaimEvent.
func (c *Controller) claimEvent(verb string, set *appsv1.StatefulSet, p *v1.Pod, claim *v1.PersistentVolumeClaim, err error) {
	title := strings.ToUpper(verb[:1]) + verb[1:]
	if err == nil {
		c.recorder.Event(set, v1.EventTypeNormal, "Successful"+title,
			fmt.Sprintf("%s Claim %s Pod %s in StatefulSet %s success", verb, claim.Name, p.Name, set.Name))
		return
	}
	c.recorder.Event(set, v1.EventTypeWarning, "Failed"+title,
		fmt.Sprintf("%s Claim %s for Pod %s in StatefulSet %s failed error: %s", verb, claim.Name, p.Name, set.Name, err))
}
