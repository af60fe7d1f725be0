package registry

type jobStrategy struct{ Base }
type cronJobStrategy struct{ Base }
