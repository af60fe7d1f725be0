package registry

// Conversions between the versions that share one store: autoscaling/v1
// HPAs over autoscaling/v2 storage (convert_hpa.go) and events.k8s.io/v1
// Events over core/v1 storage (convert_event.go).

var (
	hpaV1ToV2     = convertHPAV1ToV2
	hpaV2ToV1     = convertHPAV2ToV1
	eventV1ToCore = convertEventV1ToCore
	coreEventToV1 = convertCoreEventToV1
)
