package redact

// MaskSteps is Mask, and how many steps (units decoded or compared) it took.
func MaskSteps(text string, secrets, public []string, mask string) (string, bool, int) {
	return New(secrets, public, mask).counted(text)
}
