package main

import (
	"errors"
	"fmt"

	"github.com/voxsip/voxsip/api"
)

// What no two entries of an apply file may share, checked before anything is planned or sent,
// and which registration on the service a planned binding takes its user from.

// uniqueKey is what one entry of a file may claim alone: a registration (its sip_username and
// proxy), or a user it binds. A user has one SIP registration: binding it to one unbinds it
// from the other (as the service does), so two entries binding one user would take it from
// each other on every apply, which would never settle.
type uniqueKey struct {
	reg    regKey
	userID int64   // a user by id: ids are the account's
	user   appUser // a user by name, when its id is not known: names are the application's
}

// appUser is a user by name within an application, named by id when the id is known.
type appUser struct {
	appID   int64
	appName string
	name    string
}

// knownIDs is what the registrations on the service show of the account's applications and
// users (a bound registration has both the id and the name), so that entries naming one user
// by id and by name, or its application by id and by name, are seen to bind one user.
type knownIDs struct {
	appID   map[string]int64 // application name -> id
	userID  map[appUser]int64
	userReg map[int64]api.SIPRegistration // the registration each user is bound to, by user id
}

// knownFrom reads what have shows; nil have knows nothing (the file alone).
func knownFrom(have []api.SIPRegistration) knownIDs {
	k := knownIDs{appID: map[string]int64{}, userID: map[appUser]int64{}, userReg: map[int64]api.SIPRegistration{}}
	for _, r := range have {
		if r.UserID != nil {
			k.userReg[*r.UserID] = r
		}
		if r.ApplicationID == nil {
			continue
		}
		if r.ApplicationName != nil {
			k.appID[*r.ApplicationName] = *r.ApplicationID
		}
		if r.UserID != nil && r.UserName != nil {
			k.userID[appUser{appID: *r.ApplicationID, name: *r.UserName}] = *r.UserID
		}
	}
	return k
}

// userKey is the user d binds, by id when known (given, or by its name through the service);
// false when d binds none (a user_name "" binds none).
func (k knownIDs) userKey(d *desired) (uniqueKey, bool) {
	p := d.p
	if p.UserID != nil {
		return uniqueKey{userID: *p.UserID}, true
	}
	if p.UserName == nil || *p.UserName == "" {
		return uniqueKey{}, false
	}
	u := appUser{name: *p.UserName}
	switch {
	case p.ApplicationID != nil:
		u.appID = *p.ApplicationID
	case p.ApplicationName != nil:
		u.appID, u.appName = k.appID[*p.ApplicationName], *p.ApplicationName
		if u.appID != 0 {
			u.appName = ""
		}
	}
	if id, ok := k.userID[u]; ok && u.appID != 0 {
		return uniqueKey{userID: id}, true
	}
	return uniqueKey{user: u}, true
}

// checkUnique refuses a file that names one registration twice (which entry would win is
// anyone's guess) or binds one user in two entries. known is what the service shows (see
// knownIDs): without it, entries that name one user differently (by id and by name) pass, and
// are caught once the service shows that user bound.
func checkUnique(want []*desired, known knownIDs) error {
	var errs []error
	first := map[uniqueKey]*desired{}
	for _, d := range want {
		keys := []uniqueKey{{reg: d.key().identity()}}
		if u, ok := known.userKey(d); ok {
			keys = append(keys, u)
		}
		for _, k := range keys {
			f, ok := first[k]
			if !ok {
				first[k] = d
				continue
			}
			if k.userID == 0 && k.user.name == "" { // a registration: a user key has one or the other
				errs = append(errs, fmt.Errorf("line %d: %s is in the file twice (first on line %d)", d.line, d.key(), f.line))
				continue
			}
			errs = append(errs, fmt.Errorf("line %d: %s: a user has one registration and binding it unbinds the other, "+
				"so every apply would move it; bind it in one entry", d.line, sameUser(d, f)))
		}
	}
	return errors.Join(errs...)
}

// sameUser says that d and the earlier entry f bind one user.
func sameUser(d, f *desired) string {
	if du, fu := boundUser(d), boundUser(f); du != fu {
		return fmt.Sprintf("%s binds %s and line %d (%s) %s, the same user", d.key(), du, f.line, f.key(), fu)
	}
	return fmt.Sprintf("%s and line %d (%s) both bind %s", d.key(), f.line, f.key(), boundUser(d))
}

// boundUser is the user an entry binds, as the file says it.
func boundUser(d *desired) string {
	app := ""
	switch p := d.p; {
	case p.ApplicationID != nil:
		app = fmt.Sprintf(" of application_id %d", *p.ApplicationID)
	case p.ApplicationName != nil:
		app = fmt.Sprintf(" of application_name %q", *p.ApplicationName) // %q escapes what is not printable
	}
	if d.p.UserID != nil {
		return fmt.Sprintf("user_id %d%s", *d.p.UserID, app)
	}
	return fmt.Sprintf("user_name %q%s", d.p.GetUserName(), app)
}

// noteUnbinds marks each step that binds a user bound on the service to another registration:
// binding it there unbinds it here, which the plan shows (unless that registration's own step
// binds it another user).
func (k knownIDs) noteUnbinds(steps []step) {
	rebinds := map[int64]bool{} // registrations whose step sends a user
	for _, s := range steps {
		if s.Action == actUpdate && (s.Update.UserID != nil || s.Update.UserName != nil) {
			rebinds[s.ID] = true
		}
	}
	for i := range steps {
		s := &steps[i]
		if s.Action != actCreate && (s.Action != actUpdate || !rebinds[s.ID]) {
			continue
		}
		u, ok := k.userKey(s.want)
		if !ok || u.userID == 0 {
			continue
		}
		if r, ok := k.userReg[u.userID]; ok && r.SIPRegistrationID != s.ID && !rebinds[r.SIPRegistrationID] {
			s.Unbinds = &r
		}
	}
}

// checkUsersTellable refuses a file that binds a user by user_id in one entry and a user by
// user_name in another when the service's registrations cannot tell whether they are one user:
// the user by id is bound nowhere (so its name is not known) and the user by name is not bound
// in its application (so its id is not known), in the same application or one not known. Were
// they one user, the apply would bind it twice, the second undoing the first, and every apply
// after would move it again; checkUnique catches that only once the user shows bound.
func checkUsersTellable(want []*desired, known knownIDs) error {
	byID := map[int64]*desired{} // the first entry binding an unbound user by id, per application (0: not known)
	var byName []*desired
	for _, d := range want {
		u, ok := known.userKey(d)
		switch {
		case !ok:
		case d.p.UserID != nil:
			if _, bound := known.userReg[*d.p.UserID]; !bound && byID[known.appOf(d)] == nil {
				byID[known.appOf(d)] = d
			}
		case u.userID == 0:
			byName = append(byName, d)
		}
	}
	if len(byID) == 0 {
		return nil
	}
	for _, n := range byName {
		i, app := byID[0], known.appOf(n)
		if i == nil && app != 0 {
			i = byID[app]
		}
		if i == nil && app == 0 {
			for _, d := range byID {
				i = d
				break
			}
		}
		if i != nil {
			return fmt.Errorf("line %d binds %s and line %d %s, and no registration on the service shows either user, so "+
				"voxsip cannot tell whether they are one user (bound twice, every apply would move it from one to the other): "+
				"name the users of this file one way, all by user_id or all by user_name", n.line, boundUser(n), i.line, boundUser(i))
		}
	}
	return nil
}

// appOf is the id of the application d binds, when given or known by its name; else 0.
func (k knownIDs) appOf(d *desired) int64 {
	switch {
	case d.p.ApplicationID != nil:
		return *d.p.ApplicationID
	case d.p.ApplicationName != nil:
		return k.appID[*d.p.ApplicationName]
	}
	return 0
}
