package registry

type ingressStrategy struct{ Base }
type networkPolicyStrategy struct{ Base }
type endpointSliceStrategy struct{ Base }
