// Package detect is samdrift's 24/7 detection: the rule library (Sigma
// rules, correlations and filters as imported, every version kept, enabled
// and re-levelled per organisation), the spine's "detect" consumer that
// runs every event through the sigma engine and the correlator, and the
// alerts it makes — grouped per tenant, rule and key so that a repeating
// match is one alert with a count — stored, listed within the caller's
// reach and streamed live. It knows sigma, events, access and the store;
// not HTTP.
package detect
