package pod

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/packetwalk/kubectl-packetwalk/pkg/cmd/cmdshared"
)

// completeServices completes svc/NAME with the Services of the namespace in use.
func completeServices(cmd *cobra.Command, clients cmdshared.ClientFunc, prefix string) ([]string, cobra.ShellCompDirective) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	client, ns, err := clients()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	list, err := client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, s := range list.Items {
		if strings.HasPrefix(s.Name, prefix) {
			out = append(out, "svc/"+s.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
