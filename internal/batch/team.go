package batch

import (
	"context"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Team is a batch shared with the other computers running the same batch file now:
// one run of it, which each of them takes part in. A person is claimed before being
// run, so that nobody is run twice in one run of the batch, and the outcomes are
// everyone's. It is kept where the team keeps its progress (internal/pgstore); the
// journal file is its one-computer counterpart.
type Team interface {
	// Last is the person's latest outcome in any run of this batch, by anyone.
	Last(ctx context.Context, user string) (Entry, bool, error)
	// Claim takes the person for this run of the batch, unless another computer
	// has: then it says what became of them, or who is on them now. A claim whose
	// computer stopped renewing its part (it crashed, or lost the database) is taken
	// over.
	Claim(ctx context.Context, user string) (Claim, error)
	// End records the person's outcome in this run, and lets go of them.
	End(ctx context.Context, e Entry) error
}

// ClaimState is what a Claim found.
type ClaimState int

// What a claim finds.
const (
	// Mine: the person is this computer's to run.
	Mine ClaimState = iota
	// Ended: another computer ran the person in this run of the batch; Claim.Entry
	// is how they ended.
	Ended
	// Taken: another computer is running the person now; the claim is to be tried
	// again once the rows are read.
	Taken
)

// Claim is what claiming a person found.
type Claim struct {
	State ClaimState
	// Entry is the person's outcome, for Ended.
	Entry Entry
	// By is who claimed the person, for Ended and Taken; nil when it was this
	// computer (an earlier run of the batch from the same home folder).
	By *state.Runner
}

// TeamRun is this computer's part in a shared run of a batch, which Close ends: the
// people it claimed and did not finish are the others' to take over at once.
type TeamRun interface {
	Team
	Close() error
}

// Teams is a store that shares batches between computers.
type Teams interface {
	// JoinBatch takes part in the run of the batch called name that other computers
	// are running now, or starts one. instance names where this part runs from (the
	// computer and home folder), where the caller makes sure only one part of the
	// batch runs at a time: a part of the same instance still taking part is a
	// predecessor that was killed, and is ended. share is told how many parts each
	// vendor's rate limit is divided into, first before JoinBatch returns and then
	// whenever that changes: no request of this computer's may go faster than its
	// share from then on.
	JoinBatch(ctx context.Context, name, instance string, share func(parts int)) (TeamRun, error)
	// BatchRecord reads the batch called name's outcomes without taking part (a dry
	// run).
	BatchRecord(name string) Team
}
