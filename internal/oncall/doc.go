// Package oncall is samdrift's 24/7 on-call: teams, their rotations and
// overrides (who is on call at each escalation level, at any instant),
// handover notes, escalation policies per severity, and escalations that
// page the people on call step by step until someone acknowledges.
//
// # Schedules
//
// A team belongs to one organisation (the shared SOC, a unit, or a
// municipality) and has members of that organisation only. A rotation is
// a layer on one escalation level (1 = primary, 2 = secondary, …): an
// ordered list of members who take turns, each for one Period, with
// handoffs at the start's wall-clock time in Europe/Copenhagen (a weekly
// Monday 08:00 handoff stays at 08:00 local across the DST changes). An
// optional Restriction limits a layer to windows in the week (only
// Mon–Fri 08:00–16:00, say); outside them it has a gap. On one level the
// later-added layer wins where it has someone, and lower layers show
// through its gaps. An Override ("I take Thursday night") wins over every
// layer of its level.
//
// # Escalations
//
// Start (called inside the caller's write transaction, by detection for a
// high or critical alert and by the SOC for a critical case) pages step 1
// of the team's policy for the severity at once and records when the next
// step is due. Sweep, run every few seconds by every node, advances the
// escalations whose next step is due; each advance is claimed and
// notified in one transaction, so that across nodes every step is paged
// exactly once and none is lost. Ack, Snooze and Resolve stop or pause
// it; a signed link in the page's e-mail and webhook acknowledges it
// without logging in (AckToken, AckByToken).
//
// Routing: a Subject without a team goes to the default team (a team of
// the shared SOC marked Default; there is at most one). Without one, Start
// does nothing, so that an alert is never lost for want of an on-call
// set-up.
//
// Notices go through package notify (the inbox), which package delivery
// sends by e-mail and webhook. The package must not know the web layer,
// alerts or cases beyond their ids.
package oncall
