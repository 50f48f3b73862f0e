package capture

import "syscall"

// createNewProcessGroup keeps Ctrl-C in the console from reaching Wireshark.
const createNewProcessGroup = 0x00000200

func ownProcessGroup() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: createNewProcessGroup}
}
