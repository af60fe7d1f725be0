package storage

import "strings"

// Root is the prefix of every key orca writes.
const Root = "/registry/"

// ResourcePrefix is the key prefix of one resource:
// /registry/<group>/<resource>/, with "core" for the legacy group.
func ResourcePrefix(group, resource string) string {
	if group == "" {
		group = "core"
	}
	return Root + group + "/" + resource + "/"
}

// Key is the key of one object under a resource prefix.
func Key(prefix, namespace, name string) string {
	if namespace == "" {
		return prefix + name
	}
	return prefix + namespace + "/" + name
}

// NamespacePrefix is the prefix of a namespace's objects; "" is every namespace.
func NamespacePrefix(prefix, namespace string) string {
	if namespace == "" {
		return prefix
	}
	return prefix + namespace + "/"
}

// prefixEnd is the first key after every key starting with p.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return "\x00"
}

func hasPrefix(key, p string) bool { return strings.HasPrefix(key, p) }
