package plugins

import (
	fw "orca/internal/scheduler/framework"
)

// DefaultPlugins is upstream's default profile as data: plugins in
// upstream's order (cheap, decisive filters first, so most nodes are
// rejected before the costly ones run) with their score weights. Plugins
// that do not score carry weight 0. volumes may be nil, which disables
// VolumeBinding (pods with claims are then not checked).
func DefaultPlugins(volumes VolumeLister) []fw.PluginWeight {
	return []fw.PluginWeight{
		{Plugin: NodeUnschedulable{}},
		{Plugin: NodeName{}},
		{Plugin: TaintToleration{}, Weight: 3},
		{Plugin: NodeAffinity{}, Weight: 2},
		{Plugin: NodePorts{}},
		{Plugin: NodeResourcesFit{}, Weight: 1},
		{Plugin: VolumeBinding{Lister: volumes}},
		{Plugin: PodTopologySpread{}, Weight: 2},
		{Plugin: InterPodAffinity{HardPodAffinityWeight: 1}, Weight: 2},
		{Plugin: NodeResourcesBalancedAllocation{}, Weight: 1},
		{Plugin: ImageLocality{}, Weight: 1},
	}
}
