// Command krewcheck validates the krew plugin manifest template: it renders it the way krew-release-bot
// does (TagName, addURIAndSha) and checks the plugin's structure and that its platforms are exactly the
// ones hack/dist.sh builds, with matching archive names and binaries.
//
//	usage: go run ./hack/krewcheck krew-manifest/packetwalk.yaml hack/dist.sh
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: krewcheck MANIFEST_TEMPLATE DIST_SCRIPT")
		os.Exit(2)
	}
	problems, err := check(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "krewcheck:", err)
		os.Exit(1)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "krewcheck:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Println("krew manifest OK: every platform dist builds is in it, and nothing else")
}
