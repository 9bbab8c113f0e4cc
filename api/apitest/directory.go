package apitest

import (
	paramcodec "github.com/voxsip/voxsip/internal/params"
)

// entity is an application, rule or user the fake knows (AppID 0 for applications).
type entity struct {
	ID    int64
	Name  string
	AppID int64
}

// directory is the known applications, rules or users; known false accepts any reference.
type directory struct {
	kind  string
	known bool
	items []entity
}

// args reads an operation's decoded parameters by their API names.
type args struct {
	op *paramcodec.Op
	p  any
}

func (a args) str(name string) *string {
	v, ok := a.op.Value(a.p, name)
	if !ok {
		return nil
	}
	s := v.String()
	return &s
}

func (a args) int(name string) *int64 {
	v, ok := a.op.Value(a.p, name)
	if !ok {
		return nil
	}
	n := v.Int()
	return &n
}

func (a args) bool(name string) *bool {
	v, ok := a.op.Value(a.p, name)
	if !ok {
		return nil
	}
	b := v.Bool()
	return &b
}

// pair is one of the binding alternatives as a request gives it: an id or a name (or neither).
type pair struct {
	id   *int64
	name *string
}

func (a args) pair(prefix string) pair {
	return pair{id: a.int(prefix + "_id"), name: a.str(prefix + "_name")}
}

func (p pair) given() bool  { return p.id != nil || p.name != nil }
func (p pair) clears() bool { return p.id == nil && p.name != nil && *p.name == "" }

// resolve checks p against the directory (when known) and returns the id and name to store:
// both, when the fake knows the entity; as sent otherwise. appID scopes rules and users.
func (d *directory) resolve(p pair, appID *int64) (*int64, *string, *apiError) {
	if !d.known {
		return p.id, p.name, nil
	}
	for i := range d.items {
		e := &d.items[i]
		scoped := appID == nil || e.AppID == 0 || e.AppID == *appID
		switch {
		case p.id != nil && e.ID == *p.id:
			if !scoped {
				return nil, nil, invalid("%s %d does not belong to application %d", d.kind, e.ID, *appID)
			}
		case p.name != nil && e.Name == *p.name && scoped:
		default:
			continue
		}
		id, name := e.ID, e.Name
		return &id, &name, nil
	}
	if p.id != nil {
		return nil, nil, invalid("%s %d not found", d.kind, *p.id)
	}
	if appID != nil && d.kind != "application" {
		return nil, nil, invalid("%s %q not found in application %d", d.kind, *p.name, *appID)
	}
	return nil, nil, invalid("%s %q not found", d.kind, *p.name)
}

// eqPtr reports whether both are set and equal.
func eqPtr[T comparable](a, b *T) bool { return a != nil && b != nil && *a == *b }

// matches reports whether a registration's pair is the one p names.
func (p pair) matches(id *int64, name *string) bool {
	return (p.id != nil && eqPtr(id, p.id)) || (p.name != nil && eqPtr(name, p.name))
}
