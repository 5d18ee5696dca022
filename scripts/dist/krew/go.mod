// Pins the krew that scripts/dist/krew.ts builds (kubectl-krew, validate-krew-manifest) to prove the archives and manifests.
module kubectl-inject/dist-krew

go 1.22

require sigs.k8s.io/krew v0.4.3
