package remind

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

var (
	start = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	day   = 24 * time.Hour
	pol   = Policy{After: 72 * time.Hour, Every: day, Max: 3}
)

// person is alice, who started at start and did the steps given, each a minute
// apart, and is at the next.
func person(done ...string) *state.State {
	st := state.New("alice@contoso.com", start)
	st.Phone = &state.PhoneAnswer{E164: "+12015550100", Country: "US"}
	for i, id := range done {
		st.Mark(id, state.Done, "", start.Add(time.Duration(i+1)*time.Minute))
	}
	return st
}

var beforeDuoEnroll = []string{"phone", "verify", "notify-support", "office-apps", "mobile-mail", "duo-install"}

// atVerify waits for the texted code.
func atVerify() *state.State {
	st := person("phone")
	st.Verify = &state.VerifyRecord{SentTo: "+12015550100", SentAt: start.Add(time.Minute)}
	st.Mark("verify", state.Waiting, "this step needs an answer", start.Add(2*time.Minute))
	return st
}

func TestWaitingIsOnlyWhatThePersonAloneCanDo(t *testing.T) {
	tests := []struct {
		name     string
		st       func() *state.State
		want     string // step, or "" for not waiting on them
		since    time.Time
		byTechie bool
	}{
		{"nothing started: the number can come from a technician", func() *state.State { return person() }, "", time.Time{}, false},
		{"the texted code", atVerify, "verify", start.Add(time.Minute), false},
		{"the code, in a technician's run", func() *state.State {
			st := atVerify()
			st.Steps["verify"].Guidance = []string{"Ask alice@contoso.com for the 6-digit code texted to +1 ***-***-0100, then give it with --code: mfa-onboard start --for alice@contoso.com --code CODE."}
			return st
		}, "verify", start.Add(time.Minute), true},
		{"a technician named on the last run", func() *state.State {
			st := atVerify()
			st.LastRun = &state.Runner{Technician: "Jo Tech"}
			return st
		}, "verify", start.Add(time.Minute), true},
		{"proven, but which number to keep is a choice", func() *state.State {
			st := atVerify()
			st.Verify.VerifiedAt = start.Add(3 * time.Minute)
			return st
		}, "", time.Time{}, false},
		{"failed", func() *state.State {
			st := person("phone")
			st.Mark("verify", state.Failed, "Graph said no", start.Add(2*time.Minute))
			return st
		}, "", time.Time{}, false},
		{"guidance left unread", func() *state.State { return person("phone", "verify", "notify-support") }, "office-apps", start.Add(3 * time.Minute), false},
		{"guidance handed over by a technician", func() *state.State {
			st := person("phone", "verify", "notify-support")
			st.Steps["notify-support"].Guidance = []string{"To hand over: a technician's run (start --for) with nobody at the screen; tell alice@contoso.com this."}
			return st
		}, "office-apps", start.Add(3 * time.Minute), true},
		{"guidance handed over by a technician's run in Spanish", func() *state.State {
			st := person("phone", "verify", "notify-support")
			st.Steps["notify-support"].Guidance = []string{"Por transmitir: ejecución de un técnico (start --for) sin nadie ante la pantalla; dígale esto a alice@contoso.com."}
			return st
		}, "office-apps", start.Add(3 * time.Minute), true},
		{"the activation link texted", func() *state.State {
			st := person(beforeDuoEnroll...)
			st.Duo = &state.DuoRecord{UserID: "DU1", PhoneID: "DP1", Associated: true, ActivationTexted: start.Add(7 * time.Minute)}
			st.Mark("duo-enroll", state.Waiting, "waiting for the person to open the Duo activation link", start.Add(7*time.Minute))
			return st
		}, "duo-enroll", start.Add(6 * time.Minute), false},
		{"Duo's user still to make is the tool's part", func() *state.State {
			st := person(beforeDuoEnroll...)
			st.Mark("duo-enroll", state.Waiting, "interrupted", start.Add(7*time.Minute))
			return st
		}, "", time.Time{}, false},
		{"a support notice not sent yet holds nobody up", func() *state.State {
			st := person("phone", "verify")
			st.Mark("notify-support", state.Waiting, "support is not told yet", start.Add(3*time.Minute))
			st.Mark("office-apps", state.Done, "", start.Add(4*time.Minute))
			return st
		}, "mobile-mail", start.Add(4 * time.Minute), false},
		{"the test push", func() *state.State {
			st := person(append(beforeDuoEnroll, "duo-enroll")...)
			st.DuoTest = &state.DuoTestRecord{PushedAt: start.Add(8 * time.Minute), PushID: "tx1"}
			st.Mark("duo-test", state.Waiting, "waiting for the push", start.Add(8*time.Minute))
			return st
		}, "duo-test", start.Add(7 * time.Minute), false},
		{"all done", func() *state.State { return person(append(beforeDuoEnroll, "duo-enroll", "duo-test")...) }, "", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ok := Waiting(tt.st())
			if tt.want == "" {
				if ok {
					t.Errorf("Waiting = %+v; want nothing the person alone waits on", w)
				}
				return
			}
			if !ok || w.Step != tt.want || !w.Since.Equal(tt.since) || w.Technician != tt.byTechie {
				t.Errorf("Waiting = %+v, %v; want step %s since %v, technician %v", w, ok, tt.want, tt.since, tt.byTechie)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	since := start.Add(time.Minute) // when alice's phone step was done
	with := func(rec state.RemindRecord, manager string) func() *state.State {
		return func() *state.State {
			st := atVerify()
			rec.Step, rec.Since = "verify", since
			st.Remind, st.Manager = &rec, manager
			return st
		}
	}
	tests := []struct {
		name   string
		st     func() *state.State
		now    time.Time
		kind   Kind
		number int
		next   time.Time
		sent   int // the record's count, a pending message folded in
	}{
		{"not waiting", func() *state.State { return person() }, start.Add(10 * day), "", 0, time.Time{}, 0},
		{"waiting less than after", atVerify, since.Add(72 * time.Hour), "", 0, since.Add(72 * time.Hour), 0},
		{"due", atVerify, since.Add(72*time.Hour + time.Second), KindRemind, 1, time.Time{}, 0},
		{"reminded within every", with(state.RemindRecord{Sent: 1, LastSent: since.Add(4 * day)}, ""), since.Add(4*day + 23*time.Hour), "", 0, since.Add(5 * day), 1},
		{"reminded a day ago", with(state.RemindRecord{Sent: 1, LastSent: since.Add(4 * day)}, ""), since.Add(5 * day), KindRemind, 2, time.Time{}, 1},
		{"at max, with a manager", with(state.RemindRecord{Sent: 3, LastSent: since.Add(6 * day)}, "carol@contoso.com"), since.Add(7 * day), KindEscalate, 3, time.Time{}, 3},
		{"at max, without one", with(state.RemindRecord{Sent: 3, LastSent: since.Add(6 * day)}, ""), since.Add(7 * day), KindEscalate, 3, time.Time{}, 3},
		{"escalated: nothing more", with(state.RemindRecord{Sent: 3, LastSent: since.Add(6 * day), EscalatedAt: since.Add(7 * day)}, ""), since.Add(30 * day), "", 0, time.Time{}, 3},
		{"a message left pending blocks another within every", with(state.RemindRecord{PendingID: "x", PendingKind: "remind", PendingAt: since.Add(4 * day)}, ""), since.Add(4*day + time.Hour), "", 0, since.Add(5 * day), 0},
		{"then counts as sent", with(state.RemindRecord{PendingID: "x", PendingKind: "remind", PendingAt: since.Add(4 * day)}, ""), since.Add(5 * day), KindRemind, 2, time.Time{}, 1},
		{"reminders of an earlier wait do not count", func() *state.State {
			st := atVerify()
			st.Remind = &state.RemindRecord{Step: "verify", Since: start.Add(-30 * day), Sent: 3, LastSent: start.Add(-20 * day)}
			return st
		}, since.Add(4 * day), KindRemind, 1, time.Time{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := Decide(tt.st(), pol, tt.now)
			if tt.name == "not waiting" {
				if ok {
					t.Errorf("Decide = %+v; want nothing", p)
				}
				return
			}
			if !ok || p.Kind != tt.kind || p.Number != tt.number || !p.NextAt.Equal(tt.next) || p.Record.Sent != tt.sent {
				t.Errorf("Decide = kind %q number %d next %v sent %d (ok %v); want %q %d %v %d", p.Kind, p.Number, p.NextAt, p.Record.Sent, ok, tt.kind, tt.number, tt.next, tt.sent)
			}
		})
	}
}

func TestTheEscalationGoesToTheManagerElseTheSupportDesk(t *testing.T) {
	texts := Texts{Organisation: "Contoso", SupportName: "the Contoso desk", SupportEmail: "desk@msp.example"}
	for _, tt := range []struct{ manager, to, who string }{{"carol@contoso.com", "carol@contoso.com", ToManager}, {"", "desk@msp.example", ToSupport}} {
		p := Plan{User: "alice@contoso.com", Kind: KindEscalate, Manager: tt.manager}
		if to, who := p.To(texts); to != tt.to || who != tt.who {
			t.Errorf("manager %q: To = %q, %q; want %q, %q", tt.manager, to, who, tt.to, tt.who)
		}
	}
	if to, who := (Plan{User: "alice@contoso.com", Kind: KindRemind, Manager: "carol@contoso.com"}).To(texts); to != "alice@contoso.com" || who != ToPerson {
		t.Errorf("a reminder goes to %q (%s); want the person", to, who)
	}
}

func TestIDsAreStablePerMessageAndDifferBetweenThem(t *testing.T) {
	p, _ := Decide(atVerify(), pol, start.Add(5*day))
	q, _ := Decide(atVerify(), pol, start.Add(6*day))
	if p.ID() != q.ID() || !strings.HasPrefix(p.ID(), "mfa-onboard-remind-") {
		t.Errorf("ids %q and %q; want the same id for the same reminder", p.ID(), q.ID())
	}
	p.Number++
	if p.ID() == q.ID() {
		t.Error("the second reminder has the first one's id")
	}
}

func TestComposeSaysWhatIsLeftAndHowToCarryOn(t *testing.T) {
	texts := Texts{Organisation: "Contoso\x1b[31m Ltd", SupportName: "the \u202eContoso desk", SupportEmail: "desk@msp.example"}
	now := start.Add(5 * day)
	own, _ := Decide(atVerify(), pol, now)
	subject, body := Compose(nil, own, atVerify(), texts, pol, now)
	for _, want := range []string{"Contoso[31m Ltd", "alice@contoso.com", "4 days ago", "+1 ***-***-0100", "mfa-onboard start", "the Contoso desk at desk@msp.example", "reminder 1 of 3"} {
		if !strings.Contains(subject+body, want) {
			t.Errorf("the reminder does not say %q:\n%s\n%s", want, subject, body)
		}
	}
	if strings.ContainsAny(subject+body, "\x1b\u202e") || strings.Contains(body, "5550100") {
		t.Errorf("the reminder holds a control character or the whole number:\n%q", body)
	}
	tech := atVerify()
	tech.LastRun = &state.Runner{Technician: "Jo Tech"}
	p, _ := Decide(tech, pol, now)
	_, body = Compose(nil, p, tech, texts, pol, now)
	if !strings.Contains(body, "Your technician will call you") || !strings.Contains(body, "read them the code") || strings.Contains(body, "mfa-onboard start") {
		t.Errorf("a technician's person is not told the technician will call:\n%s", body)
	}
}

func TestComposeTellsTheManagerOrTheDesk(t *testing.T) {
	texts := Texts{Organisation: "Contoso", SupportName: "the Contoso desk", SupportEmail: "desk@msp.example"}
	st := atVerify()
	since := start.Add(time.Minute)
	st.Remind = &state.RemindRecord{Step: "verify", Since: since, Sent: 3, LastSent: since.Add(5 * day)}
	now := since.Add(6 * day)
	p, _ := Decide(st, pol, now)
	subject, body := Compose(nil, p, st, texts, pol, now)
	if !strings.Contains(subject, "alice@contoso.com has not finished") || !strings.Contains(body, "reminded 3 times") || !strings.Contains(body, "No manager is recorded") || !strings.Contains(body, "+1 ***-***-0100") {
		t.Errorf("the desk's escalation:\n%s\n%s", subject, body)
	}
	st.Manager = "carol@contoso.com"
	p, _ = Decide(st, pol, now)
	_, body = Compose(nil, p, st, texts, pol, now)
	if !strings.Contains(body, "recorded as their manager") || strings.Contains(body, "0100") {
		t.Errorf("the manager's escalation (which shows no number):\n%s", body)
	}
}

// memStore is a state store in memory; lockedBy makes Lock fail for one person.
type memStore struct {
	states   map[string]*state.State
	saves    []state.State
	locked   bool
	failSave int // the save that fails, counted from 1; 0 for none
}

func (m *memStore) Lock(string) (func() error, error) {
	if m.locked {
		return nil, state.ErrLocked
	}
	return func() error { return nil }, nil
}

func (m *memStore) Load(user string) (*state.State, error) {
	st, ok := m.states[user]
	if !ok {
		return nil, state.ErrNotFound
	}
	c := *st
	if st.Remind != nil {
		r := *st.Remind
		c.Remind = &r
	}
	return &c, nil
}

func (m *memStore) Save(st *state.State) error {
	if len(m.saves)+1 == m.failSave {
		m.saves = append(m.saves, state.State{})
		return errors.New("disk full")
	}
	c := *st
	if st.Remind != nil {
		r := *st.Remind
		c.Remind = &r
	}
	m.saves = append(m.saves, c)
	m.states[st.User] = &c
	return nil
}

// mailbox records each message and what the store held when it was sent.
type mailbox struct {
	store   *memStore
	sent    []string
	pending []string // the pending id saved when each was sent
	fail    error
}

func (b *mailbox) MailPerson(_ context.Context, to, subject, body, id string) (string, error) {
	st := b.store.states["alice@contoso.com"]
	if st.Remind != nil {
		b.pending = append(b.pending, st.Remind.PendingID)
	}
	if b.fail != nil {
		return "", b.fail
	}
	b.sent = append(b.sent, to+": "+subject)
	return "MSG-" + id[len(id)-4:], nil
}

type memLog struct {
	entries []audit.Entry
	fail    bool
}

func (l *memLog) Append(e audit.Entry) error {
	if l.fail {
		return errors.New("audit is read-only")
	}
	l.entries = append(l.entries, e)
	return nil
}

func sender(st *state.State, now time.Time) (*Sender, *memStore, *mailbox, *memLog) {
	store := &memStore{states: map[string]*state.State{st.User: st}}
	box, log := &mailbox{store: store}, &memLog{}
	return &Sender{Store: store, Mailer: box, Channel: "smtp", Log: log, Policy: pol,
		Texts: Texts{Organisation: "Contoso", SupportName: "the Contoso desk", SupportEmail: "desk@msp.example"},
		Now:   func() time.Time { return now }}, store, box, log
}

func TestSendRecordsTheIDBeforeSendingAndTheTimeAfter(t *testing.T) {
	now := start.Add(5 * day)
	s, store, box, log := sender(atVerify(), now)
	res, due, err := s.Send(context.Background(), Plan{User: "alice@contoso.com"})
	if err != nil || !due || res.Status != Sent || !res.OK() {
		t.Fatalf("Send = %+v, %v, %v", res, due, err)
	}
	if len(box.pending) != 1 || box.pending[0] != res.ID {
		t.Errorf("when the mail went, the state held pending %v; want its id %s, saved first", box.pending, res.ID)
	}
	rec := store.states["alice@contoso.com"].Remind
	if rec.Sent != 1 || !rec.LastSent.Equal(now) || rec.PendingID != "" || rec.Receipt != res.Receipt {
		t.Errorf("record after = %+v; want 1 sent at %v, nothing pending", rec, now)
	}
	if len(log.entries) != 1 {
		t.Fatalf("audit = %+v; want one entry", log.entries)
	}
	e := log.entries[0]
	if e.Action != "remind" || e.User != "alice@contoso.com" || e.Provider != "smtp" || e.Result != Sent || e.IDs["message_id"] != res.ID || e.IDs["receipt"] != res.Receipt ||
		!strings.Contains(e.Reason, "reminder 1 of 3 about verify") {
		t.Errorf("audit entry = %+v", e)
	}
	// The same day: nothing is due any more.
	if _, due, _ := s.Send(context.Background(), Plan{User: "alice@contoso.com"}); due || len(box.sent) != 1 {
		t.Errorf("a second send the same day was due (%v) or sent (%d mails)", due, len(box.sent))
	}
}

func TestSendOutcomes(t *testing.T) {
	now := start.Add(5 * day)
	tests := []struct {
		name    string
		prepare func(*memStore, *mailbox, *memLog)
		status  string
		reason  string
		sent    int // the record's count after
		stop    bool
	}{
		{"the channel refuses", func(_ *memStore, b *mailbox, _ *memLog) { b.fail = errors.New("mail server down") }, Failed, "mail server down", 0, false},
		{"a run holds their lock", func(s *memStore, _ *mailbox, _ *memLog) { s.locked = true }, Skipped, "a run is working for them", 0, false},
		{"the pending mark cannot be saved", func(s *memStore, _ *mailbox, _ *memLog) { s.failSave = 1 }, Failed, "nothing was sent", 0, false},
		{"the send time cannot be saved", func(s *memStore, _ *mailbox, _ *memLog) { s.failSave = 2 }, Sent, "", 0, false},
		{"the audit cannot be written", func(_ *memStore, _ *mailbox, l *memLog) { l.fail = true }, Sent, "", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, store, box, log := sender(atVerify(), now)
			tt.prepare(store, box, log)
			res, _, err := s.Send(context.Background(), Plan{User: "alice@contoso.com"})
			if (err != nil) != tt.stop {
				t.Errorf("err = %v; want one only when nothing more may be sent", err)
			}
			if res.Status != tt.status || !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("result = %+v; want %s saying %q", res, tt.status, tt.reason)
			}
			rec := store.states["alice@contoso.com"].Remind
			sent := 0
			if rec != nil {
				sent = rec.Sent
			}
			if sent != tt.sent {
				t.Errorf("record = %+v; want %d sent", rec, tt.sent)
			}
			if tt.name == "the send time cannot be saved" {
				if res.Problem == "" || res.OK() || rec.PendingID != res.ID {
					t.Errorf("result %+v, record %+v; want the problem said and the pending mark kept", res, rec)
				}
				// The pending mark stands for the reminder: none other today.
				if p, _ := Decide(store.states["alice@contoso.com"], pol, now.Add(time.Hour)); p.Due() {
					t.Errorf("another reminder is due an hour later: %+v", p)
				}
			}
			if tt.name == "the channel refuses" && (rec.PendingID != "" || len(log.entries) != 1 || log.entries[0].Result != Failed) {
				t.Errorf("record %+v, audit %+v; want the pending mark cleared and the failure audited", rec, log.entries)
			}
		})
	}
}

func TestSendEscalatesOnceToTheManager(t *testing.T) {
	st := atVerify()
	since := start.Add(time.Minute)
	st.Manager = "carol@contoso.com"
	st.Remind = &state.RemindRecord{Step: "verify", Since: since, Sent: 3, LastSent: since.Add(5 * day)}
	now := since.Add(6 * day)
	s, store, box, log := sender(st, now)
	res, _, err := s.Send(context.Background(), Plan{User: "alice@contoso.com"})
	if err != nil || res.Status != Sent || res.To != "carol@contoso.com" || res.Recipient != ToManager || res.Action != KindEscalate {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	if rec := store.states["alice@contoso.com"].Remind; !rec.EscalatedAt.Equal(now) || rec.EscalatedTo != "carol@contoso.com" {
		t.Errorf("record = %+v", rec)
	}
	if e := log.entries[0]; e.Action != "remind-escalate" || !strings.Contains(e.Reason, "manager told after 3 reminders") {
		t.Errorf("audit entry = %+v", e)
	}
	s.Now = func() time.Time { return now.Add(10 * day) }
	if _, due, _ := s.Send(context.Background(), Plan{User: "alice@contoso.com"}); due || len(box.sent) != 1 {
		t.Errorf("after the escalation something more was due (%v) or sent (%d)", due, len(box.sent))
	}
}

// With no template of the MSP's for reminders, the built-in texts a person receives
// are in the run's language; what comes from the config (the organisation, the desk)
// is kept as it is configured.
func TestComposeInTheRunsLanguage(t *testing.T) {
	es := catalog.New(language.Spanish)
	texts := Texts{Organisation: "Contoso Ltd", SupportName: "the Contoso desk", SupportEmail: "desk@msp.example"}
	now := start.Add(5 * day)
	own, _ := Decide(atVerify(), pol, now)
	subject, body := Compose(es, own, atVerify(), texts, pol, now)
	for _, want := range []string{"Recordatorio: termine de configurar la verificación en dos pasos para Contoso Ltd",
		"Hola:", "su cuenta de Contoso Ltd, alice@contoso.com, hace 4 días", "su teléfono móvil (+1 ***-***-0100)",
		"  mfa-onboard start", "the Contoso desk (desk@msp.example)", "Este es el recordatorio 1 de 3."} {
		if !strings.Contains(subject+"\n"+body, want) {
			t.Errorf("the Spanish reminder does not say %q:\n%s\n%s", want, subject, body)
		}
	}
	st := atVerify()
	st.Remind = &state.RemindRecord{Step: "verify", Since: start.Add(time.Minute), Sent: 1, LastSent: start.Add(4 * day)}
	p, _ := Decide(st, Policy{After: 72 * time.Hour, Every: day, Max: 1}, now)
	subject, body = Compose(es, p, st, texts, pol, now)
	for _, want := range []string{"alice@contoso.com no ha terminado de configurar la verificación en dos pasos (Contoso Ltd)",
		"Se le recordó por correo una vez, la última hace un día", "No consta ningún responsable"} {
		if !strings.Contains(subject+"\n"+body, want) {
			t.Errorf("the Spanish escalation does not say %q:\n%s\n%s", want, subject, body)
		}
	}
}

// The table's words are the run's language; the step ids and channels are not words.
func TestWriteTableInTheRunsLanguage(t *testing.T) {
	var out strings.Builder
	rows := []Result{
		{User: "alice@contoso.com", Action: KindRemind, Step: "verify", WaitingSince: start, Reminder: 1, Max: 3, To: "alice@contoso.com", Channel: "fake", Status: Sent},
		{User: "bob@contoso.com", Action: KindEscalate, Step: "verify", WaitingSince: start, Reminder: 3, Max: 3, To: "lead@contoso.com", Recipient: ToManager, Channel: "fake", Status: Failed, Reason: "boom"},
	}
	if err := WriteTable(catalog.New(language.Spanish), &out, rows, Tally{Waiting: 3, Later: 1}, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"USUARIO", "EN ESPERA EN", "recordatorio 1 de 3", "aviso al responsable", "enviado", "bob@contoso.com, falló: boom",
		"Enviados: 1 recordatorio y 0 avisos a un responsable o al soporte; fallidos: 1. 3 personas tienen pendiente su parte; a 1 de ellas no les toca nada ahora."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the Spanish table does not say %q:\n%s", want, out.String())
		}
	}
}
