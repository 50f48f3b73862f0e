package capture

import (
	"fmt"
	"strconv"
)

// Target is one tcpdump: a node and the interface to capture on.
type Target struct {
	// Node is the node name the runner runs tcpdump on.
	Node string
	// Interface is tcpdump's -i on that node; empty means AnyInterface.
	Interface string
	// Label names what the interface belongs to, e.g. "default/curl" for a pod's host peer. It is shown after
	// the interface name in the pcapng interface block and in messages.
	Label string
	// Links is the node's link table (ifindex → name). An `-i any` capture uses it to name the interface of
	// each packet; an index missing from it is named "if<N>".
	Links map[int]string
	// LinkLabels optionally labels interfaces of an `-i any` capture by ifindex, e.g. a pod's host peer with
	// "default/curl".
	LinkLabels map[int]string
}

// IfaceName is the interface tcpdump captures on.
func (t Target) IfaceName() string {
	if t.Interface == "" {
		return AnyInterface
	}
	return t.Interface
}

// String names the target as its interface blocks and messages do: "node1/cali35e3a5cb80b (default/curl)".
func (t Target) String() string { return InterfaceName(t.Node, t.IfaceName(), t.Label) }

// linkName names ifindex on the target's node for a packet of an `-i any` capture.
func (t Target) linkName(ifindex int) (name, label string) {
	name, ok := t.Links[ifindex]
	if !ok || name == "" {
		name = "if" + strconv.Itoa(ifindex)
	}
	return name, t.LinkLabels[ifindex]
}

// InterfaceName is the pcapng if_name of an interface: "node/iface", followed by " (label)" when the
// interface belongs to something with a name, such as a pod.
func InterfaceName(node, iface, label string) string {
	if label == "" {
		return node + "/" + iface
	}
	return fmt.Sprintf("%s/%s (%s)", node, iface, label)
}
