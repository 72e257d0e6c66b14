// Package kube is a build-only wrapper module: its go.mod pins kube-apiserver (k8s.io/kubernetes) and
// etcd (go.etcd.io/etcd/server/v3) as tools, so tools/kube/build.sh can compile both with the machine's Go
// from the Go module proxy. Nothing here is imported by the TypeScript packages.
package kube
