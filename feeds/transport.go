package feeds

import "context"

// Transport is a source of the district's feeds that the runtime runs: the
// websocket Client, or a consumer of a distributed stream. It delivers to a
// Handler and carries officers' steps back.
type Transport interface {
	// Run connects, delivers to the Handler and reconnects until ctx ends.
	Run(ctx context.Context) error
	// SendAction queues an officer's step for the live connection;
	// ErrNotConnected when there is none. Delivery is known by ActionAck.
	SendAction(a WireAction) error
}

var _ Transport = (*Client)(nil)

// PeerStepObserver may be implemented by a Handler to learn of the steps
// that officers at other desks of the district took: the server relays
// every step it accepted to every client of the district. A step the desk
// took itself may come back too; its ID tells it apart.
type PeerStepObserver interface {
	PeerStep(a WireAction)
}
