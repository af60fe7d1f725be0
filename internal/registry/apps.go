package registry

// Strategies of the apps/v1 resources.

type deploymentStrategy struct{ Base }
type replicaSetStrategy struct{ Base }
type daemonSetStrategy struct{ Base }
type statefulSetStrategy struct{ Base }
