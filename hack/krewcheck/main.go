// Command krewcheck validates the krew plugin manifest template: it renders it the way krew-release-bot
// does (TagName, addURIAndSha) and checks the plugin's structure and that its platforms are exactly the
// ones hack/dist.sh builds, with matching archive names and binaries. With -version it also checks that
// the version a release would carry (hack/version) is one krew accepts.
//
//	usage: go run ./hack/krewcheck [-version V] krew-manifest/packetwalk.yaml hack/dist.sh
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	releaseVersion := flag.String("version", "", "the release's version, checked against krew's rule")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: krewcheck [-version V] MANIFEST_TEMPLATE DIST_SCRIPT")
		os.Exit(2)
	}
	problems, err := check(flag.Arg(0), flag.Arg(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "krewcheck:", err)
		os.Exit(1)
	}
	if *releaseVersion != "" {
		if err := checkVersion(*releaseVersion); err != nil {
			problems = append(problems, err.Error())
		}
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "krewcheck:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Println("krew manifest OK: every platform dist builds is in it, and nothing else")
}
