package api

import "github.com/voxsip/voxsip/internal/apihook"

func init() {
	apihook.TrustValidated = func(client any) {
		if c, ok := client.(*Client); ok {
			c.prevalidated = true
		}
	}
}
