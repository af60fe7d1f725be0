package framework

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// RunPreFilterPlugins runs every PreFilter in order. It stops at the first
// rejection; Skip marks the plugin's Filter as not needed this cycle;
// PreFilterResults are intersected, and an empty intersection rejects the
// pod naming the plugins that narrowed it.
func (f *Framework) RunPreFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, snap *Snapshot) (*PreFilterResult, *Status) {
	var result *PreFilterResult
	var narrowing []string
	for _, pl := range f.preFilter {
		r, st := pl.PreFilter(ctx, state, pod, snap)
		if st.IsSkip() {
			state.skipFilter[pl.Name()] = true
			continue
		}
		if !st.IsSuccess() {
			return nil, st.WithPlugin(pl.Name())
		}
		if !r.AllNodes() {
			narrowing = append(narrowing, pl.Name())
		}
		result = result.Merge(r)
		if !result.AllNodes() && result.NodeNames.Len() == 0 {
			msg := fmt.Sprintf("node(s) didn't satisfy plugin(s) %v simultaneously", narrowing)
			if len(narrowing) == 1 {
				msg = fmt.Sprintf("node(s) didn't satisfy plugin %v", narrowing[0])
			}
			return result, NewStatus(UnschedulableAndUnresolvable, msg).WithPlugin(pl.Name())
		}
	}
	if len(narrowing) > 0 {
		// Remember who narrowed, for the absent-nodes reason.
		state.Write(narrowedByKey, narrowedBy(narrowing))
	}
	return result, nil
}

const narrowedByKey = "framework/PreFilterNarrowedBy"

type narrowedBy []string

func (n narrowedBy) Clone() StateData { return n }

// RunFilterPlugins runs the filters on one node and returns the first
// non-success status, tagged with the failing plugin.
func (f *Framework) RunFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node *NodeInfo) *Status {
	return runFilters(ctx, f.activeFilters(state), state, pod, node)
}

// activeFilters drops plugins whose PreFilter returned Skip; computed once
// per cycle so the per-node loop does no map lookups.
func (f *Framework) activeFilters(state *CycleState) []FilterPlugin {
	out := make([]FilterPlugin, 0, len(f.filter))
	for _, pl := range f.filter {
		if !state.skipFilter[pl.Name()] {
			out = append(out, pl)
		}
	}
	return out
}

func runFilters(ctx context.Context, filters []FilterPlugin, state *CycleState, pod *v1.Pod, node *NodeInfo) *Status {
	for _, pl := range filters {
		if st := pl.Filter(ctx, state, pod, node); !st.IsSuccess() {
			return st.WithPlugin(pl.Name())
		}
	}
	return nil
}

// preFilterNodes applies a narrowing result, keeping snapshot order so that
// the outcome does not depend on map iteration.
func preFilterNodes(snap *Snapshot, r *PreFilterResult, state *CycleState, d *Diagnosis) []*NodeInfo {
	all := snap.List()
	if r.AllNodes() {
		return all
	}
	out := make([]*NodeInfo, 0, r.NodeNames.Len())
	for _, ni := range all {
		if r.NodeNames.Has(ni.NodeName()) {
			out = append(out, ni)
		}
	}
	var names []string
	if v, err := state.Read(narrowedByKey); err == nil {
		names = v.(narrowedBy)
	}
	d.AbsentNodesStatus = NewStatus(UnschedulableAndUnresolvable,
		fmt.Sprintf("node(s) didn't satisfy plugin(s) %v", sets.List(sets.New(names...))))
	return out
}
