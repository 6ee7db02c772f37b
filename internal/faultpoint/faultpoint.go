// Package faultpoint marks the places where a crash matters most — right after a
// file was replaced, right after a line was appended — so that the fault suite
// (faults/, `make test-faults`) can kill the program exactly there and check that a
// re-run finishes with nothing doubled and nothing lost.
//
// In an ordinary build Hit is an empty function the compiler removes. Only a binary
// built with `-tags faults` has the points, and it acts on them only when told by
// the environment:
//
//	MFA_ONBOARD_FAULT=rename:7        SIGKILL this process at the 7th hit of "rename"
//	MFA_ONBOARD_FAULT=*:7             … at the 7th hit of any point
//	MFA_ONBOARD_FAULT_TRACE=FILE      append a line per hit to FILE: "seq point count file"
//	MFA_ONBOARD_FAULT_SNAP=DIR        copy the file each hit names into DIR, as seq-name
//
// The trace and the snapshots let the suite see, from a run with no fault, which
// numbered hit is which write (a state save, a demo-service record, an outbox line)
// and what the state said at that moment, such as which step had just become done.
package faultpoint

// EnvFault, EnvTrace and EnvSnap are the environment variables a faults build reads.
const (
	EnvFault = "MFA_ONBOARD_FAULT"
	EnvTrace = "MFA_ONBOARD_FAULT_TRACE"
	EnvSnap  = "MFA_ONBOARD_FAULT_SNAP"
)

// The points the product marks.
const (
	// Rename is hit after a file was atomically replaced (internal/atomicfile): the
	// state file and the demo services' records.
	Rename = "rename"
	// Append is hit after a line was appended to the outbox (internal/outbox).
	Append = "append"
	// DBSave is hit after a person's state was saved in the team's database
	// (internal/pgstore): the snapshot is the state saved.
	DBSave = "dbsave"
)
