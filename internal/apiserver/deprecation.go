package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// deprecated are the served resources whose every request gets a warning,
// with upstream's text (kubectl prints it on stderr).
var deprecated = map[schema.GroupVersionResource]string{
	{Version: "v1", Resource: "endpoints"}: "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
}
