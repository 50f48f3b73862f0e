package walk

import "github.com/packetwalk/kubectl-packetwalk/pkg/podnet"

// nsenter runs argv in the network namespace of process pid, as every pod-side command of the walk does.
func nsenter(pid int, argv []string) []string { return podnet.NsenterArgv(pid, argv) }
