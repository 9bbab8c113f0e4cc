package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// statefulFake keeps registrations on top of apitest.Server, which keeps none yet: it watches
// each accepted request (apitest.OnRequest) and queues the answer a stateful API would give.
// Requests must come one at a time (as demo and apply send them), since the queue is shared.
// It goes away once apitest keeps a store of its own.
type statefulFake struct {
	mu     sync.Mutex
	srv    *apitest.Server
	regs   map[int64]*api.SIPRegistration
	nextID int64
	fail   map[string][]apitest.Reply // replies to use instead, per operation
}

func newStatefulFake() (*statefulFake, error) {
	f := &statefulFake{regs: map[int64]*api.SIPRegistration{}, nextID: 100, fail: map[string][]apitest.Reply{}}
	srv, err := apitest.Listen("127.0.0.1:0", apitest.OnRequest(f.onRequest))
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	return f, nil
}

// failNext makes the next request of the operation get reply, leaving the state alone.
func (f *statefulFake) failNext(op string, reply apitest.Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[op] = append(f.fail[op], reply)
}

// add stores a registration as if it had been created.
func (f *statefulFake) add(r api.SIPRegistration) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	r.SIPRegistrationID = f.nextID
	f.regs[r.SIPRegistrationID] = &r
	return r.SIPRegistrationID
}

// list returns the registrations by id.
func (f *statefulFake) list() []api.SIPRegistration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.SIPRegistration
	for _, r := range f.regs {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b api.SIPRegistration) int { return int(a.SIPRegistrationID - b.SIPRegistrationID) })
	return out
}

func jsonReply(v any) apitest.Reply {
	b, _ := json.Marshal(v)
	return apitest.Status(http.StatusOK, http.Header{"Content-Type": {"application/json"}}, string(b))
}

func (f *statefulFake) onRequest(r apitest.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if q := f.fail[r.Operation]; len(q) > 0 {
		f.srv.Enqueue(q[0])
		f.fail[r.Operation] = q[1:]
		return
	}
	notFound := apitest.Error(101, "Invalid arguments: no such SIP registration")
	switch p := r.Params.(type) {
	case *api.CreateSIPRegistrationParams:
		f.nextID++
		reg := &api.SIPRegistration{SIPRegistrationID: f.nextID, SIPUsername: p.SIPUsername, Proxy: p.Proxy,
			IsPersistent: p.IsPersistent == nil || *p.IsPersistent, LastUpdated: 1700000000,
			NextSubscriptionRenewal: "2030-01-01", PurchaseDate: "2029-12-01 00:00:00", SubscriptionPrice: "0.00"}
		reg.AuthUser, reg.OutboundProxy = p.AuthUser, p.OutboundProxy
		setBinding(reg, p.ApplicationID, p.ApplicationName, p.RuleID, p.RuleName, p.UserID, p.UserName)
		f.regs[reg.SIPRegistrationID] = reg
		f.srv.Enqueue(jsonReply(map[string]any{"result": 1, "sip_registration_id": reg.SIPRegistrationID,
			"account_info": map[string]any{"account_id": apitest.DefaultAccountID}}))
	case *api.UpdateSIPRegistrationParams:
		reg, ok := f.regs[p.SIPRegistrationID]
		if !ok {
			f.srv.Enqueue(notFound)
			return
		}
		if p.SIPUsername != nil {
			reg.SIPUsername = *p.SIPUsername
		}
		if p.Proxy != nil {
			reg.Proxy = *p.Proxy
		}
		if p.AuthUser != nil {
			reg.AuthUser = p.AuthUser
		}
		if p.OutboundProxy != nil {
			reg.OutboundProxy = p.OutboundProxy
		}
		setBinding(reg, p.ApplicationID, p.ApplicationName, p.RuleID, p.RuleName, p.UserID, p.UserName)
	case *api.BindSIPRegistrationParams:
		if p.SIPRegistrationID == nil {
			return
		}
		reg, ok := f.regs[*p.SIPRegistrationID]
		if !ok {
			f.srv.Enqueue(notFound)
			return
		}
		if p.Bind != nil && !*p.Bind {
			reg.ApplicationID, reg.ApplicationName, reg.RuleID, reg.RuleName, reg.UserID, reg.UserName = nil, nil, nil, nil, nil, nil
			return
		}
		setBinding(reg, p.ApplicationID, p.ApplicationName, p.RuleID, p.RuleName, p.UserID, p.UserName)
	case *api.DeleteSIPRegistrationParams:
		if _, ok := f.regs[p.SIPRegistrationID]; !ok {
			f.srv.Enqueue(notFound)
			return
		}
		delete(f.regs, p.SIPRegistrationID)
	case *api.GetSIPRegistrationsParams:
		var all []api.SIPRegistration
		for _, reg := range f.regs {
			if (p.SIPRegistrationID == nil || *p.SIPRegistrationID == reg.SIPRegistrationID) &&
				(p.SIPUsername == nil || *p.SIPUsername == reg.SIPUsername) &&
				(p.Proxy == nil || slices.Contains(strings.Split(*p.Proxy, ";"), reg.Proxy)) {
				all = append(all, *reg)
			}
		}
		slices.SortFunc(all, func(a, b api.SIPRegistration) int { return int(a.SIPRegistrationID - b.SIPRegistrationID) })
		offset, count := int64(0), int64(api.DefaultPageSize)
		if p.Offset != nil {
			offset = *p.Offset
		}
		if p.Count != nil {
			count = *p.Count
		}
		page := append([]api.SIPRegistration{}, all[min(offset, int64(len(all))):min(offset+count, int64(len(all)))]...)
		f.srv.Enqueue(jsonReply(map[string]any{"result": page, "count": len(all)}))
	default:
		panic(fmt.Sprintf("statefulFake: unexpected %T", p))
	}
}

// setBinding sets whichever of the pairs are given; a name clears the id of its pair and the
// other way round (the fake knows no names for ids).
func setBinding(reg *api.SIPRegistration, appID *int64, appName *string, ruleID *int64, ruleName *string, userID *int64, userName *string) {
	pair := func(id **int64, name **string, newID *int64, newName *string) {
		switch {
		case newID != nil:
			*id, *name = newID, nil
		case newName != nil:
			*id, *name = nil, newName
		}
	}
	pair(&reg.ApplicationID, &reg.ApplicationName, appID, appName)
	pair(&reg.RuleID, &reg.RuleName, ruleID, ruleName)
	pair(&reg.UserID, &reg.UserName, userID, userName)
}
