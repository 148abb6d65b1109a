package event

import (
	"encoding/json"
	"fmt"
)

// EncodeBatch writes events for the spine (JSON for now; a compact binary
// form is a measured next step).
func EncodeBatch(events []Event) ([]byte, error) { return json.Marshal(events) }

// DecodeBatch reads what EncodeBatch wrote.
func DecodeBatch(data []byte) ([]Event, error) {
	var out []Event
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("cannot decode event batch: %w", err)
	}
	return out, nil
}
