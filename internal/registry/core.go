package registry

// Strategies of the core/v1 resources.

type namespaceStrategy struct{ Base }
type podStrategy struct{ Base }
type nodeStrategy struct{ Base }
type serviceStrategy struct{ Base }
type endpointsStrategy struct{ Base }
type configMapStrategy struct{ Base }
type secretStrategy struct{ Base }
type eventStrategy struct{ Base }
type pvStrategy struct{ Base }
type pvcStrategy struct{ Base }
type rcStrategy struct{ Base }
type podTemplateStrategy struct{ Base }
