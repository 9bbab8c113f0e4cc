package apitest

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds a request body (the API's requests are a few hundred bytes).
const maxBody = 1 << 20

// parseForm is url.ParseQuery, except that a raw ";" is part of a value (the API's lists are
// separated by ";", and a client such as curl may send them unescaped), not an error.
func parseForm(q string) (url.Values, error) {
	return url.ParseQuery(strings.ReplaceAll(q, ";", "%3B"))
}

// gatherParams collects every parameter of r, from the query string and from an
// application/x-www-form-urlencoded or multipart/form-data body, keeping every occurrence (so
// that one given twice, anywhere, can be refused).
func gatherParams(r *http.Request) (url.Values, error) {
	vals, err := parseForm(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("the query string is malformed: %w", err)
	}
	body := http.MaxBytesReader(nil, r.Body, maxBody)
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		n, err := body.Read(make([]byte, 1))
		if n > 0 {
			return nil, errors.New("a request body needs a Content-Type: application/x-www-form-urlencoded or multipart/form-data")
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
		return vals, nil
	}
	mediaType, mparams, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("Content-Type %q: %w", ct, err)
	}
	add := func(name, value string) { vals[name] = append(vals[name], value) }
	switch mediaType {
	case "application/x-www-form-urlencoded":
		data, err := io.ReadAll(body)
		if err != nil {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
		form, err := parseForm(string(data))
		if err != nil {
			return nil, fmt.Errorf("the form body is malformed: %w", err)
		}
		for name, vs := range form {
			for _, v := range vs {
				add(name, v)
			}
		}
	case "multipart/form-data":
		boundary := mparams["boundary"]
		if boundary == "" {
			return nil, errors.New("multipart/form-data without a boundary")
		}
		mr := multipart.NewReader(body, boundary)
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("the multipart body is malformed: %w", err)
			}
			name := part.FormName()
			if name == "" {
				part.Close()
				return nil, errors.New("a multipart part has no form-data name")
			}
			data, err := io.ReadAll(part)
			part.Close()
			if err != nil {
				return nil, fmt.Errorf("reading multipart part %q: %w", name, err)
			}
			add(name, string(data))
		}
	default:
		data, err := io.ReadAll(io.LimitReader(body, 1))
		if err != nil {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
		if len(data) > 0 {
			return nil, fmt.Errorf("unsupported Content-Type %q: send parameters in the query string, "+
				"application/x-www-form-urlencoded or multipart/form-data", mediaType)
		}
	}
	return vals, nil
}

// normalizeAuthorization returns the Authorization header with the scheme spelled "Bearer"
// (RFC 9110: the scheme name is case-insensitive), or the header unchanged.
func normalizeAuthorization(h string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return "Bearer " + strings.TrimSpace(token)
	}
	return h
}
