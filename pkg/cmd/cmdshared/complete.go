package cmdshared

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// CompletionFunc is cobra's shape for completing arguments.
type CompletionFunc = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// ClientFunc gives a client and the namespace in use; the factory gives the real ones, tests a fake.
type ClientFunc func() (kubernetes.Interface, string, error)

// FactoryClient adapts a kubectl factory to a ClientFunc.
func FactoryClient(f cmdutil.Factory) ClientFunc {
	return func() (kubernetes.Interface, string, error) {
		client, err := f.KubernetesClientSet()
		if err != nil {
			return nil, "", err
		}
		ns, _, err := f.ToRawKubeConfigLoader().Namespace()
		return client, ns, err
	}
}

// CompletePods completes pod names in the namespace in use, for every argument.
func CompletePods(clients ClientFunc) CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return names(cmd.Context(), clients, "pod", toComplete, false), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteNodes completes node names, for every argument.
func CompleteNodes(clients ClientFunc) CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return names(cmd.Context(), clients, "node", toComplete, false), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteNamespaces completes namespace names, for flags such as -n.
func CompleteNamespaces(clients ClientFunc) CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return names(cmd.Context(), clients, "namespace", toComplete, false), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteTargets completes `node/NAME` and `pod/NAME` arguments.
func CompleteTargets(clients ClientFunc) CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		kind, prefix, ok := strings.Cut(toComplete, "/")
		if !ok {
			var out []string
			for _, k := range []string{"node/", "pod/"} {
				if strings.HasPrefix(k, toComplete) {
					out = append(out, k)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		}
		if kind != "node" && kind != "pod" {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return names(cmd.Context(), clients, kind, prefix, true), cobra.ShellCompDirectiveNoFileComp
	}
}

func names(ctx context.Context, clients ClientFunc, kind, prefix string, qualified bool) []string {
	if ctx == nil {
		ctx = context.Background()
	}
	client, ns, err := clients()
	if err != nil {
		return nil
	}
	var all []string
	switch kind {
	case "pod":
		list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil
		}
		for _, p := range list.Items {
			all = append(all, p.Name)
		}
	case "node":
		list, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil
		}
		for _, n := range list.Items {
			all = append(all, n.Name)
		}
	case "namespace":
		list, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil
		}
		for _, n := range list.Items {
			all = append(all, n.Name)
		}
	}
	var out []string
	for _, name := range all {
		if strings.HasPrefix(name, prefix) {
			if qualified {
				name = kind + "/" + name
			}
			out = append(out, name)
		}
	}
	return out
}
