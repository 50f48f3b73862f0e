package cmdshared

import (
	"errors"
	"net/url"
	"strings"

	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// hinted is an error whose text carries kubectl's words for a connection failure.
type hinted struct {
	err error
	msg string
}

func (h *hinted) Error() string { return h.msg }
func (h *hinted) Unwrap() error { return h.err }

// ConnectionHint keeps kubectl's advice for a server that cannot be reached ("did you specify the right
// host or port?"), which kubectl's CheckErr gives only for a *url.Error that is not wrapped: the
// connection error inside err is said in kubectl's words, the context around it is kept.
func ConnectionHint(err error) error {
	var ue *url.Error
	if err == nil || !errors.As(err, &ue) || err == error(ue) {
		return err
	}
	std, ok := cmdutil.StandardErrorMessage(ue)
	if !ok {
		return err
	}
	msg := err.Error()
	if strings.Contains(msg, ue.Error()) {
		msg = strings.Replace(msg, ue.Error(), std, 1)
	} else {
		msg += ": " + std
	}
	return &hinted{err: err, msg: msg}
}
