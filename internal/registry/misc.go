package registry

type hpaStrategy struct{ Base }
type storageClassStrategy struct{ Base }
type priorityClassStrategy struct{ Base }
type pdbStrategy struct{ Base }
