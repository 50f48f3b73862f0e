package cleanup

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// askOnTerminal asks question when both stdin and stderr are a terminal: a script gets --all's effect
// without a prompt it cannot answer.
func (o *Options) askOnTerminal(question string) (asked, yes bool) {
	in, ok := o.In.(*os.File)
	errOut, ok2 := o.ErrOut.(*os.File)
	if !ok || !ok2 || !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(errOut.Fd())) {
		return false, false
	}
	fmt.Fprint(o.ErrOut, question)
	answer, _ := bufio.NewReader(o.In).ReadString('\n')
	answer = strings.ToLower(strings.TrimSpace(answer))
	return true, answer == "y" || answer == "yes"
}
