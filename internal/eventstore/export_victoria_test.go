package eventstore

// SearchIDs exposes the VictoriaLogs store's id search to the corpus
// test.
var SearchIDs = (*Victoria).searchIDs
