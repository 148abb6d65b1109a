// Package sigma is samdrift's Sigma v2.1 engine: it parses rules, correlation
// rules and filters (YAML, multi-document), compiles them against processing
// pipelines that route log sources (category/product/service) to event
// predicates and field names, and evaluates events.
//
// The engine never silently weakens a rule: a rule that uses anything the
// engine does not support (an unknown modifier, a regular expression Go's RE2
// cannot compile, a placeholder without a value, a deprecated aggregation) is
// rejected at load with its id, file, line and reason.
//
// Values compare case-insensitively with Unicode case folding (ASCII-only
// folding would let "ſ" or "K" evade a rule); `cased` compares exactly.
//
// The package knows events only through Doc, which adapters fill from
// samdrift's normalised events (ECS names) or from Windows event exports in
// evtx_dump's JSON shape. It knows no storage, tenants' permissions or HTTP.
package sigma
