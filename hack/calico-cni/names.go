package main

import (
	"crypto/sha1"
	"encoding/hex"
)

// hostVethName is the name Calico gives a pod's host-side veth: "cali" and the first 11 hex digits of
// sha1("<namespace>.<pod>"), so the name fits IFNAMSIZ and is the same every time the pod is recreated.
func hostVethName(namespace, pod string) string {
	sum := sha1.Sum([]byte(namespace + "." + pod))
	return "cali" + hex.EncodeToString(sum[:])[:11]
}

// Calico's fixed addresses: every host-side veth has the same MAC, and every pod's gateway is a link-local
// address no host owns, answered by proxy ARP on the veth.
const (
	hostVethMAC = "ee:ee:ee:ee:ee:ee"
	podGateway  = "169.254.1.1"
)
