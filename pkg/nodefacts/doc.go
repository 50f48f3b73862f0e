// Package nodefacts gathers what a node's network looks like — its links, addresses, routes, neighbours,
// forwarding database, sysctls and kube-proxy mode — and what each pod's network namespace on it holds,
// through a noderun.Runner, in as few node commands as possible (one batch per node per phase).
//
// The facts are typed and free of interpretation: dataplane knowledge lives in plugins/, the path walk and
// the veth/node commands build on these values.
package nodefacts
