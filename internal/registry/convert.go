package registry

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
)

// Conversions between the versions that share one store. Filled in per
// resource: autoscaling/v1 <-> v2 HPAs, events.k8s.io/v1 <-> core/v1 Events.

func notConvertible(obj runtime.Object) (runtime.Object, error) {
	return nil, fmt.Errorf("no conversion for %T", obj)
}

var (
	hpaV1ToV2     = notConvertible
	hpaV2ToV1     = notConvertible
	eventV1ToCore = notConvertible
	coreEventToV1 = notConvertible
)
