package feeds

import _ "github.com/gorilla/websocket" // the transport; used by server.go and client.go
