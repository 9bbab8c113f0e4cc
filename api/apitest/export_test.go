package apitest

// SetServeOnShutdown makes Serve call f once its graceful shutdown has begun, and returns a
// function that undoes it.
func SetServeOnShutdown(f func()) (undo func()) {
	old := serveOnShutdown
	serveOnShutdown = f
	return func() { serveOnShutdown = old }
}
