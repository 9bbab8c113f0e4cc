package apitest

// SetServeOnShutdown makes Serve call f once its graceful shutdown has begun, and returns a
// function that undoes it.
func SetServeOnShutdown(f func()) (undo func()) {
	old := serveOnShutdown
	serveOnShutdown = f
	return func() { serveOnShutdown = old }
}

// InvalidCode is the service's code for an invalid value of parameter name, if it has one.
func InvalidCode(name string) (int, bool) {
	code, ok := invalidCodes[name]
	return int(code), ok
}
