package main

import (
	"flag"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
)

// addKlogFlags gives the plugin kubectl's -v: client-go logs through klog, and its messages (such as the
// WebSocket executor's notes on late stream frames) belong on stderr only when asked for.
func addKlogFlags(root *cobra.Command) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("alsologtostderr", "false")
	_ = fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard) // without it, klog would write log files to the temporary directory
	root.PersistentFlags().AddGoFlag(fs.Lookup("v"))
	root.PersistentFlags().Lookup("v").Shorthand = "v"
	root.PersistentFlags().Lookup("v").Usage = "Log level of the Kubernetes client (e.g. -v 6 shows API requests)"
	cobra.OnInitialize(func() {
		if v := fs.Lookup("v").Value.String(); v != "0" {
			_ = fs.Set("logtostderr", "true")
		}
	})
}
