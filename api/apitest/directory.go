package apitest

import (
	"fmt"
	"strconv"

	"github.com/voxsip/voxsip/generated"
	paramcodec "github.com/voxsip/voxsip/internal/params"
)

// entity is an application, rule or user the fake knows (AppID 0: an application, or a rule or
// user first named without its application, which any application then finds).
type entity struct {
	ID    int64
	Name  string
	AppID int64
}

// nameKey finds an entity by name within an application (0 for applications).
type nameKey struct {
	appID int64
	name  string
}

// directory is the applications, rules or users of the account. Seeded (known), it refuses a
// reference to anything not in it; otherwise it creates what a request names on first
// reference, with the next free id (or the id given) and a name made from the id, so that a
// registration bound by name also has an id and the other way round.
type directory struct {
	kind   string
	known  bool
	byID   map[int64]*entity
	byName map[nameKey]*entity
	anyApp map[string]*entity // by name alone, the first one made
	nextID int64
	codes  refCodes
}

// refCodes are the service's codes for a bad reference to this kind of entity.
type refCodes struct{ byID, byName, elsewhere generated.ErrorCode }

func newDirectory(kind string, known bool, codes refCodes) directory {
	return directory{kind: kind, known: known, byID: map[int64]*entity{}, byName: map[nameKey]*entity{},
		anyApp: map[string]*entity{}, nextID: 1, codes: codes}
}

// add puts e in the directory; an id or (in one application) a name given twice is an error.
func (d *directory) add(e entity) error {
	if e.ID < 1 || e.Name == "" {
		return fmt.Errorf("%s %d %q: needs an id of at least 1 and a name", d.kind, e.ID, e.Name)
	}
	if d.byID[e.ID] != nil {
		return fmt.Errorf("%s id %d given twice", d.kind, e.ID)
	}
	key := nameKey{e.AppID, e.Name}
	if d.byName[key] != nil {
		return fmt.Errorf("%s %q given twice in application %d", d.kind, e.Name, e.AppID)
	}
	p := &e
	d.byID[e.ID], d.byName[key] = p, p
	if d.anyApp[e.Name] == nil {
		d.anyApp[e.Name] = p
	}
	d.nextID = max(d.nextID, e.ID+1)
	return nil
}

// pair is one of the binding alternatives as a request gives it: an id or a name (or neither).
type pair struct {
	id   *int64
	name *string
}

func (p pair) given() bool  { return p.id != nil || p.name != nil }
func (p pair) clears() bool { return p.id == nil && p.name != nil && *p.name == "" }

// matches reports whether a registration's pair is the one p names.
func (p pair) matches(id *int64, name *string) bool {
	return (p.id != nil && eqPtr(id, p.id)) || (p.name != nil && eqPtr(name, p.name))
}

// resolve returns the id and name of the entity p names, within application appID (nil: any),
// creating it when the directory is not seeded.
func (d *directory) resolve(p pair, appID *int64) (*int64, *string, *apiError) {
	app := int64(0)
	if appID != nil {
		app = *appID
	}
	e, fail := d.find(p, app)
	if fail != nil {
		return nil, nil, fail
	}
	if e == nil {
		e = d.create(p, app)
	}
	id, name := e.ID, e.Name
	return &id, &name, nil
}

// find looks p up; nil with no error when it is not there and may be created.
func (d *directory) find(p pair, app int64) (*entity, *apiError) {
	if p.id != nil {
		e := d.byID[*p.id]
		switch {
		case e == nil && d.known:
			return nil, refusal(d.codes.byID, "%s %d not found", d.kind, *p.id)
		case e != nil && e.AppID != 0 && app != 0 && e.AppID != app:
			return nil, refusal(d.codes.elsewhere, "%s %d does not belong to application %d", d.kind, e.ID, app)
		}
		return e, nil
	}
	e := d.byName[nameKey{app, *p.name}]
	if e == nil {
		e = d.byName[nameKey{0, *p.name}]
	}
	if e == nil && app == 0 {
		e = d.anyApp[*p.name]
	}
	if e == nil && d.known {
		if app != 0 {
			return nil, refusal(d.codes.byName, "%s %q not found in application %d", d.kind, *p.name, app)
		}
		return nil, refusal(d.codes.byName, "%s %q not found", d.kind, *p.name)
	}
	return e, nil
}

// create makes the entity p names in application app (the directory is not seeded).
func (d *directory) create(p pair, app int64) *entity {
	e := entity{AppID: app}
	if p.id != nil {
		e.ID, e.Name = *p.id, d.kind+strconv.FormatInt(*p.id, 10)
	} else {
		e.ID, e.Name = d.nextID, *p.name
	}
	for d.add(e) != nil { // a made-up name that a named entity has taken
		e.Name += "'"
	}
	return d.byID[e.ID]
}

func refusal(code generated.ErrorCode, format string, args ...any) *apiError {
	return &apiError{Code: int(code), Msg: fmt.Sprintf(format, args...)}
}

// args reads an operation's decoded parameters by their API names.
type args struct {
	op *paramcodec.Op
	p  any
}

func (a args) str(name string) *string {
	s, ok := a.op.Text(a.p, name)
	if !ok {
		return nil
	}
	return &s
}

func (a args) int(name string) *int64 {
	s, ok := a.op.Text(a.p, name)
	n, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil {
		return nil
	}
	return &n
}

func (a args) bool(name string) *bool {
	s, ok := a.op.Text(a.p, name)
	if !ok {
		return nil
	}
	b := s == "true"
	return &b
}

func (a args) pair(prefix string) pair {
	return pair{id: a.int(prefix + "_id"), name: a.str(prefix + "_name")}
}

// eqPtr reports whether both are set and equal.
func eqPtr[T comparable](a, b *T) bool { return a != nil && b != nil && *a == *b }
