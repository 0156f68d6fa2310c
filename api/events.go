package api

// EventDestinationsPath is the path of an instance's event destinations,
// Coffer's own API (IBM's registration names an Event Notifications
// instance Coffer cannot deliver to): "{guid}" is the instance GUID, or
// "default" for the caller's account's default instance.
const EventDestinationsPath = "/coffer/v1/instances/{guid}/event-destinations"

// Kinds of event destination.
const (
	EventDestinationWebhook = "webhook"
	EventDestinationNATS    = "nats"
)

// EventDestinationPrototype is the body of POST
// /coffer/v1/instances/{guid}/event-destinations: a webhook (URL) or a NATS
// subject (URL and Subject). ID is optional: by default it is derived from
// the kind and address, so posting the same destination again replaces it.
type EventDestinationPrototype struct {
	Type    string `json:"type"`
	URL     string `json:"url"`
	Subject string `json:"subject,omitempty"`
	ID      string `json:"id,omitempty"`
}

// EventDestination is one place an instance's event notifications go.
// SigningSecret, the Standard Webhooks secret ("whsec_..."), is in the
// answer to the creation of a webhook destination only: it is shown once,
// and a receiver verifies the webhook-signature header with it.
type EventDestination struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	URL           string `json:"url"`
	Subject       string `json:"subject,omitempty"`
	SigningSecret string `json:"signing_secret,omitempty"`
}

// EventDestinationList is the answer of GET
// /coffer/v1/instances/{guid}/event-destinations, oldest first.
type EventDestinationList struct {
	EventDestinations []EventDestination `json:"event_destinations"`
}
