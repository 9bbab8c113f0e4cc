package api

import (
	"io"
	"net/http"
)

// Requests of operations that are not idempotent must reach the server at most once per attempt,
// whatever the transport. net/http resends some requests below the client's retry rules:
//
//   - HTTP/2 (h2_bundle.go, shouldRetryRequest): after a stream reset with PROTOCOL_ERROR or
//     REFUSED_STREAM, or a GOAWAY that ends before the stream, it resends a request whose Body
//     is nil or http.NoBody as it is, and one with a GetBody by calling it; up to 7 times.
//   - HTTP/1 (transport.go, shouldRetryRequest): on a reused connection it resends a request of
//     which nothing was written, if its body is empty or rewindable, and, after the server closed
//     the connection, a request that looks idempotent (GET, HEAD, OPTIONS, TRACE, or an
//     Idempotency-Key header) whose body is nil, http.NoBody or rewindable.
//
// A POST without Idempotency-Key is never replayed by HTTP/1 once written, but every request of
// this API has no body, so HTTP/2 replays it. preventReplay gives a request an empty body that
// cannot be rewound (and no GetBody), which net/http never resends once the request was
// written. The server still receives an empty body: over HTTP/2 as an empty DATA frame that
// ends the stream, without content-length; over HTTP/1 as an empty chunked body. The replays
// that are provably safe come back as errors, and the client's own policy retries them (see
// provablyNotActedOn).
func preventReplay(req *http.Request) {
	req.Body = unreplayable{}
	req.GetBody = nil
	req.ContentLength = 0
}

// unreplayable is an empty request body that cannot be rewound.
type unreplayable struct{}

func (unreplayable) Read([]byte) (int, error) { return 0, io.EOF }
func (unreplayable) Close() error             { return nil }
