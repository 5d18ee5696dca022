//go:build tools

// Keeps krew and its manifest validator in the module graph, so `go build sigs.k8s.io/krew/cmd/...` resolves from go.mod.
package tools

import (
	_ "sigs.k8s.io/krew/cmd/krew"
	_ "sigs.k8s.io/krew/cmd/validate-krew-manifest"
)
